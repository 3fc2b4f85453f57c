"""Cold start of the Lambda package: a fresh process, ``import handler``, the first authenticated
API response; against the floor, a bare Django project packaged by Zappa the same way.

    make bench-cold-start   (scripts/with-test-database .venv/bin/python bench/cold_start.py)

Both zips are built with scripts/zappa (so with the same hooks: collectstatic, precompiled
bytecode) and unzipped read-only; each run is a new interpreter seeing only the package and the
runtime's SDK, as on Lambda (tests/package/lambda_runner.py plays the runtime). NomadCrew answers
``GET /v1/users/me`` with a Cognito-format ID token (keys from a local JWKS file, so no network)
for a user onboarded beforehand, on PostgreSQL (DATABASE_URL names the server; a throwaway
database is made and dropped). The bare project answers ``GET /ping``. Prints markdown.
"""

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
import zipfile
from collections import defaultdict
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.package.conftest import ThrowawayDatabase, install_runtime_sdk  # noqa: E402
from tests.package.events import rest_event  # noqa: E402

RUNNER = ROOT / "tests" / "package" / "lambda_runner.py"
POOL_ID = "us-east-1_bench"
CLIENT_ID = "bench-client"
KID = "bench-key"

BARE_SETTINGS = """
from pathlib import Path
BASE_DIR = Path(__file__).resolve().parent.parent
SECRET_KEY = "bench-only"
DEBUG = False
ALLOWED_HOSTS = ["*"]
INSTALLED_APPS = [
    "django.contrib.admin", "django.contrib.auth", "django.contrib.contenttypes",
    "django.contrib.sessions", "django.contrib.messages", "django.contrib.staticfiles",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
ROOT_URLCONF = "bare.urls"
TEMPLATES = [{"BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True}]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": "/tmp/bare.sqlite3"}}
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
USE_TZ = True
"""
BARE_URLS = """
from django.contrib import admin
from django.http import JsonResponse
from django.urls import path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("ping", lambda request: JsonResponse({"pong": True})),
]
"""
BARE_MANAGE = """
import os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bare.settings")
from django.core.management import execute_from_command_line
execute_from_command_line(sys.argv)
"""


def run(command, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(command, check=True, text=True, capture_output=True, **kwargs)  # noqa: S603


def build_package(project: Path, output: Path) -> Path:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "DJANGO_"))}
    run(
        [str(project / "scripts" / "zappa"), "package", "dev", "-o", str(output)],
        cwd=project,
        env=env,
    )
    return output


def bare_project() -> Path:
    """django-admin startproject's shape, with our pins of Django and Zappa and our zappa
    settings minus what is ours (app_function, websocket module, events). It lives in build/
    so its package virtualenv is reused from one run to the next."""
    project = ROOT / "build" / "bench-bare"
    (project / "bare").mkdir(parents=True, exist_ok=True)
    (project / "bare" / "__init__.py").write_text("")
    (project / "bare" / "settings.py").write_text(BARE_SETTINGS)
    (project / "bare" / "urls.py").write_text(BARE_URLS)
    (project / "manage.py").write_text(BARE_MANAGE)
    pins = [
        line
        for line in (ROOT / "requirements.txt").read_text().splitlines()
        if re.match(r"(?i)(django|zappa|boto3|botocore)==", line)
    ]
    (project / "requirements.txt").write_text("\n".join(pins) + "\n")
    (project / "scripts").mkdir(exist_ok=True)
    for script in ["zappa", "find-python", "zappa_hooks.py"]:
        shutil.copy2(ROOT / "scripts" / script, project / "scripts" / script)
    ours = json.loads((ROOT / "zappa_settings.json").read_text())["dev"]
    stage = {
        key: ours[key]
        for key in [
            "runtime",
            "architecture",
            "aws_region",
            "memory_size",
            "timeout_seconds",
            "binary_support",
            "use_precompiled_packages",
            "prebuild_script",
            "callbacks",
            "exclude",
            "exclude_glob",
        ]
    }
    stage.update(project_name="bare", django_settings="bare.settings", s3_bucket="bench-bare")
    (project / "zappa_settings.json").write_text(json.dumps({"dev": stage}, indent=2))
    return project


