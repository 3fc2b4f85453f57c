"""Shapes of the wallet's requests and responses (contract §13), camelCased by the renderer.

``metadata`` is free-form (its keys are whitelisted per type by the services and pass through
the camelCase conversion untouched); ``storage_key`` is never in any response.
"""

import json

from djangorestframework_camel_case.settings import api_settings as camel_case_settings
from djangorestframework_camel_case.util import underscoreize
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.core.errors import ApplicationError
from apps.core.parsers import check_document
from apps.wallet.models import ALLOWED_MIME_TYPES, DocumentType, WalletDocument, WalletType


class WalletDocumentSerializer(serializers.ModelSerializer):
    user_id = serializers.UUIDField(read_only=True)
    trip_id = serializers.UUIDField(read_only=True, allow_null=True)

    class Meta:
        model = WalletDocument
        fields = [
            "id",
            "user_id",
            "trip_id",
            "wallet_type",
            "document_type",
            "name",
            "description",
            "file_size",
            "mime_type",
            "metadata",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class WalletDocumentResponseSerializer(WalletDocumentSerializer):
    """With ``downloadUrl``: not a URL but a token, valid 15 minutes; the app requests
    ``/v1/wallet/files/<downloadUrl>``."""

    download_url = serializers.SerializerMethodField()

    class Meta(WalletDocumentSerializer.Meta):
        fields = [*WalletDocumentSerializer.Meta.fields, "download_url"]
        read_only_fields = fields

    def get_download_url(self, document) -> str:
        return self.context["download_token"]


class DocumentFieldsSerializer(serializers.Serializer):
    """What describes a new document. ``walletType``/``tripId`` are accepted and ignored: the
    route decides the wallet."""

    wallet_type = serializers.ChoiceField(choices=WalletType.choices, required=False)
    trip_id = serializers.CharField(required=False, allow_null=True, allow_blank=True)
    document_type = serializers.ChoiceField(choices=DocumentType.choices)
    name = serializers.CharField(max_length=255)
    description = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    metadata = serializers.JSONField(required=False, allow_null=True)


class DocumentConfirmSerializer(DocumentFieldsSerializer):
    """Step 2 of a direct upload: the key returned with the upload form, and the fields."""

    key = serializers.CharField(max_length=512)


@extend_schema_field(
    {
        "type": "string",
        "description": "JSON: {walletType?, tripId?, documentType, name, description?, metadata?}",
    }
)
class MetadataStringField(serializers.CharField):
    """The contract's multipart part: a JSON string."""


class DocumentMultipartSerializer(serializers.Serializer):
    file = serializers.FileField(required=False)
    metadata = MetadataStringField(required=False)

    def validate(self, attrs):
        if not attrs.get("file"):
            raise ApplicationError(
                "A file is required.", code="missing_file", details={"file": ["Required."]}
            )
        raw = attrs.get("metadata")
        if not raw:
            raise ApplicationError(
                "The metadata part is required.",
                code="missing_metadata",
                details={"metadata": ["Required: a JSON object as a string."]},
            )
        try:
            decoded = json.loads(raw)
            if not isinstance(decoded, dict):
                raise ValueError("not an object")
            check_document(decoded)
        except (ValueError, serializers.ValidationError):
            raise ApplicationError(
                "The metadata part is not a JSON object.",
                code="invalid_metadata",
                details={"metadata": ["Must be a JSON object as a string."]},
            ) from None
        fields = DocumentFieldsSerializer(
            data=underscoreize(decoded, **camel_case_settings.JSON_UNDERSCOREIZE)
        )
        fields.is_valid(raise_exception=True)
        return {"file": attrs["file"], **fields.validated_data}


class DocumentUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=255, required=False)
    description = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    document_type = serializers.ChoiceField(choices=DocumentType.choices, required=False)
    metadata = serializers.JSONField(required=False)


@extend_schema_field({"type": "string", "enum": list(ALLOWED_MIME_TYPES)})
class DocumentContentTypeField(serializers.CharField):
    """Checked by ``storage.check_content_type`` (code ``invalid_mime_type``)."""


class DocumentUploadRequestSerializer(serializers.Serializer):
    content_type = DocumentContentTypeField(max_length=100)
