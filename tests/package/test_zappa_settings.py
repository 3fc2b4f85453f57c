"""zappa_settings.json: what `zappa deploy/update/schedule` will read, checked before AWS does."""

import importlib
import re
import subprocess

import pytest
from zappa.core import Zappa

from tests.package.conftest import ROOT, stage_settings, zappa_settings

STAGES = ["dev", "prod"]
# Zappa's own rule for scheduled functions (EventBridge rule names; '-' is its delimiter).
ZAPPA_FUNCTION_NAME = re.compile(r"^[._A-Za-z0-9]{0,63}$")


def _import(dotted: str):
    module_name, attribute = dotted.rsplit(".", 1)
    return getattr(importlib.import_module(module_name), attribute)


def _scheduled_functions() -> list[tuple[str, str]]:
    return sorted(
        {
            (stage, event["function"])
            for stage in STAGES
            for event in stage_settings(stage).get("events", [])
        }
    )


def test_settings_file_is_valid_json_with_dev_and_prod_extending_dev():
    stages = zappa_settings()
    assert set(stages) == set(STAGES)
    assert stages["prod"]["extends"] == "dev"


@pytest.mark.parametrize("stage", STAGES)
def test_stage_runs_django_on_the_python_the_package_is_built_with(stage):
    config = stage_settings(stage)
    assert config["django_settings"] == "nomadcrew.settings"
    assert config["project_name"] == "nomadcrew"
    find_python = subprocess.run(  # noqa: S603 - our own script
        [ROOT / "scripts" / "find-python"], capture_output=True, text=True, check=True
    ).stdout.strip()
    version = subprocess.run(  # noqa: S603 - the interpreter it found
        [find_python, "-c", "import sys; print('python%d.%d' % sys.version_info[:2])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert config["runtime"] == version == "python3.12"


@pytest.mark.parametrize("stage", STAGES)
def test_stage_fits_api_gateway_and_lambda(stage):
    config = stage_settings(stage)
    assert config["timeout_seconds"] <= 29  # API Gateway's integration timeout
    assert 512 <= config["memory_size"] <= 10240
    assert config["aws_region"]
    assert config["s3_bucket"]
    assert "keep_warm" in config
    assert set(config["vpc_config"]) == {"SubnetIds", "SecurityGroupIds"}
    assert config["vpc_config"]["SubnetIds"]
    assert config["vpc_config"]["SecurityGroupIds"]


def test_prod_has_snapstart_tracing_quiet_logs_and_a_dead_letter_queue():
    prod = stage_settings("prod")
    assert prod["snap_start"] == "PublishedVersions"
    assert prod["keep_warm"] is False  # keep-warm pings $LATEST; SnapStart serves an alias
    assert prod["xray_tracing"] is True
    assert prod["log_level"] == "INFO"
    assert prod["debug"] is False
    assert prod["dead_letter_arn"].startswith(("arn:aws:sqs:", "arn:aws:sns:"))
    # SnapStart needs the app built in the init phase, when the snapshot is taken.
    assert prod["aws_environment_variables"]["INSTANTIATE_LAMBDA_HANDLER_ON_IMPORT"] == "true"


@pytest.mark.parametrize("stage", STAGES)
def test_no_secret_is_written_in_the_settings_file(stage):
    config = stage_settings(stage)
    variables = {**config["environment_variables"], **config["aws_environment_variables"]}
    for name in ["DJANGO_SECRET_KEY", "DATABASE_URL", "EXPO_ACCESS_TOKEN", "AWS_SECRET_ACCESS_KEY"]:
        assert name not in variables
    assert {"APP_SECRETS_ARN", "DATABASE_SECRET_ARN"} <= set(variables)


@pytest.mark.parametrize("stage", STAGES)
def test_environment_never_overrides_what_the_stack_provides(stage):
    """``environment_variables`` are baked into the zip and applied over the process
    environment on Lambda; stack outputs live in ``aws_environment_variables`` only."""
    config = stage_settings(stage)
    assert not set(config["environment_variables"]) & set(config["aws_environment_variables"])


def test_package_leaves_out_what_lambda_does_not_need():
    excluded = set(stage_settings("dev")["exclude"])
    assert {"tests", "bench", "docs", "infrastructure", "scripts", "build"} <= excluded
    assert {".local", ".venv", "*.sqlite3", ".pytest_cache", ".ruff_cache"} <= excluded
    assert {"boto3", "botocore", "s3transfer"} <= excluded  # the runtime ships the SDK


@pytest.mark.parametrize(("stage", "function"), _scheduled_functions())
def test_every_scheduled_function_imports_and_is_callable(stage, function):
    assert ZAPPA_FUNCTION_NAME.fullmatch(function), function
    assert callable(_import(function))
    # The rule name `zappa schedule` derives must fit EventBridge's 64 characters.
    Zappa(load_credentials=False, aws_region="us-east-1").get_scheduled_event_name(
        {"function": function}, function, f"nomadcrew-{stage}"
    )


@pytest.mark.parametrize("stage", STAGES)
def test_every_event_has_a_valid_schedule_expression(stage):
    for event in stage_settings(stage).get("events", []):
        expression = event.get("expression") or ""
        assert re.fullmatch(r"(rate|cron)\(.+\)", expression), event


def test_app_function_and_build_hooks_import():
    dev = stage_settings("dev")
    assert _import(dev["app_function"]) is not None
    assert importlib.import_module(dev["websocket_handler_module"])
    hooks = importlib.import_module("scripts.zappa_hooks")
    assert callable(getattr(hooks, dev["prebuild_script"].rsplit(".", 1)[1]))
    assert callable(getattr(hooks, dev["callbacks"]["zip"].rsplit(".", 1)[1]))


@pytest.mark.parametrize("stage", STAGES)
def test_debug_is_off_in_every_stage(stage):
    """Zappa's debug returns tracebacks in error responses, in any stage a phone can reach."""
    assert stage_settings(stage)["debug"] is False


@pytest.mark.parametrize(
    "function",
    [
        "apps.invitations.tasks.resend_unsent_invitation_emails",
        "apps.notifications.tasks.resend_unpushed_notifications",
    ],
)
def test_what_stayed_unsent_is_resent_on_a_schedule(function):
    [event] = [e for e in stage_settings("prod")["events"] if e["function"] == function]
    assert event["expression"] == "rate(15 minutes)"


@pytest.mark.parametrize("stage", STAGES)
def test_cognito_migration_triggers_route_to_an_importable_function(stage):
    """Zappa maps each trigger ``source`` to a function and sets the pool's LambdaConfig key
    (the source's prefix, ``UserMigration``) on `zappa update`; each stage names its own pool
    (``extends`` merges shallowly, so prod must not inherit dev's)."""
    cognito = zappa_settings()[stage]["cognito"]
    assert cognito["user_pool"] == "REPLACE-CognitoUserPoolId"
    sources = {trigger["source"]: trigger["function"] for trigger in cognito["triggers"]}
    assert set(sources) == {"UserMigration_Authentication", "UserMigration_ForgotPassword"}
    assert {source.split("_")[0] for source in sources} == {"UserMigration"}
    for function in sources.values():
        assert callable(_import(function))
