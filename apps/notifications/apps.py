from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "apps.notifications"
    label = "notifications"
    verbose_name = "Notifications"

    def ready(self):
        from apps.notifications.services import notification_delete_all
        from apps.users.erasure import register_personal_data_eraser

        # Account deletion: the user's own inbox goes with them.
        register_personal_data_eraser(notification_delete_all)
