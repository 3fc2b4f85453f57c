"""A URLconf with a view that fails the way a programming error would, for error-path tests."""

from django.urls import include, path
from rest_framework.response import Response
from rest_framework.views import APIView


class BrokenView(APIView):
    def get(self, request):
        return Response({"ratio": 1 / len([])})


urlpatterns = [
    path("v1/broken", BrokenView.as_view()),
    path("", include("nomadcrew.urls")),
]
