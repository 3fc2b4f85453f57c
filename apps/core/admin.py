"""What every admin that writes through the services shares.

A service refuses a write by raising ``ApplicationError`` (the owner rule, the status machine,
an answered invitation). The admin runs each form's save in one transaction, so catching the
error around the whole view rolls everything back; staff see the service's own message on the
form they came from, never a 500 or a half-applied change.
"""

from django.contrib import messages
from django.http import HttpResponseRedirect

from apps.core.errors import ApplicationError


class ServiceRulesAdminMixin:
    """For ModelAdmins whose ``save_model``/``delete_model`` call services."""

    def _refused(self, request, error: ApplicationError) -> HttpResponseRedirect:
        self.message_user(request, f"Not saved: {error.message}", messages.ERROR)
        return HttpResponseRedirect(request.get_full_path())

    def changeform_view(self, request, *args, **kwargs):
        try:
            return super().changeform_view(request, *args, **kwargs)
        except ApplicationError as error:
            return self._refused(request, error)

    def delete_view(self, request, *args, **kwargs):
        try:
            return super().delete_view(request, *args, **kwargs)
        except ApplicationError as error:
            return self._refused(request, error)

    def changelist_view(self, request, *args, **kwargs):
        try:  # admin actions run here
            return super().changelist_view(request, *args, **kwargs)
        except ApplicationError as error:
            return self._refused(request, error)
