from django.apps import AppConfig


class TripsConfig(AppConfig):
    name = "apps.trips"
    label = "trips"
    verbose_name = "Trips"

    def ready(self):
        from apps.trips.services import memberships_release_for_deleted_account
        from apps.users.erasure import register_personal_data_eraser

        register_personal_data_eraser(memberships_release_for_deleted_account)
