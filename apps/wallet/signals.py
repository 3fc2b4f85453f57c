"""A wallet row deleted by any path (the purge, account erasure, a trip or user deleted in
the admin and cascading) takes its object with it once the transaction commits: one place,
so no path can leave a passport scan behind in the bucket."""

from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

from apps.wallet import storage
from apps.wallet.models import WalletDocument


@receiver(post_delete, sender=WalletDocument, dispatch_uid="wallet_document_object_removal")
def remove_object(sender, instance: WalletDocument, **kwargs) -> None:
    key = instance.storage_key
    transaction.on_commit(lambda: storage.discard(key), robust=True)
