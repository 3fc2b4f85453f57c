from django.urls import path

from apps.chat import views

# "messages/read" before "messages/<uuid:message_id>" (contract §16's route-order note).
urlpatterns = [
    path(
        "trips/<uuid:trip_id>/chat/messages",
        views.MessageListView.as_view(),
        name="chat-messages",
    ),
    path(
        "trips/<uuid:trip_id>/chat/messages/read",
        views.ReadReceiptView.as_view(),
        name="chat-messages-read",
    ),
    path(
        "trips/<uuid:trip_id>/chat/last-read",
        views.LastReadView.as_view(),
        name="chat-last-read",
    ),
    path(
        "trips/<uuid:trip_id>/chat/messages/<uuid:message_id>",
        views.MessageDetailView.as_view(),
        name="chat-message",
    ),
    path(
        "trips/<uuid:trip_id>/chat/messages/<uuid:message_id>/reactions",
        views.ReactionListView.as_view(),
        name="chat-reactions",
    ),
    path(
        "trips/<uuid:trip_id>/chat/messages/<uuid:message_id>/reactions/<str:emoji>",
        views.ReactionDetailView.as_view(),
        name="chat-reaction",
    ),
]
