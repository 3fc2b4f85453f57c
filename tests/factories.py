"""factory_boy factories for every model the tests need."""

import factory
from factory.django import DjangoModelFactory

from apps.users.models import PushToken, User


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"traveller{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.django.Password("not-used-by-api-users")


class PushTokenFactory(DjangoModelFactory):
    class Meta:
        model = PushToken

    user = factory.SubFactory(UserFactory)
    token = factory.Sequence(lambda n: f"ExponentPushToken[test-{n}]")
    device_type = "ios"
