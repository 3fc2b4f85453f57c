"""The Lambda package as Zappa builds it, and its handler running in a fresh interpreter.

The zip is built once per session by ``scripts/zappa package`` (the package virtualenv is cached
in build/ and rebuilt when requirements.txt changes), unzipped read-only, and driven through
``handler.lambda_handler`` by tests/package/lambda_runner.py in a process that sees only the
unzipped package and the SDK Lambda's python3.12 runtime ships (the zip leaves boto3 out).
"""

import compileall
import json
import os
import queue
import shutil
import stat
import subprocess
import sys
import tempfile
import threading
import uuid
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from py_compile import PycInvalidationMode
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
RUNNER = Path(__file__).with_name("lambda_runner.py")
STAGE = "dev"
REGION = "us-east-1"

# Lambda's limits for a deployment package uploaded as a zip.
MAX_ZIPPED_BYTES = 50 * 1024 * 1024
MAX_UNZIPPED_BYTES = 250 * 1024 * 1024

# The SDK the zip relies on (boto3, botocore, s3transfer are excluded in zappa_settings.json).
# AWS updates the runtime's copy over time; this is deliberately older than requirements.txt's
# pin, so the package is tested against an SDK that lags ours. See docs/deploy.md to read the
# deployed runtime's version.
RUNTIME_SDK = "boto3==1.40.4"

_report: dict[str, str] = {}


def pytest_terminal_summary(terminalreporter):
    if _report:
        terminalreporter.write_sep("-", "Lambda package")
        for name, value in _report.items():
            terminalreporter.write_line(f"{name}: {value}")


def zappa_settings() -> dict:
    return json.loads((ROOT / "zappa_settings.json").read_text())


def stage_settings(stage: str) -> dict:
    """A stage as Zappa reads it: ``extends`` merged shallowly, the stage's keys winning."""
    stages = zappa_settings()
    config = dict(stages[stage])
    parent = config.pop("extends", None)
    return {**stage_settings(parent), **config} if parent else config


@dataclass
class LambdaPackage:
    zip_path: Path
    task_root: Path
    zipped_bytes: int
    unzipped_bytes: int
    build_log: str


def _without_aws_credentials(environ) -> dict:
    """`zappa package` must not need AWS: no credentials, no config, no metadata service."""
    env = {k: v for k, v in environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_CONFIG_FILE="/nonexistent/aws-config",
        AWS_SHARED_CREDENTIALS_FILE="/nonexistent/aws-credentials",
        AWS_EC2_METADATA_DISABLED="true",
        PYTHONUNBUFFERED="1",
    )
    return env


def _set_writable(root: Path, writable: bool) -> None:
    for path in [root, *root.rglob("*")]:
        if path.is_dir() and not path.is_symlink():
            mode = path.stat().st_mode
            path.chmod(mode | stat.S_IWUSR if writable else mode & ~0o222)


@pytest.fixture(scope="session")
def lambda_package(tmp_path_factory) -> LambdaPackage:
    work = tmp_path_factory.mktemp("lambda-package")
    prebuilt = os.environ.get(
        "LAMBDA_PACKAGE_ZIP"
    )  # e.g. build/nomadcrew-dev.zip from make package
    if prebuilt:
        zip_path, log = Path(prebuilt), ""
    else:
        zip_path = work / f"nomadcrew-{STAGE}.zip"
        build = subprocess.run(  # noqa: S603 - our own script
            [str(ROOT / "scripts" / "zappa"), "package", STAGE, "-o", str(zip_path)],
            cwd=ROOT,
            env=_without_aws_credentials(os.environ),
            capture_output=True,
            text=True,
            timeout=1800,
            check=False,
        )
        log = build.stdout + build.stderr
        assert build.returncode == 0, f"zappa package failed:\n{log[-5000:]}"

    task_root = work / "task"
    with zipfile.ZipFile(zip_path) as archive:
        unzipped = sum(info.file_size for info in archive.infolist())
        archive.extractall(task_root)
    _set_writable(task_root, False)  # /var/task is read-only on Lambda
    package = LambdaPackage(zip_path, task_root, zip_path.stat().st_size, unzipped, log)
    _report["zipped"] = f"{package.zipped_bytes / 2**20:.1f} MiB (limit 50 MiB)"
    _report["unzipped"] = f"{package.unzipped_bytes / 2**20:.1f} MiB (limit 250 MiB)"
    yield package
    _set_writable(task_root, True)


def install_runtime_sdk() -> Path:
    """boto3/botocore as the runtime has them, with bytecode as the runtime's own files are;
    installed once into build/ and reused."""
    target = ROOT / "build" / ".runtime-sdk" / f"{RUNTIME_SDK.replace('==', '-')}-pyc"
    if not (target / "boto3").is_dir():
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=target.parent))
        subprocess.run(  # noqa: S603 - pip with fixed arguments
            [
                *(sys.executable, "-m", "pip", "install", "--quiet", "--no-compile"),
                *("--disable-pip-version-check", "--target", str(staging), RUNTIME_SDK),
            ],
            check=True,
            capture_output=True,
            timeout=600,
        )
        compileall.compile_dir(
            staging, quiet=1, invalidation_mode=PycInvalidationMode.UNCHECKED_HASH
        )
        try:
            staging.rename(target)
        except OSError:  # a concurrent session got there first
            shutil.rmtree(staging, ignore_errors=True)
    return target


@pytest.fixture(scope="session")
def runtime_sdk() -> Path:
    return install_runtime_sdk()


