"""HTTP endpoints of a trip's polls (contract §9): parse, authorise, call a service, render.

Poll and option ids in the path are matched as strings and parsed here, so a malformed one is
the contract's 400 rather than a 404.
"""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.pagination import OffsetPage, offset_page_parameters, offset_page_schema
from apps.polls import selectors, services
from apps.polls.serializers import (
    PollCreateSerializer,
    PollSerializer,
    PollUpdateSerializer,
    VoteSerializer,
)
from apps.trips.permissions import TripScopedMixin, check_author_rule

DEFAULT_LIMIT = 20
MAX_LIMIT = 100

PollPage = offset_page_schema("Poll", PollSerializer)
Message = inline_serializer("PollMessage", {"message": serializers.CharField()})


class TripPollView(TripScopedMixin, APIView):
    """Base of the poll endpoints: the URL's poll looked up inside the trip (deleted or
    foreign polls are 404) and the PollResponse rendering."""

    def get_poll(self):
        poll_id = selectors.parse_id(
            self.kwargs["poll_id"], field="poll_id", code="invalid_poll_id"
        )
        return selectors.poll_get(trip=self.trip, poll_id=poll_id)

    def poll_response(self, poll, status_code=status.HTTP_200_OK) -> Response:
        poll = selectors.poll_get_with_results(
            trip=self.trip, poll_id=poll.pk, viewer=self.request.user
        )
        return Response(PollSerializer(poll).data, status=status_code)


class PollListCreateView(TripPollView):
    required_action = {"GET": "poll.read", "POST": "poll.create"}

    @extend_schema(
        parameters=[
            *offset_page_parameters(default_limit=DEFAULT_LIMIT, max_limit=MAX_LIMIT),
        ],
        responses=PollPage,
    )
    def get(self, request, trip_id):
        page = OffsetPage.from_request(request, default_limit=DEFAULT_LIMIT, max_limit=MAX_LIMIT)
        polls, total = selectors.poll_page(
            trip=self.trip, viewer=request.user, limit=page.limit, offset=page.offset
        )
        return Response(page.body(PollSerializer(polls, many=True).data, total=total))

    @extend_schema(request=PollCreateSerializer, responses={201: PollSerializer})
    def post(self, request, trip_id):
        serializer = PollCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        poll = services.poll_create(trip=self.trip, actor=request.user, **serializer.validated_data)
        return self.poll_response(poll, status.HTTP_201_CREATED)


class PollDetailView(TripPollView):
    required_action = {"GET": "poll.read", "PUT": "poll.update", "DELETE": "poll.delete"}

    @extend_schema(responses=PollSerializer)
    def get(self, request, trip_id, poll_id):
        return self.poll_response(self.get_poll())

    @extend_schema(request=PollUpdateSerializer, responses=PollSerializer)
    def put(self, request, trip_id, poll_id):
        poll = self.get_poll()
        check_author_rule(self.membership, "poll.update", poll.created_by_id)
        serializer = PollUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        poll = services.poll_update(
            poll=poll, actor=request.user, question=serializer.validated_data["question"]
        )
        return self.poll_response(poll)

    @extend_schema(responses=Message)
    def delete(self, request, trip_id, poll_id):
        poll = self.get_poll()
        check_author_rule(self.membership, "poll.delete", poll.created_by_id)
        services.poll_delete(poll=poll, actor=request.user)
        return Response({"message": "Poll deleted successfully"})


class PollVoteView(TripPollView):
    required_action = "poll.vote"

    @extend_schema(request=VoteSerializer, responses=Message)
    def post(self, request, trip_id, poll_id):
        poll = self.get_poll()
        serializer = VoteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.poll_vote_cast(
            poll=poll, actor=request.user, option_id=serializer.validated_data["option_id"]
        )
        return Response({"message": "Vote cast successfully"})


class PollVoteDeleteView(TripPollView):
    required_action = "poll.vote"

    @extend_schema(responses=Message)
    def delete(self, request, trip_id, poll_id, option_id):
        poll = self.get_poll()
        option_id = selectors.parse_id(option_id, field="option_id", code="invalid_option_id")
        services.poll_vote_remove(poll=poll, actor=request.user, option_id=option_id)
        return Response({"message": "Vote removed successfully"})


class PollCloseView(TripPollView):
    """The creator or ADMIN+ may close a poll at any time. The old backend allowed it only once
    the poll had expired or every member had voted; expiry already ends voting by itself, and
    ending a poll early is the point of the button."""

    required_action = "poll.close"

    @extend_schema(request=None, responses=PollSerializer)
    def post(self, request, trip_id, poll_id):
        poll = self.get_poll()
        check_author_rule(self.membership, "poll.close", poll.created_by_id)
        poll = services.poll_close(poll=poll, actor=request.user)
        return self.poll_response(poll)
