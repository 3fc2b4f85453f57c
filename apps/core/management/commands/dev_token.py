from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from apps.core.devtokens import issue_dev_token


class Command(BaseCommand):
    help = "Print a locally signed Cognito-format ID token for EMAIL (development only)."

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--groups", nargs="*", default=[], help="Cognito groups, e.g. admins")
        parser.add_argument("--ttl", type=int, default=3600, help="lifetime in seconds")

    def handle(self, *args, email, groups, ttl, **options):
        if not settings.DEBUG or settings.COGNITO_USER_POOL_ID != settings.COGNITO_DEV_POOL_ID:
            raise CommandError(
                "dev_token works only with DJANGO_DEBUG on and no COGNITO_USER_POOL_ID set."
            )
        self.stdout.write(issue_dev_token(email=email, groups=groups, ttl=ttl))
