"""The public feedback endpoint."""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.authentication import CognitoJWTAuthentication
from apps.feedback import services
from apps.feedback.serializers import FeedbackInputSerializer

SUBMITTED = "Feedback submitted successfully"


class FeedbackView(APIView):
    """Anyone may send feedback (the landing page has no account). A bearer token is optional;
    one that is sent must be valid (401 otherwise), and links the feedback to its user."""

    # Bearer tokens only: session authentication would add a CSRF check the app can't pass.
    authentication_classes = [CognitoJWTAuthentication]
    permission_classes = [AllowAny]
    throttle_scope = "feedback"

    @extend_schema(
        request=FeedbackInputSerializer,
        responses={
            201: inline_serializer("FeedbackSubmitted", {"status": serializers.CharField()})
        },
    )
    def post(self, request):
        serializer = FeedbackInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.feedback_create(user=request.user, **serializer.validated_data)
        return Response({"status": SUBMITTED}, status=status.HTTP_201_CREATED)
