"""The wallet's deploy check."""

from apps.wallet.checks import wallet_key_configured


def test_deploy_check_warns_when_the_bucket_has_no_wallet_key(settings):
    settings.AWS_STORAGE_BUCKET_NAME = "nomadcrew-media"
    settings.WALLET_KMS_KEY_ID = ""
    assert [w.id for w in wallet_key_configured(None)] == ["wallet.W001"]
    settings.WALLET_KMS_KEY_ID = "arn:aws:kms:eu-west-2:123456789012:key/wallet"
    assert wallet_key_configured(None) == []
