"""The bench data set in its own PostgreSQL database, and the settings every bench step runs with.

    .venv/bin/python bench/dataset.py            (make bench runs it first)

Makes the database if missing (``nomadcrew_bench`` on the server of DATABASE_URL, or on
127.0.0.1:5432; BENCH_DATABASE_URL names another), migrates it and seeds 1,000 users, 500 trips
of 20 members with 200 chat messages each (reactions, read marks), todos, polls with options and
votes, location histories and 50 notifications per user, plus a two-member probe trip: the small
side of the "does the query count grow with the data?" comparison. Rows go in with COPY, built
from model instances so new fields with Python defaults need no change here. A marker table
remembers what was seeded: a second run with the same spec does nothing; BENCH_RESEED=1 wipes
the app's tables and seeds again. A database that has users but no marker is not the bench's,
and is refused.

Settings are production's (DJANGO_DEBUG=false, a throwaway secret key) with three exceptions
that the output states: throttle rates are raised so the bench measures the endpoints, not the
429s; Cognito tokens are signed by a key made for the run (COGNITO_JWKS_FILE, no network);
access-log lines are off so the output stays readable.
"""

import atexit
import json
import os
import platform
import random
import secrets
import shutil
import sys
import tempfile
import time
import uuid
from dataclasses import asdict, dataclass
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "build" / "bench"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DEFAULT_SERVER = "postgres://postgres@127.0.0.1:5432"
BENCH_DATABASE = "nomadcrew_bench"
POOL_ID = "us-east-1_bench"
CLIENT_ID = "bench-client"
KID = "bench-key"
# Every route group's rate, raised: the bench is about the endpoints, not the 429 path.
THROTTLE_GROUPS = [
    "onboard",
    "invitations",
    "trip_create",
    "chat_send",
    "weather",
    "feedback",
    "uploads",
]
RAISED_RATE = "1000000/s"
MARKER_TABLE = "bench_dataset"
DATASET_VERSION = 1  # bump when the generator changes: the next run reseeds by itself

FIRST_NAMES = "Ada Ben Cleo Dev Eli Fay Gus Hana Ivo Jun Kai Lea Max Noa Oli Pia Raj Sol Tom Uma"
LAST_NAMES = "Alvarez Berg Chen Diallo Evans Fischer Garcia Haddad Ito Jensen Kowalski Lopez"
CITIES = [
    ("Lisbon", "Lisbon, Portugal", 38.72, -9.14),
    ("Kyoto", "Kyoto, Japan", 35.01, 135.77),
    ("Cusco", "Cusco, Peru", -13.53, -71.97),
    ("Reykjavik", "Reykjavik, Iceland", 64.15, -21.94),
    ("Marrakesh", "Marrakesh, Morocco", 31.63, -7.99),
    ("Hanoi", "Hanoi, Vietnam", 21.03, 105.85),
    ("Queenstown", "Queenstown, New Zealand", -45.03, 168.66),
    ("Tbilisi", "Tbilisi, Georgia", 41.72, 44.79),
]
WORDS = [
    *[
        "flight",
        "hostel",
        "beach",
        "museum",
        "dinner",
        "train",
        "ticket",
        "sunset",
        "hike",
        "market",
        "tonight",
        "tomorrow",
    ],
    *[
        "booked",
        "check-in",
        "ferry",
        "rain",
        "coffee",
        "map",
        "taxi",
        "passport",
        "bags",
        "late",
        "early",
        "great",
        "plan",
    ],
]
# The seeded tables, in the order they are written (parents first) and reported.
TABLES = [
    "users",
    "trips",
    "memberships",
    "chat messages",
    "chat reactions",
    "chat read marks",
    "todos",
    "polls",
    "poll options",
    "poll votes",
    "locations",
    "notifications",
]
EMOJIS = ["👍", "❤️", "😂", "🎉", "🔥"]


