"""HTTP endpoints of the wallet (contract §13): parse, authorise, call a service, render.

Personal routes act on the caller's own wallet only; trip routes go through the trip gate
(``wallet.read``/``wallet.create``: non-members get 404); a document id answers 404 to anyone
who may not see it, whoever they are (trip admins and app staff included).
"""

from django.http import FileResponse, HttpResponseRedirect
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core import media
from apps.core.client_address import client_address
from apps.core.pagination import OffsetPage, offset_page_parameters, offset_page_schema
from apps.core.serializers import UploadFormSerializer
from apps.trips.permissions import TripScopedMixin
from apps.wallet import selectors, services, storage
from apps.wallet.serializers import (
    DocumentConfirmSerializer,
    DocumentMultipartSerializer,
    DocumentUpdateSerializer,
    DocumentUploadRequestSerializer,
    WalletDocumentResponseSerializer,
    WalletDocumentSerializer,
)

PAGE_LIMIT = 20


def client_of(request) -> services.Client:
    """Who to audit: the address the access log and admin lockouts use (API Gateway's source
    address on Lambda, which no client-written header can forge)."""
    return services.Client(
        ip_address=client_address(request),
        user_agent=request.META.get("HTTP_USER_AGENT", ""),
    )


def _page(request, documents) -> Response:
    page = OffsetPage.from_request(request, default_limit=PAGE_LIMIT)
    window = documents[page.offset : page.offset + page.limit]
    return Response(page.body(WalletDocumentSerializer(window, many=True).data, documents.count()))


def _create(request, *, trip) -> Response:
    """Multipart ``file`` + ``metadata`` (a JSON string), or JSON with the uploaded ``key``."""
    if request.content_type.startswith(("multipart/", "application/x-www-form-urlencoded")):
        serializer = DocumentMultipartSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        upload = {"upload": data["file"]}
    else:
        serializer = DocumentConfirmSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        upload = {"key": data["key"]}
    fields = services.DocumentInput(
        document_type=data["document_type"],
        name=data["name"],
        description=data.get("description") or "",
        metadata=data.get("metadata"),
    )
    create = services.document_upload if "upload" in upload else services.document_confirm
    document = create(
        user=request.user, trip=trip, data=fields, client=client_of(request), **upload
    )
    token = services.download_token(document=document, user=request.user)
    body = WalletDocumentResponseSerializer(document, context={"download_token": token}).data
    return Response(body, status=status.HTTP_201_CREATED)


CREATE_SCHEMA = extend_schema(
    request={
        "multipart/form-data": DocumentMultipartSerializer,
        "application/json": DocumentConfirmSerializer,
    },
    responses={201: WalletDocumentResponseSerializer},
)
LIST_SCHEMA = extend_schema(
    parameters=offset_page_parameters(default_limit=PAGE_LIMIT),
    responses=offset_page_schema("WalletDocument", WalletDocumentSerializer),
)
UPLOAD_URL_SCHEMA = extend_schema(
    request=DocumentUploadRequestSerializer, responses=UploadFormSerializer
)


def _upload_form(request) -> Response:
    serializer = DocumentUploadRequestSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    form = storage.upload_form(
        user_id=request.user.pk, content_type=serializer.validated_data["content_type"]
    )
    return Response(UploadFormSerializer(form).data)


class PersonalDocumentListView(APIView):
    """The caller's personal wallet: list, and upload (multipart or confirm a direct upload)."""

    throttle_scope = {"POST": "uploads"}

    @LIST_SCHEMA
    def get(self, request):
        return _page(request, selectors.personal_documents(user=request.user))

    @CREATE_SCHEMA
    def post(self, request):
        return _create(request, trip=None)


class PersonalUploadUrlView(APIView):
    """Step 1 of a direct upload to the personal wallet: a presigned POST form."""

    throttle_scope = "uploads"

    @UPLOAD_URL_SCHEMA
    def post(self, request):
        return _upload_form(request)


class TripDocumentListView(TripScopedMixin, APIView):
    """A trip's group wallet: every active member lists and uploads."""

    required_action = {"GET": "wallet.read", "POST": "wallet.create"}
    throttle_scope = {"POST": "uploads"}

    @LIST_SCHEMA
    def get(self, request, trip_id):
        return _page(request, selectors.trip_documents(trip=self.trip))

    @CREATE_SCHEMA
    def post(self, request, trip_id):
        return _create(request, trip=self.trip)


class TripUploadUrlView(TripScopedMixin, APIView):
    required_action = "wallet.create"
    throttle_scope = "uploads"

    @UPLOAD_URL_SCHEMA
    def post(self, request, trip_id):
        return _upload_form(request)


class DocumentDetailView(APIView):
    """One document: read (with a fresh download token), edit and delete (its uploader)."""

    @extend_schema(responses=WalletDocumentResponseSerializer)
    def get(self, request, document_id):
        document = services.document_for(user=request.user, document_id=document_id)
        token = services.document_view(
            user=request.user, document=document, client=client_of(request)
        )
        return Response(
            WalletDocumentResponseSerializer(document, context={"download_token": token}).data
        )

    @extend_schema(request=DocumentUpdateSerializer, responses=WalletDocumentSerializer)
    def put(self, request, document_id):
        document = services.document_for(user=request.user, document_id=document_id)
        serializer = DocumentUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        document = services.document_update(
            user=request.user,
            document=document,
            changes=serializer.validated_data,
            client=client_of(request),
        )
        return Response(WalletDocumentSerializer(document).data)

    @extend_schema(
        responses={
            200: OpenApiResponse(
                response={"type": "object", "properties": {"message": {"type": "string"}}}
            )
        }
    )
    def delete(self, request, document_id):
        document = services.document_for(user=request.user, document_id=document_id)
        services.document_delete(user=request.user, document=document, client=client_of(request))
        return Response({"message": "Document deleted successfully"})


class DocumentFileView(APIView):
    """The file behind a download token (the token is the credential): a redirect to a
    presigned GET valid five minutes, or the bytes themselves from local storage."""

    authentication_classes = []
    permission_classes = [AllowAny]

    @extend_schema(
        responses={
            (200, "application/octet-stream"): OpenApiResponse(
                response=OpenApiTypes.BINARY, description="the file (local storage)"
            ),
            307: OpenApiResponse(description="to a presigned S3 URL valid five minutes"),
            400: OpenApiResponse(description="code invalid_token or token_expired (15 minutes)"),
            404: OpenApiResponse(description="the document was deleted, or its holder lost access"),
        }
    )
    def get(self, request, token):
        document = services.document_download(token=token, client=client_of(request))
        if media.uses_s3():
            url = storage.download_url(
                key=document.storage_key, filename=document.name, content_type=document.mime_type
            )
            response = HttpResponseRedirect(url, status=status.HTTP_307_TEMPORARY_REDIRECT)
        else:
            response = FileResponse(
                storage.open_local(document.storage_key),
                content_type=document.mime_type,
                as_attachment=True,
                filename=document.name,
            )
        response["Cache-Control"] = "no-store"
        response["X-Content-Type-Options"] = "nosniff"
        return response
