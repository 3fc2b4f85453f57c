"""A deploy check: with a bucket but no wallet key, the bucket policy refuses every wallet
upload (it demands SSE-KMS under ``wallet/``), so say so before users find out."""

from django.conf import settings
from django.core.checks import Warning, register


@register(deploy=True)
def wallet_key_configured(app_configs, **kwargs):
    if settings.AWS_STORAGE_BUCKET_NAME and not settings.WALLET_KMS_KEY_ID:
        return [
            Warning(
                "WALLET_KMS_KEY_ID is not set: wallet uploads to S3 are not encrypted with the "
                "wallet key, and the template's bucket policy refuses them.",
                hint="Set WALLET_KMS_KEY_ID to the stack's WalletKmsKeyId output.",
                id="wallet.W001",
            )
        ]
    return []