@dataclass(frozen=True)
class Spec:
    """The size of the data set. ``full()`` is the issue's; the smoke test uses a tiny one."""

    users: int = 1000
    trips: int = 500
    members: int = 20
    messages: int = 200
    todos: int = 10
    polls: int = 3
    options: int = 4
    locations: int = 5  # history rows per member and trip
    notifications: int = 50  # per user
    heavy_trips: int = 25  # the "heavy" user's big trips (plus the probe trip)
    seed: int = 42
    version: int = DATASET_VERSION

    @classmethod
    def tiny(cls) -> "Spec":
        return cls(
            users=5,
            trips=2,
            members=3,
            messages=8,
            todos=2,
            polls=1,
            options=3,
            locations=2,
            notifications=3,
            heavy_trips=2,
        )


# --- Settings ------------------------------------------------------------------------------


def database_url() -> str:
    """BENCH_DATABASE_URL as given; else the server of DATABASE_URL (or the local default) with
    the dedicated bench database, so the bench never fills a database someone works in."""
    if os.environ.get("BENCH_DATABASE_URL"):
        return os.environ["BENCH_DATABASE_URL"]
    server = urlsplit(os.environ.get("DATABASE_URL") or DEFAULT_SERVER)
    if server.scheme not in {"postgres", "postgresql", "pgsql"}:
        server = urlsplit(DEFAULT_SERVER)
    return urlunsplit((server.scheme, server.netloc, "/" + BENCH_DATABASE, "", ""))


