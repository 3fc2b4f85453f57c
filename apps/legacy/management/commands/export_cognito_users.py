"""Write imported people as Cognito's user-import CSV: the bulk alternative to the migration
trigger, for when the old password hashes can't be used (people then reset their password).

    python manage.py export_cognito_users --output users.csv [--user-pool-id POOL]

The header is the pool's own (Cognito's GetCSVHeader) when ``--user-pool-id`` is given, so custom
attributes are included; otherwise the standard set Cognito documents. Cognito wants every header
column in every row (empty when unknown), ``email_verified`` true for its auto-verified email, and
``cognito:mfa_enabled``. The pool signs in by email, so ``cognito:username`` is the email. Only
people who may sign in are written: email confirmed by Supabase, not deleted, not banned.
"""

import csv
from itertools import groupby

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db.models.functions import Lower

from apps.legacy.auth import usable_credentials

# What GetCSVHeader answers for a pool with only the standard attributes (Cognito's guide).
STANDARD_HEADER = [
    "name",
    "given_name",
    "family_name",
    "middle_name",
    "nickname",
    "preferred_username",
    "profile",
    "picture",
    "website",
    "email",
    "email_verified",
    "gender",
    "birthdate",
    "zoneinfo",
    "locale",
    "phone_number",
    "phone_number_verified",
    "address",
    "updated_at",
    "cognito:mfa_enabled",
    "cognito:username",
]


def pool_header(user_pool_id: str) -> list[str]:
    import boto3  # deferred: only this path talks to Cognito
    from botocore.exceptions import BotoCoreError, ClientError

    client = boto3.client("cognito-idp", region_name=settings.COGNITO_REGION or None)
    try:
        return client.get_csv_header(UserPoolId=user_pool_id)["CSVHeader"]
    except (BotoCoreError, ClientError) as exc:
        raise CommandError(f"Cognito's GetCSVHeader failed: {exc}") from exc


def user_row(credential) -> dict[str, str]:
    user = credential.user
    full_name = f"{user.first_name} {user.last_name}".strip()
    return {
        "cognito:username": credential.email,
        "email": credential.email,
        "email_verified": "TRUE",
        "cognito:mfa_enabled": "FALSE",
        "phone_number_verified": "FALSE",
        "name": full_name,
        "given_name": user.first_name,
        "family_name": user.last_name,
        "preferred_username": user.username,
    }


class Command(BaseCommand):
    help = "Write imported users as Cognito's user-import CSV."

    def add_arguments(self, parser):
        parser.add_argument("--output", help="File to write (default: standard output).")
        parser.add_argument("--user-pool-id", help="Take the header from this pool (GetCSVHeader).")

    def handle(self, *args, output=None, user_pool_id=None, **options):
        header = pool_header(user_pool_id) if user_pool_id else STANDARD_HEADER
        missing = {"cognito:username", "email", "email_verified"} - set(header)
        if missing:
            raise CommandError(f"The pool's CSV header lacks {sorted(missing)}.")
        credentials = (
            usable_credentials()
            .filter(email_confirmed_at__isnull=False)
            .exclude(email="")
            .order_by(Lower("email"), "user_id")
        )
        self.stdout.ending = ""  # csv ends its own lines
        handle = open(output, "w", newline="", encoding="utf-8") if output else self.stdout  # noqa: SIM115
        written, ambiguous = 0, 0
        try:
            writer = csv.DictWriter(handle, fieldnames=header, restval="", extrasaction="ignore")
            writer.writeheader()
            rows = credentials.iterator(chunk_size=2000)
            for _, group in groupby(rows, key=lambda credential: credential.email.lower()):
                first, *others = group
                if others:  # one username, two people: Cognito would refuse the whole job
                    ambiguous += 1 + len(others)
                    continue
                writer.writerow(user_row(first))
                written += 1
        finally:
            if output:
                handle.close()
        self.stderr.write(f"{written} users written")
        if ambiguous:
            self.stderr.write(f"{ambiguous} users left out: their email is not unique")
