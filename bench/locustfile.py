"""The load run's traffic (bench/load.py starts Locust with it): signed-in travellers reading and
writing in their own trips, with the mix the app makes (chat and the trip list most).

Each simulated user is a different seeded user with their own token and trips, read from the
JSON file named by BENCH_LOAD_DATA. Requests go over plain HTTP to 127.0.0.1 with
``X-Forwarded-Proto: https``, as a TLS-terminating proxy sends them.
"""

import itertools
import json
import os
import random
from datetime import date, timedelta
from pathlib import Path

from locust import FastHttpUser, between, task

DATA = json.loads(Path(os.environ["BENCH_LOAD_DATA"]).read_text())
_identities = itertools.cycle(DATA["identities"])
_sequence = itertools.count()


class Traveller(FastHttpUser):
    wait_time = between(
        float(os.environ.get("BENCH_WAIT_MIN", "0.05")),
        float(os.environ.get("BENCH_WAIT_MAX", "0.2")),
    )

    def on_start(self):
        me = next(_identities)
        self.trips = me["trips"]
        self.headers = {
            "Authorization": f"Bearer {me['token']}",
            "Accept": "application/json",
            "X-Forwarded-Proto": "https",
        }

    def _trip(self) -> dict:
        return random.choice(self.trips)

    def _get(self, path: str, name: str):
        self.client.get(path, headers=self.headers, name=name)

    def _send(self, method: str, path: str, body: dict, name: str):
        self.client.request(method, path, json=body, headers=self.headers, name=name)

    @task(12)
    def trip_list(self):
        self._get("/v1/trips", "GET /v1/trips")

    @task(8)
    def trip_detail(self):
        self._get(f"/v1/trips/{self._trip()['id']}", "GET /v1/trips/:id")

    @task(6)
    def members(self):
        self._get(f"/v1/trips/{self._trip()['id']}/members", "GET …/members")

    @task(16)
    def chat_history(self):
        self._get(f"/v1/trips/{self._trip()['id']}/chat/messages", "GET …/chat/messages")

    @task(8)
    def todos(self):
        self._get(f"/v1/trips/{self._trip()['id']}/todos", "GET …/todos")

    @task(6)
    def polls(self):
        self._get(f"/v1/trips/{self._trip()['id']}/polls", "GET …/polls")

    @task(8)
    def locations(self):
        self._get(f"/v1/trips/{self._trip()['id']}/locations", "GET …/locations")

    @task(8)
    def notifications(self):
        self._get("/v1/notifications", "GET /v1/notifications")

    @task(6)
    def me(self):
        self._get("/v1/users/me", "GET /v1/users/me")

    @task(10)
    def send_message(self):
        n = next(_sequence)
        self._send(
            "POST",
            f"/v1/trips/{self._trip()['id']}/chat/messages",
            {"content": f"Load message {n}", "clientMessageId": f"{DATA['run']}-{n}"},
            "POST …/chat/messages",
        )

    @task(6)
    def share_location(self):
        self._send(
            "PUT",
            f"/v1/trips/{self._trip()['id']}/locations",
            {"latitude": 38.7 + random.random() / 10, "longitude": -9.1, "accuracy": 10},
            "PUT …/locations",
        )

    @task(2)
    def add_todo(self):
        self._send(
            "POST",
            f"/v1/trips/{self._trip()['id']}/todos",
            {"text": f"Load todo {next(_sequence)}"},
            "POST …/todos",
        )

    @task(2)
    def tick_todo(self):
        trip = self._trip()
        if trip["todos"]:
            status = random.choice(["COMPLETE", "INCOMPLETE"])
            todo = random.choice(trip["todos"])
            path = f"/v1/trips/{trip['id']}/todos/{todo}"
            self._send("PUT", path, {"status": status}, "PUT …/todos/:id")

    @task(2)
    def vote(self):
        trip = self._trip()
        if trip["poll"]:
            path = f"/v1/trips/{trip['id']}/polls/{trip['poll']}/vote"
            self._send("POST", path, {"optionId": random.choice(trip["options"])}, "POST …/vote")

    @task(1)
    def create_trip(self):
        start = date.today() + timedelta(days=random.randint(10, 300))
        body = {
            "name": f"Load trip {next(_sequence)}",
            "startDate": start.isoformat(),
            "endDate": (start + timedelta(days=5)).isoformat(),
            "destinationName": "Kyoto",
            "destinationLatitude": 35.01,
            "destinationLongitude": 135.77,
        }
        self._send("POST", "/v1/trips", body, "POST /v1/trips")