def unzip(zip_path: Path, target: Path) -> Path:
    with zipfile.ZipFile(zip_path) as archive:
        archive.extractall(target)
    for path in [target, *target.rglob("*")]:
        if path.is_dir():
            path.chmod(0o555)  # read-only, as /var/task is
    return target


def make_writable(root: Path) -> None:
    for path in [root, *root.rglob("*")]:
        if path.is_dir():
            path.chmod(0o755)


def signing_material(work: Path) -> tuple[str, str]:
    """A JWKS file the app trusts and a signed ID token of the bench user."""
    import jwt
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    jwk.update(kid=KID, alg="RS256", use="sig")
    jwks = work / "jwks.json"
    jwks.write_text(json.dumps({"keys": [jwk]}))
    now = int(time.time())
    claims = {
        "sub": str(uuid.uuid4()),
        "iss": f"https://cognito-idp.us-east-1.amazonaws.com/{POOL_ID}",
        "aud": CLIENT_ID,
        "token_use": "id",
        "email": "bench@example.com",
        "cognito:username": "bench",
        "iat": now,
        "exp": now + 3600,
    }
    return str(jwks), jwt.encode(claims, key, algorithm="RS256", headers={"kid": KID})


def base_env(**extra: str) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "C.UTF-8",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_EC2_METADATA_DISABLED": "true",
        "INSTANTIATE_LAMBDA_HANDLER_ON_IMPORT": "true",
        **extra,
    }


def invoke_fresh(
    task_root: Path, sdk: Path, env: dict, events: list[dict], importtime: bool = False
) -> dict:
    """One cold start: spawn, import handler, answer the events; wall times in seconds."""
    flags = ["-I", "-S", "-B", *(["-X", "importtime"] if importtime else [])]
    log = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 - a file: a full pipe would block
    started = time.perf_counter()
    process = subprocess.Popen(  # noqa: S603 - our runner
        [sys.executable, *flags, str(RUNNER), str(task_root), str(sdk)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=log,
        env=env,
        text=True,
    )
    for event in events:
        process.stdin.write(json.dumps({"event": event}) + "\n")
    process.stdin.close()
    ready = json.loads(process.stdout.readline() or "{}")
    answers = []
    first_answer_at = None
    for line in process.stdout:
        answers.append(json.loads(line))
        first_answer_at = first_answer_at or time.perf_counter()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    log.seek(0)
    stderr = log.read()
    log.close()
    if not ready.get("ready") or any("error" in a for a in answers):
        raise RuntimeError(f"the function failed: {answers}\n{stderr[-3000:]}")
    return {
        "total": first_answer_at - started,
        "init": ready["init_seconds"],
        "first_request": answers[0]["seconds"],
        # CPU the process used: what the wall time would be on an idle machine (a Lambda
        # environment has its share of CPU to itself; this machine may be busy).
        "cpu": usage.ru_utime + usage.ru_stime,
        "answers": [a["result"] for a in answers],
        "stderr": stderr,
    }


def slowest_imports(stderr: str, count: int = 10) -> tuple[list, list]:
    """(module, self ms, cumulative ms) of the slowest imports, and self time per package."""
    rows, per_package = [], defaultdict(float)
    for line in stderr.splitlines():
        match = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)", line)
        if match:
            own, cumulative, _, module = match.groups()
            rows.append((module, int(own) / 1000, int(cumulative) / 1000))
            per_package[module.split(".")[0]] += int(own) / 1000
    by_cumulative = sorted(rows, key=lambda r: -r[2])
    top_level = [r for r in by_cumulative if r[0] not in {"handler", "zappa_settings"}]
    return top_level[:count], sorted(per_package.items(), key=lambda kv: -kv[1])[:count]


def median_of(runs: list[dict], key: str) -> float:
    return statistics.median(r[key] for r in runs) * 1000


