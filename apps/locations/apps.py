from django.apps import AppConfig


class LocationsConfig(AppConfig):
    name = "apps.locations"
    label = "locations"
    verbose_name = "Locations"

    def ready(self):
        from apps.locations.services import location_erase_for_deleted_account
        from apps.users.erasure import register_personal_data_eraser

        register_personal_data_eraser(location_erase_for_deleted_account)