def ensure_database(url: str) -> bool:
    """Create the database if the server lacks it; True if it was created."""
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urlunsplit(
        (parts.scheme.replace("pgsql", "postgresql"), parts.netloc, "/postgres", "", "")
    )
    with psycopg.connect(admin, autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if exists:
            return False
        connection.execute(f'CREATE DATABASE "{name}"')
    return True


@dataclass
class Signer:
    """A key the app trusts through COGNITO_JWKS_FILE; signs Cognito-format ID tokens."""

    key: object
    jwks_path: Path

    @classmethod
    def create(cls, directory: Path) -> "Signer":
        import jwt
        from cryptography.hazmat.primitives.asymmetric import rsa

        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
        jwk.update(kid=KID, alg="RS256", use="sig")
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / "jwks.json"
        path.write_text(json.dumps({"keys": [jwk]}))
        return cls(key, path)

    def token(self, *, sub: str, email: str, lifetime: int = 2 * 3600) -> str:
        import jwt

        now = int(time.time())
        claims = {
            "sub": sub,
            "iss": f"https://cognito-idp.us-east-1.amazonaws.com/{POOL_ID}",
            "aud": CLIENT_ID,
            "token_use": "id",
            "email": email,
            "iat": now,
            "exp": now + lifetime,
        }
        return jwt.encode(claims, self.key, algorithm="RS256", headers={"kid": KID})


def bench_environment(url: str, jwks_path: Path) -> dict[str, str]:
    """The variables the app reads for a bench run (also handed to the uvicorn process)."""
    env = {
        "DJANGO_SETTINGS_MODULE": "nomadcrew.settings",
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": "bench-only-" + secrets.token_urlsafe(32),
        "DJANGO_ALLOWED_HOSTS": "testserver,127.0.0.1,localhost",
        "DATABASE_URL": url,
        "COGNITO_USER_POOL_ID": POOL_ID,
        "COGNITO_REGION": "us-east-1",
        "COGNITO_APP_CLIENT_IDS": CLIENT_ID,
        "COGNITO_JWKS_FILE": str(jwks_path),
        "COGNITO_JWKS_URL": "http://127.0.0.1:9/unused-jwks.json",  # never needed: kid is local
        "REALTIME_TRANSPORTS": "channels",
        "EXPO_PUSH_ENABLED": "false",
        "DJANGO_LOG_LEVEL": "WARNING",
        "ACCESS_LOG_LEVEL": "WARNING",
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    env.update({f"THROTTLE_RATE_{group.upper()}": RAISED_RATE for group in THROTTLE_GROUPS})
    return env


def configure(signer_dir: Path | None = None) -> tuple[dict[str, str], Signer]:
    """Set the bench environment in this process (before ``django.setup()``). The signing key
    is this process's own, in a directory removed at exit."""
    if signer_dir is None:
        signer_dir = Path(tempfile.mkdtemp(prefix="nomadcrew-bench-keys-"))
        atexit.register(shutil.rmtree, signer_dir, ignore_errors=True)
    signer = Signer.create(signer_dir)
    env = bench_environment(database_url(), signer.jwks_path)
    # The API serves no static file here; an empty manifest lets the ASGI server start (it
    # refuses to without collected static files, nomadcrew/asgi.py) without a collectstatic.
    (signer_dir / "staticfiles.json").write_text('{"paths": {}, "version": "1.1"}')
    env["DJANGO_STATIC_ROOT"] = str(signer_dir)
    os.environ.update(env)
    return env, signer


def setup_django() -> None:
    import warnings

    import django

    # WhiteNoise notes at start-up that collectstatic has not run; the API serves no static file.
    warnings.filterwarnings("ignore", message="No directory at")
    django.setup()


def settings_note() -> str:
    from django.conf import settings

    cache = settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]
    return (
        f"Settings: DJANGO_DEBUG=false, throwaway secret key, cache {cache}"
        f"{'' if settings.REDIS_URL else ' (REDIS_URL unset)'}, realtime "
        f"{'+'.join(settings.REALTIME_TRANSPORTS)} "
        f"({settings.CHANNEL_LAYERS['default']['BACKEND'].rsplit('.', 1)[-1]}); "
        f"**throttles raised** to {RAISED_RATE} for every route group; locally signed Cognito "
        "ID tokens (RS256, verified against COGNITO_JWKS_FILE); access log off."
    )


def machine_line() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kib / 2**20:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg = cursor.fetchone()[0].split()[0]
    load = os.getloadavg()[0]
    return (
        f"Machine: {os.cpu_count()} CPUs ({cpu}){memory}, {platform.system()} "
        f"{platform.machine()}, CPython {platform.python_version()}, PostgreSQL {pg} "
        f"(same host), load average {load:.1f} at the start"
    )


# --- Writing rows ---------------------------------------------------------------------------


class Rows:
    """Rows of one model's table, kept as plain dicts (model instances cost ~0.1 ms each to
    build) and written with COPY. A column a row leaves out gets ``now`` for ``auto_now``
    fields, else the model field's default, so a new field with a default needs no change here.
    """

    def __init__(self, model):
        from django.utils import timezone

        self.model = model
        self.fields = list(model._meta.concrete_fields)
        self.rows: list[dict] = []
        self.now = timezone.now()

    def add(self, **values) -> dict:
        """A row by attribute name (``trip_id``, not ``trip``); its ``id`` is made if missing."""
        pk = self.model._meta.pk
        if pk.attname not in values and pk.has_default():
            values[pk.attname] = pk.get_default()
        self.rows.append(values)
        return values

    def _filler(self, field):
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            return lambda: self.now
        # The field's default if it has one, else what Django stores for "no value": "" for
        # text fields, NULL otherwise (a NOT NULL column then fails loudly).
        return field.get_default

    def copy(self) -> int:
        from django.db import connection
        from django.db.models import JSONField

        if not self.rows:
            return 0
        fillers = {}
        adapt = {f.attname for f in self.fields if isinstance(f, JSONField)}
        names = [f.attname for f in self.fields]
        fields = {f.attname: f for f in self.fields}
        columns = ", ".join(connection.ops.quote_name(f.column) for f in self.fields)
        table = connection.ops.quote_name(self.model._meta.db_table)
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
        ):
            for row in self.rows:
                values = []
                for name in names:
                    if name in row:
                        value = row[name]
                    else:
                        if name not in fillers:
                            fillers[name] = self._filler(fields[name])
                        value = fillers[name]()
                    if name in adapt:
                        value = fields[name].get_db_prep_save(value, connection)
                    values.append(value)
                copy.write_row(values)
        return len(self.rows)


def _marker_create(cursor) -> None:
    cursor.execute(
        f"CREATE TABLE IF NOT EXISTS {MARKER_TABLE} "
        "(id integer PRIMARY KEY, spec jsonb NOT NULL, counts jsonb NOT NULL, "
        "seconds double precision NOT NULL, seeded_at timestamptz NOT NULL)"
    )