@dataclass
class ThrowawayDatabase:
    """A database of its own on the test server, for the handler's ``migrate`` to build."""

    host: str
    port: int
    user: str
    password: str
    name: str = field(default_factory=lambda: f"lambda_pkg_{uuid.uuid4().hex[:10]}")

    @property
    def url(self) -> str:
        return f"postgres://{self.user}:{self.password}@{self.host}:{self.port}/{self.name}"

    def connect(self, dbname: str | None = None):
        import psycopg

        return psycopg.connect(
            host=self.host,
            port=self.port,
            user=self.user,
            password=self.password,
            dbname=dbname or self.name,
            autocommit=True,
        )

    def query(self, sql: str, params=()) -> list[tuple]:
        with self.connect() as connection:
            cursor = connection.execute(sql, params)
            return cursor.fetchall() if cursor.description else []


@pytest.fixture(scope="session")
def throwaway_database():
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        pytest.skip("the package tests need DATABASE_URL to name a PostgreSQL server")
    parts = urlsplit(url)
    database = ThrowawayDatabase(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
        user=parts.username or "postgres",
        password=parts.password or "",
    )
    with database.connect("postgres") as connection:
        connection.execute(f'CREATE DATABASE "{database.name}"')
    yield database
    with database.connect("postgres") as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{database.name}" WITH (FORCE)')


class LambdaFunction:
    """One execution environment: a fresh interpreter that imported ``handler`` (the init phase)
    and answers invocations until closed."""

    def __init__(self, package: LambdaPackage, runtime_paths: list[Path], env: dict[str, str]):
        self.log = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 - lives as long as the process
        self.process = subprocess.Popen(  # noqa: S603 - the runner with our own arguments
            [sys.executable, "-I", "-S", "-B", str(RUNNER), str(package.task_root)]
            + [str(p) for p in runtime_paths],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log,
            env=env,
            text=True,
        )
        self._lines: queue.Queue = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        ready = self._answer(timeout=120)
        self.init_seconds = ready["init_seconds"]

    def _read(self):
        for line in self.process.stdout:
            self._lines.put(line)
        self._lines.put(None)

    def stderr(self) -> str:
        self.log.seek(0)
        return self.log.read()[-8000:]

    def _answer(self, timeout: float) -> dict:
        try:
            line = self._lines.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no answer in {timeout}s; stderr:\n{self.stderr()}") from None
        if line is None:
            raise AssertionError(f"the function process exited; stderr:\n{self.stderr()}")
        return json.loads(line)

    def invoke(self, event: dict, *, timeout: float = 60):
        """The handler's return value; raises with the traceback if the handler raised."""
        answer = self.invoke_raw(event, timeout=timeout)
        if "error" in answer:
            raise AssertionError(f"handler raised {answer['error']}:\n{answer['traceback']}")
        return answer["result"]

    def invoke_raw(self, event: dict, *, timeout: float = 60) -> dict:
        self.process.stdin.write(json.dumps({"event": event}) + "\n")
        self.process.stdin.flush()
        return self._answer(timeout)

    def close(self):
        if self.process.poll() is None:
            self.process.stdin.close()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


def lambda_environment(*, moto_endpoint: str, cognito, **overrides: str) -> dict[str, str]:
    """What the function's configuration holds on Lambda (aws_environment_variables), with the
    moto server standing in for AWS. The stage's ``environment_variables`` come from the zip."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "C.UTF-8",
        "TZ": "UTC",
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_ENDPOINT_URL": moto_endpoint,
        "AWS_EC2_METADATA_DISABLED": "true",
        "INSTANTIATE_LAMBDA_HANDLER_ON_IMPORT": "true",
        "COGNITO_USER_POOL_ID": cognito.pool_id,
        "COGNITO_REGION": REGION,
        "COGNITO_APP_CLIENT_IDS": cognito.client_id,
        "COGNITO_JWKS_URL": cognito.issuer_jwks_url,
        # Push is on in the stage: anything sent must not leave this machine.
        "EXPO_PUSH_URL": "http://127.0.0.1:9/push",
    }
    env.update(overrides)
    return env


@pytest.fixture(scope="session")
def secrets_manager(moto_endpoint):
    import boto3

    return boto3.client("secretsmanager", region_name=REGION, endpoint_url=moto_endpoint)


@pytest.fixture(scope="session")
def lambda_function(
    lambda_package, runtime_sdk, throwaway_database, moto_endpoint, cognito, secrets_manager
):
    """The dev function wired to a throwaway database and moto; secrets come from (moto's)
    Secrets Manager exactly as on AWS: no DATABASE_URL or DJANGO_SECRET_KEY in its environment."""
    suffix = uuid.uuid4().hex[:8]
    app_secrets = secrets_manager.create_secret(
        Name=f"nomadcrew-dev-app-{suffix}",
        SecretString=json.dumps({"DJANGO_SECRET_KEY": f"lambda-test-{uuid.uuid4().hex * 2}"}),
    )["ARN"]
    database_secret = secrets_manager.create_secret(
        Name=f"nomadcrew-dev-database-{suffix}",
        SecretString=json.dumps(
            {
                "engine": "postgres",
                "host": throwaway_database.host,
                "port": throwaway_database.port,
                "username": throwaway_database.user,
                "password": throwaway_database.password,
                "dbname": throwaway_database.name,
            }
        ),
    )["ARN"]
    env = lambda_environment(
        moto_endpoint=moto_endpoint,
        cognito=cognito,
        APP_SECRETS_ARN=app_secrets,
        DATABASE_SECRET_ARN=database_secret,
    )
    function = LambdaFunction(lambda_package, [runtime_sdk], env)
    migrated = function.invoke({"manage": "migrate --noinput"}, timeout=300)
    assert migrated == {}, function.stderr()
    yield function
    function.close()
