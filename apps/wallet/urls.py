from django.urls import path

from apps.wallet import views

urlpatterns = [
    path("wallet/documents", views.PersonalDocumentListView.as_view(), name="wallet-documents"),
    path(
        "wallet/documents/upload-url",
        views.PersonalUploadUrlView.as_view(),
        name="wallet-document-upload",
    ),
    path(
        "wallet/documents/<uuid:document_id>",
        views.DocumentDetailView.as_view(),
        name="wallet-document",
    ),
    path("wallet/files/<str:token>", views.DocumentFileView.as_view(), name="wallet-file"),
    path(
        "trips/<uuid:trip_id>/wallet/documents",
        views.TripDocumentListView.as_view(),
        name="trip-wallet-documents",
    ),
    path(
        "trips/<uuid:trip_id>/wallet/documents/upload-url",
        views.TripUploadUrlView.as_view(),
        name="trip-wallet-document-upload",
    ),
]
