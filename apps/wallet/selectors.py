"""Reads of the wallet shaped for the API: one query for a page, one for its total."""

from apps.wallet.models import WalletDocument, WalletType


def personal_documents(*, user):
    """The caller's own personal documents, newest first (never anyone else's)."""
    return (
        WalletDocument.objects.alive()
        .filter(user=user, wallet_type=WalletType.PERSONAL)
        .order_by("-created_at", "-id")
    )


def trip_documents(*, trip):
    """A trip's group documents (the caller's membership is checked by the view)."""
    return WalletDocument.objects.alive().filter(trip=trip).order_by("-created_at", "-id")