def seeded_marker() -> dict | None:
    """What the marker says was seeded (spec, counts, seconds, seeded_at), or None."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [MARKER_TABLE])
        if cursor.fetchone()[0] is None:
            return None
        cursor.execute(
            f"SELECT spec, counts, seconds, seeded_at FROM {MARKER_TABLE} WHERE id = 1"  # noqa: S608
        )
        row = cursor.fetchone()
    if row is None:
        return None
    spec, counts, seconds, seeded_at = (json.loads(v) if isinstance(v, str) else v for v in row)
    return {"spec": spec, "counts": counts, "seconds": seconds, "seeded_at": seeded_at}


class NotABenchDatabase(Exception):
    pass


def _wipe() -> None:
    """Empty every table of the app: users first, and everything that points at them goes too."""
    from django.apps import apps
    from django.db import connection

    tables = [
        connection.ops.quote_name(model._meta.db_table)
        for model in apps.get_models()
        if model.__module__.startswith("apps.") and not model._meta.proxy and model._meta.managed
    ]
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(tables)} CASCADE")
        cursor.execute(f"DELETE FROM {MARKER_TABLE}")  # noqa: S608 - a constant


@dataclass
class SeedResult:
    seeded: bool
    seconds: float
    counts: dict[str, int]
    reason: str


def _skip_foreign_key_checks() -> bool:
    """Let this transaction skip the FK triggers, as ``pg_restore --disable-triggers`` does:
    the generated rows are consistent by construction and the deferred checks of 300,000 rows
    are a quarter of the seeding time. Needs a superuser; without one, the checks run."""
    from django.db import DatabaseError, connection, transaction

    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = replica")
    except DatabaseError:
        return False
    return True


def seed(
    spec: Spec = Spec(), *, force: bool = False, analyze: bool = True, check_keys: bool = False
) -> SeedResult:
    """Seed ``spec`` unless the marker says it is there already (``force``: seed anyway).
    ``check_keys`` keeps PostgreSQL's foreign-key checks on (the smoke test proves the
    generator with them)."""
    from django.db import connection, transaction

    from apps.users.models import User

    with connection.cursor() as cursor:
        _marker_create(cursor)
    marker = seeded_marker()
    wanted = asdict(spec)
    if marker and marker["spec"] == wanted and not force:
        return SeedResult(False, marker["seconds"], marker["counts"], "already seeded")
    if marker is None and User.objects.exists() and not force:
        raise NotABenchDatabase(
            f"{connection.settings_dict['NAME']} has users but no bench marker: not seeding "
            "into it (BENCH_RESEED=1 wipes it and seeds)."
        )
    started = time.perf_counter()
    with transaction.atomic():
        if not check_keys:
            _skip_foreign_key_checks()
        _wipe()
        counts = _generate(spec)
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {MARKER_TABLE} (id, spec, counts, seconds, seeded_at) "  # noqa: S608
                "VALUES (1, %s, %s, 0, now())",
                [json.dumps(wanted), json.dumps(counts)],
            )
    with connection.cursor() as cursor:
        if analyze:
            cursor.execute("ANALYZE")  # the planner sees the new sizes before anything is timed
        seconds = time.perf_counter() - started
        cursor.execute(f"UPDATE {MARKER_TABLE} SET seconds = %s", [seconds])  # noqa: S608
    reason = "forced" if force else ("spec changed" if marker else "first run")
    return SeedResult(True, seconds, counts, reason)


# --- The data ------------------------------------------------------------------------------


def _sentence(rng: random.Random, low: int, high: int) -> str:
    text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(low, high)))
    return text[:1].upper() + text[1:]


def _generate(spec: Spec) -> dict[str, int]:
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from apps.chat.models import ChatMessage, ChatReaction, ChatReadState
    from apps.locations.models import Location
    from apps.notifications.models import Notification, NotificationType
    from apps.polls.models import Poll, PollOption, PollStatus, PollVote
    from apps.todos.models import Todo, TodoStatus
    from apps.trips.models import MemberRole, Membership, Trip, TripStatus
    from apps.users.models import LocationPrivacy, User

    rng = random.Random(spec.seed)
    # Seeded rows are all older than this, so a run can remove what it wrote by created_at.
    now = timezone.now() - timedelta(minutes=1)
    today = now.date()
    firsts, lasts = FIRST_NAMES.split(), LAST_NAMES.split()
    unusable = make_password(None)
    privacies = [LocationPrivacy.PRECISE, LocationPrivacy.APPROXIMATE, LocationPrivacy.HIDDEN]
    models = {
        "users": User,
        "trips": Trip,
        "memberships": Membership,
        "chat messages": ChatMessage,
        "chat reactions": ChatReaction,
        "chat read marks": ChatReadState,
        "todos": Todo,
        "polls": Poll,
        "poll options": PollOption,
        "poll votes": PollVote,
        "locations": Location,
        "notifications": Notification,
    }
    assert list(models) == TABLES
    tables = {label: Rows(model) for label, model in models.items()}

    def stamped(moment) -> dict:
        return {"created_at": moment, "updated_at": moment}

    users = [
        tables["users"].add(
            username=f"bench{n:04d}",
            email=f"bench{n:04d}@bench.nomadcrew.test",
            first_name=rng.choice(firsts),
            last_name=rng.choice(lasts),
            cognito_sub=str(uuid.uuid5(uuid.NAMESPACE_URL, f"nomadcrew-bench-user-{n}")),
            password=unusable,
            avatar_url=f"https://images.example.com/avatars/{n}.jpg" if n % 3 == 0 else "",
            location_privacy_preference=rng.choices(privacies, weights=[5, 4, 1])[0],
            date_joined=now - timedelta(days=rng.randint(30, 700)),
            last_seen_at=now - timedelta(hours=rng.randint(1, 500)),
            is_active=True,
            is_staff=False,
            is_superuser=False,
        )
        for n in range(spec.users)
    ]
    light, heavy = users[0], users[1]
    pool = users[2:]

    trips, roster = [], {}
    for t in range(spec.trips + 1):
        probe = t == spec.trips
        if probe:
            members = [light, heavy]
        elif t < spec.heavy_trips:
            members = [*rng.sample(pool, spec.members - 1)]
            # The heavy user owns a few of these trips and is a plain member of the rest.
            members.insert(0 if t < max(1, spec.heavy_trips // 5) else 3, heavy)
        else:
            members = rng.sample(pool, spec.members)
        city, address, lat, lng = rng.choice(CITIES)
        start = today + timedelta(days=rng.randint(-180, 180))
        end = start + timedelta(days=rng.randint(3, 14))
        status = (
            TripStatus.COMPLETED
            if end < today
            else TripStatus.ACTIVE
            if start <= today
            else TripStatus.PLANNING
        )
        created = now - timedelta(days=30, minutes=t)
        trip = tables["trips"].add(
            name="Probe trip" if probe else f"{city} {start:%B} #{t}",
            description=_sentence(rng, 8, 30),
            start_date=start,
            end_date=end,
            destination_place_id=f"place-{city.lower()}",
            destination_address=address,
            destination_name=city,
            destination_latitude=lat,
            destination_longitude=lng,
            status=status,
            created_by_id=members[0]["id"],
            **stamped(created),
        )
        trips.append(trip)
        roster[trip["id"]] = members
        for position, user in enumerate(members):
            role = (
                MemberRole.OWNER
                if position == 0
                else MemberRole.ADMIN
                if position < 3 and not probe
                else MemberRole.MEMBER
            )
            tables["memberships"].add(
                trip_id=trip["id"],
                user_id=user["id"],
                role=role,
                status="ACTIVE",
                **stamped(created + timedelta(minutes=position)),
            )

    for trip in trips:
        members = roster[trip["id"]]
        probe = trip is trips[-1]
        _chat(rng, tables, trip, members, count=3 if probe else spec.messages, now=now)
        for n in range(1 if probe else spec.todos):
            done = rng.random() < 0.3
            moment = now - timedelta(days=rng.uniform(0, 20))
            tables["todos"].add(
                trip_id=trip["id"],
                text=f"{_sentence(rng, 2, 8)} ({n})",
                status=TodoStatus.COMPLETE if done else TodoStatus.INCOMPLETE,
                created_by_id=rng.choice(members)["id"],
                assigned_to_id=rng.choice(members)["id"] if rng.random() < 0.5 else None,
                due_date=trip["start_date"] if rng.random() < 0.4 else None,
                completed_at=moment if done else None,
                completed_by_id=rng.choice(members)["id"] if done else None,
                **stamped(moment),
            )
        for n in range(1 if probe else spec.polls):
            author = rng.choice(members)["id"]
            closed = n == 2  # one poll of three is closed, the others open
            moment = now - timedelta(days=rng.uniform(0, 10))
            poll = tables["polls"].add(
                trip_id=trip["id"],
                question=f"{_sentence(rng, 3, 10)}?",
                status=PollStatus.CLOSED if closed else PollStatus.ACTIVE,
                allow_multiple_votes=n == 1,
                created_by_id=author,
                closed_by_id=author if closed else None,
                closed_at=moment + timedelta(days=1) if closed else None,
                # Open polls stay open for as long as the bench database is reused.
                expires_at=now + timedelta(days=3650),
                **stamped(moment),
            )
            choices = [
                tables["poll options"].add(
                    poll_id=poll["id"],
                    text=f"Option {chr(65 + k)}: {rng.choice(WORDS)}",
                    position=k,
                    created_by_id=author,
                    **stamped(moment),
                )
                for k in range(2 if probe else spec.options)
            ]
            voters = members[:1] if probe else [m for m in members if rng.random() < 0.6]
            for user in voters:
                picks = rng.sample(choices, 2) if n == 1 else [rng.choice(choices)]
                for option in picks:
                    tables["poll votes"].add(
                        option_id=option["id"],
                        user_id=user["id"],
                        **stamped(moment + timedelta(hours=1)),
                    )
        lat, lng = trip["destination_latitude"], trip["destination_longitude"]
        for user in members:
            privacy = user["location_privacy_preference"]
            for k in range(1 if probe else spec.locations):
                moment = now - timedelta(minutes=rng.uniform(1, 360) + 400 * k)
                la, lo = lat + rng.uniform(-0.05, 0.05), lng + rng.uniform(-0.05, 0.05)
                if privacy != LocationPrivacy.PRECISE:
                    la, lo = round(la, 2), round(lo, 2)  # stored as the app stores them
                tables["locations"].add(
                    user_id=user["id"],
                    trip_id=trip["id"],
                    latitude=la,
                    longitude=lo,
                    accuracy=rng.uniform(5, 50),
                    privacy=privacy,
                    is_sharing_enabled=rng.random() < 0.9,
                    recorded_at=moment,
                    **stamped(moment),
                )

    first_trip = {}
    for row in tables["memberships"].rows:
        first_trip.setdefault(row["user_id"], row["trip_id"])
    names = {trip["id"]: trip["name"] for trip in trips}
    kinds = [
        NotificationType.CHAT_MESSAGE,
        NotificationType.TRIP_UPDATED,
        NotificationType.MEMBER_ADDED,
        NotificationType.TODO_ASSIGNED,
    ]
    for user in users:
        trip_id = first_trip.get(user["id"], trips[0]["id"])
        for _ in range(1 if user is light else spec.notifications):
            moment = now - timedelta(minutes=rng.uniform(1, 60 * 24 * 30))
            read = rng.random() < 0.7
            tables["notifications"].add(
                user_id=user["id"],
                type=rng.choice(kinds),
                metadata={
                    "tripID": str(trip_id),
                    "tripName": names[trip_id],
                    "senderName": "Someone",
                    "messagePreview": _sentence(rng, 2, 10),
                },
                read=read,
                read_at=moment + timedelta(minutes=5) if read else None,
                **stamped(moment),
            )

    return {label: rows.copy() for label, rows in tables.items()}


def _chat(rng: random.Random, tables: dict, trip: dict, members: list, *, count: int, now):
    """A trip's history over two weeks: replies, reactions on about one message in ten (the
    first, at least), and each member's read mark somewhere in the last quarter."""
    span = 14 * 24 * 3600
    moments = sorted(now - timedelta(seconds=rng.uniform(60, span)) for _ in range(count))
    history = []
    for moment in moments:
        reply = rng.choice(history)["id"] if history and rng.random() < 0.03 else None
        message = tables["chat messages"].add(
            trip_id=trip["id"],
            sender_id=rng.choice(members)["id"],
            content=_sentence(rng, 2, 25),
            reply_to_id=reply,
            client_message_id=None,
            created_at=moment,
            updated_at=moment,
        )
        history.append(message)
        if len(history) == 1 or rng.random() < 0.1:
            for user in rng.sample(members, rng.randint(1, min(3, len(members)))):
                tables["chat reactions"].add(
                    message_id=message["id"],
                    user_id=user["id"],
                    emoji=rng.choice(EMOJIS),
                    created_at=moment + timedelta(minutes=1),
                    updated_at=moment + timedelta(minutes=1),
                )
    for user in members:
        if rng.random() < 0.9:
            mark = history[rng.randint(len(history) * 3 // 4, len(history) - 1)]
            tables["chat read marks"].add(
                trip_id=trip["id"],
                user_id=user["id"],
                last_read_message_id=mark["id"],
                last_read_at=mark["created_at"],
            )


# --- Who is who in the data set ------------------------------------------------------------


def bench_users():
    """(light, heavy): the user with only the probe trip, the one with the most trips."""
    from apps.users.models import User

    return User.objects.get(username="bench0000"), User.objects.get(username="bench0001")


def forget_writes_since(moment) -> dict[str, int]:
    """Delete what a bench run wrote (everything seeded is older), so runs start alike."""
    from django.db import transaction

    from apps.chat.models import ChatMessage
    from apps.locations.models import Location
    from apps.notifications.models import Notification
    from apps.todos.models import Todo
    from apps.trips.models import Trip

    removed = {}
    with transaction.atomic():
        for label, model in [
            ("trips", Trip),
            ("chat messages", ChatMessage),
            ("todos", Todo),
            ("locations", Location),
            ("notifications", Notification),
        ]:
            removed[label] = (
                model.objects.filter(created_at__gte=moment).delete()[1].get(model._meta.label, 0)
            )
    return removed


def migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def main() -> None:
    url = database_url()
    created = ensure_database(url)
    configure()
    setup_django()
    started = time.perf_counter()
    migrate()
    migrated = time.perf_counter() - started
    force = os.environ.get("BENCH_RESEED", "") not in {"", "0", "false"}
    try:
        result = seed(Spec(), force=force)
    except NotABenchDatabase as exc:
        sys.exit(str(exc))
    parts = urlsplit(url)
    print("# NomadCrew bench\n")
    print(machine_line() + "\n")
    print(settings_note() + "\n")
    print(
        f"Database `{parts.path.lstrip('/')}` on {parts.hostname}:{parts.port or 5432}"
        f"{' (created)' if created else ''}; migrate {migrated:.1f} s.\n"
    )
    print("## Data set\n")
    if result.seeded:
        print(f"Seeded ({result.reason}) in **{result.seconds:.1f} s** (COPY, then ANALYZE).\n")
    else:
        print(
            f"Already seeded (marker matches; it took {result.seconds:.1f} s); "
            "`BENCH_RESEED=1` seeds again.\n"
        )
    print("| table | rows |\n|---|---:|")
    order = list(TABLES)  # the marker's JSON keeps no order
    for label, count in sorted(result.counts.items(), key=lambda kv: order.index(kv[0])):
        print(f"| {label} | {count:,} |")
    print(
        "\n500 trips of 20 members (1 owner, 2 admins) with 200 messages each, plus a probe "
        "trip of 2 members (the small side of the query-growth check). `bench0000` belongs to "
        "the probe trip only; `bench0001` to 25 big trips and the probe.\n"
    )


if __name__ == "__main__":
    main()