def measure(task_root, sdk, env, events, runs) -> list[dict]:
    invoke_fresh(task_root, sdk, env, events)  # page cache warm, like a Lambda host's disk
    return [invoke_fresh(task_root, sdk, env, events) for _ in range(runs)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument(
        "--without-bytecode",
        action="store_true",
        help="drop the precompiled .pyc files: what a plain `zappa package` zip costs on Lambda",
    )
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit("DATABASE_URL must name a PostgreSQL server (make bench-cold-start finds one)")

    work = Path(tempfile.mkdtemp(prefix="cold-start-"))
    parts = urlsplit(url)
    database = ThrowawayDatabase(
        parts.hostname or "127.0.0.1",
        parts.port or 5432,
        parts.username or "postgres",
        parts.password or "",
    )
    with database.connect("postgres") as connection:
        connection.execute(f'CREATE DATABASE "{database.name}"')
    roots = []
    try:
        print("building both packages with scripts/zappa...", file=sys.stderr)
        ours_zip = build_package(ROOT, work / "nomadcrew-dev.zip")
        bare_zip = build_package(bare_project(), work / "bare-dev.zip")
        ours, bare = unzip(ours_zip, work / "ours"), unzip(bare_zip, work / "bare-task")
        roots = [ours, bare]
        if args.without_bytecode:
            for root in roots:
                make_writable(root)
                for cache in list(root.rglob("__pycache__")):
                    shutil.rmtree(cache, ignore_errors=True)
        sdk = install_runtime_sdk()
        jwks, token = signing_material(work)
        env = base_env(
            DJANGO_SECRET_KEY="bench-only-" + uuid.uuid4().hex,
            DATABASE_URL=database.url,
            COGNITO_USER_POOL_ID=POOL_ID,
            COGNITO_APP_CLIENT_IDS=CLIENT_ID,
            COGNITO_JWKS_FILE=jwks,
        )
        auth = {"Authorization": f"Bearer {token}"}
        setup = invoke_fresh(
            ours,
            sdk,
            env,
            [
                {"manage": "migrate --noinput"},
                rest_event("POST", "/v1/users/onboard", headers=auth),
            ],
        )
        assert setup["answers"][1]["statusCode"] == 200, setup["answers"][1]

        me = [rest_event("GET", "/v1/users/me", headers=auth)]
        ours_runs = measure(ours, sdk, env, me, args.runs)
        assert all(r["answers"][0]["statusCode"] == 200 for r in ours_runs)
        bare_runs = measure(bare, sdk, base_env(), [rest_event("GET", "/ping")], args.runs)
        assert all(r["answers"][0]["statusCode"] == 200 for r in bare_runs)
        profile = invoke_fresh(ours, sdk, env, me, importtime=True)

        report(args, ours_runs, bare_runs, profile, ours_zip, bare_zip)
    finally:
        for root in roots:
            make_writable(root)
        shutil.rmtree(work, ignore_errors=True)
        with database.connect("postgres") as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{database.name}" WITH (FORCE)')


def _sizes(zip_path: Path) -> str:
    with zipfile.ZipFile(zip_path) as archive:
        unzipped = sum(i.file_size for i in archive.infolist())
    return f"{zip_path.stat().st_size / 2**20:.1f} / {unzipped / 2**20:.1f} MiB"


def report(args, ours_runs, bare_runs, profile, ours_zip, bare_zip) -> None:
    bytecode = "without precompiled bytecode" if args.without_bytecode else "as packaged"
    print(f"\n### Lambda cold start ({bytecode}; median of {args.runs} fresh processes)\n")
    print(
        f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}\n"
    )
    print("| | NomadCrew `GET /v1/users/me` | bare Django `GET /ping` (floor) | ratio |")
    print("|---|---:|---:|---:|")
    for key, label in [
        ("total", "process start → first response"),
        ("cpu", "CPU time of that process (user + sys)"),
        ("init", "`import handler` (Lambda init)"),
        ("first_request", "first request"),
    ]:
        ours, bare = median_of(ours_runs, key), median_of(bare_runs, key)
        print(f"| {label} | {ours:.0f} ms | {bare:.0f} ms | {ours / bare:.1f}x |")
    print(f"| package, zipped / unzipped | {_sizes(ours_zip)} | {_sizes(bare_zip)} | |")

    slowest, per_package = slowest_imports(profile["stderr"])
    print("\n#### Ten slowest imports (cumulative, `python -X importtime`)\n")
    print("| module | cumulative | self |")
    print("|---|---:|---:|")
    for module, own, cumulative in slowest:
        print(f"| `{module}` | {cumulative:.0f} ms | {own:.1f} ms |")
    print("\n#### Import time by package (sum of self times)\n")
    print("| package | ms |")
    print("|---|---:|")
    for package, milliseconds in per_package:
        print(f"| `{package}` | {milliseconds:.0f} |")


if __name__ == "__main__":
    main()
