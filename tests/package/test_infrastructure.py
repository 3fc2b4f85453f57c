"""infrastructure/*.yaml: valid CloudFormation (cfn-lint), and its outputs are exactly what the
settings read and zappa_settings.json expects."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from scripts.stack_outputs import environment_name, zappa_values
from tests.package.conftest import ROOT, stage_settings

TEMPLATES = sorted((ROOT / "infrastructure").glob("*.yaml"))
TEMPLATE = ROOT / "infrastructure" / "nomadcrew.yaml"


class _CloudFormationLoader(yaml.SafeLoader):
    """YAML with CloudFormation's short tags (!Ref, !Sub...) read as plain values."""


_CloudFormationLoader.add_multi_constructor("!", lambda loader, suffix, node: None)


def _resources() -> dict:
    return yaml.load(TEMPLATE.read_text(), Loader=_CloudFormationLoader)["Resources"]  # noqa: S506


def _outputs() -> dict:
    return yaml.load(TEMPLATE.read_text(), Loader=_CloudFormationLoader)["Outputs"]  # noqa: S506


def _read_by_the_app() -> str:
    """Where environment variables are read: settings, and the Lambda secrets loader."""
    return "\n".join(
        (ROOT / path).read_text() for path in ["nomadcrew/settings.py", "nomadcrew/lambda_app.py"]
    )


def test_templates_exist():
    assert TEMPLATE in TEMPLATES
    # Linted below too: alarms and dashboard, and the pipeline's deploy role (tests/ops).
    assert {"monitoring.yaml", "github-deploy.yaml"} <= {path.name for path in TEMPLATES}


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: p.name)
def test_cfn_lint_passes(template: Path):
    cfn_lint = Path(sys.executable).with_name("cfn-lint")
    result = subprocess.run(  # noqa: S603 - the linter on our own template
        [str(cfn_lint), str(template)], capture_output=True, text=True, check=False, timeout=300
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    "output", [name for name in _outputs() if not name.startswith("Zappa")], ids=str
)
def test_each_environment_output_is_a_variable_the_app_reads(output):
    variable = environment_name(output)
    assert _outputs()[output]["Description"].startswith(variable)
    assert re.search(rf"[\"']{variable}[\"']", _read_by_the_app()), variable
    for stage in ["dev", "prod"]:
        configured = stage_settings(stage)["aws_environment_variables"]
        assert variable in configured, (stage, variable)


def test_every_placeholder_in_zappa_settings_names_a_template_output():
    text = (ROOT / "zappa_settings.json").read_text()
    placeholders = set(re.findall(r"REPLACE-([A-Za-z]+)", text))
    assert placeholders
    assert placeholders <= set(_outputs())


def test_stack_outputs_fill_the_zappa_stage():
    outputs = {name: f"value-of-{name}" for name in _outputs()}
    outputs["ZappaSubnetIds"] = "subnet-a,subnet-b"
    values = zappa_values(outputs)

    assert values["vpc_config"] == {
        "SubnetIds": ["subnet-a", "subnet-b"],
        "SecurityGroupIds": ["value-of-ZappaSecurityGroupIds"],
    }
    assert values["role_arn"] == "value-of-ZappaRoleArn"
    assert values["s3_bucket"] == "value-of-ZappaDeploymentBucket"
    assert values["dead_letter_arn"] == "value-of-ZappaDeadLetterArn"
    environment = values["aws_environment_variables"]
    assert environment["COGNITO_USER_POOL_ID"] == "value-of-CognitoUserPoolId"
    assert environment["AWS_S3_REGION_NAME"] == "value-of-AwsS3RegionName"
    assert not any(name.startswith("ZAPPA") for name in environment)
    json.dumps(values)  # pasteable into zappa_settings.json


def test_cognito_pool_has_the_admins_group_the_settings_expect():
    resources = _resources()
    groups = [r for r in resources.values() if r["Type"] == "AWS::Cognito::UserPoolGroup"]
    assert [g["Properties"]["GroupName"] for g in groups] == [
        stage_settings("dev")["environment_variables"]["COGNITO_ADMIN_GROUP"]
    ]


# --- Wallet (apps/wallet) -------------------------------------------------------------------------


def test_wallet_objects_have_a_kms_key_of_their_own_the_app_is_told_about():
    resources = _resources()
    assert resources["WalletKey"]["Type"] == "AWS::KMS::Key"
    assert resources["WalletKey"]["Properties"]["EnableKeyRotation"] is True
    assert _outputs()["WalletKmsKeyId"]["Description"].startswith("WALLET_KMS_KEY_ID")
    role = resources["ExecutionRole"]["Properties"]["Policies"][0]["PolicyDocument"]
    [grant] = [s for s in role["Statement"] if s["Sid"] == "WalletKey"]
    assert {"kms:GenerateDataKey", "kms:Decrypt"} <= set(grant["Action"])


def test_bucket_policy_refuses_unencrypted_puts_to_the_wallet_prefix():
    policy = _resources()["MediaBucketPolicy"]["Properties"]["PolicyDocument"]
    wallet_denials = [
        s for s in policy["Statement"] if s["Effect"] == "Deny" and s["Action"] == "s3:PutObject"
    ]
    conditions = [s["Condition"] for s in wallet_denials]
    assert {"StringNotEquals": {"s3:x-amz-server-side-encryption": "aws:kms"}} in conditions
    assert {"Null": {"s3:x-amz-server-side-encryption": "true"}} in conditions
    assert any(
        "s3:x-amz-server-side-encryption-aws-kms-key-id" in c.get("StringNotEqualsIfExists", {})
        for c in conditions
    )


def test_unconfirmed_wallet_uploads_expire():
    from apps.wallet.storage import PENDING_PREFIX

    rules = _resources()["MediaBucket"]["Properties"]["LifecycleConfiguration"]["Rules"]
    [rule] = [r for r in rules if r.get("Prefix") == PENDING_PREFIX]
    assert rule["Status"] == "Enabled"
    assert rule["ExpirationInDays"] == 1


def test_wallet_schedules_run_daily_in_both_stages():
    for stage in ["dev", "prod"]:
        events = {e["function"]: e["expression"] for e in stage_settings(stage)["events"]}
        assert events["apps.wallet.tasks.purge_deleted_documents"].startswith("cron(")
        assert events["apps.wallet.tasks.send_expiry_reminders"].startswith("cron(")


def test_cognito_pool_applies_an_email_change_only_once_verified():
    """Otherwise anyone could set another person's address on their account (issue 11)."""
    resources = _resources()
    (pool,) = [r for r in resources.values() if r["Type"] == "AWS::Cognito::UserPool"]
    properties = pool["Properties"]
    assert properties["UserAttributeUpdateSettings"] == {
        "AttributesRequireVerificationBeforeUpdate": ["email"]
    }
    assert properties["AutoVerifiedAttributes"] == ["email"]


def test_the_function_may_find_and_delete_cognito_users():
    """DELETE /v1/users/me deletes the caller's Cognito user (scoped to the pool in YAML)."""
    resources = _resources()
    statements = [
        statement
        for policy in resources["ExecutionRole"]["Properties"]["Policies"]
        for statement in policy["PolicyDocument"]["Statement"]
        if "cognito-idp:AdminDeleteUser" in statement["Action"]
    ]
    assert len(statements) == 1
    assert "cognito-idp:ListUsers" in statements[0]["Action"]


# --- the Aurora connection budget (docs/deploy.md "Connection budget") ----------------------


class _TaggedLoader(yaml.SafeLoader):
    """CloudFormation YAML with short tags kept as their long form ({"Fn::Equals": [...]})."""


def _tagged(loader, suffix, node):
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return {"Ref" if suffix == "Ref" else f"Fn::{suffix}": value}


_TaggedLoader.add_multi_constructor("!", _tagged)


def _template() -> dict:
    return yaml.load(TEMPLATE.read_text(), Loader=_TaggedLoader)  # noqa: S506


def _condition(template: dict, name: str, parameters: dict) -> bool:
    """Evaluate a condition of the template with the parameters' defaults, overridden."""
    values = {k: v.get("Default") for k, v in template["Parameters"].items()} | parameters

    def evaluate(node):
        if isinstance(node, dict):
            [(function, argument)] = node.items()
            if function == "Ref":
                return values[argument]
            if function == "Fn::Condition":
                return evaluate(template["Conditions"][argument])
            if function == "Fn::Equals":
                return evaluate(argument[0]) == evaluate(argument[1])
            if function == "Fn::Or":
                return any(evaluate(a) for a in argument)
            if function == "Fn::And":
                return all(evaluate(a) for a in argument)
            if function == "Fn::Not":
                return not evaluate(argument[0])
            raise AssertionError(f"unexpected {function}")
        return node

    return evaluate(template["Conditions"][name])


def test_rds_proxy_is_on_for_prod_and_off_for_dev_by_default():
    template = _template()
    assert _condition(template, "UseRdsProxy", {"Stage": "prod"}) is True
    assert _condition(template, "UseRdsProxy", {"Stage": "dev"}) is False
    assert _condition(template, "UseRdsProxy", {"Stage": "dev", "CreateRdsProxy": "true"})
    assert not _condition(template, "UseRdsProxy", {"Stage": "prod", "CreateRdsProxy": "false"})
    resources = template["Resources"]
    for name in ["DatabaseProxy", "DatabaseProxyTargets", "ProxySecurityGroup"]:
        assert resources[name]["Condition"] == "UseRdsProxy"


def _proxy_pool() -> dict:
    targets = _template()["Resources"]["DatabaseProxyTargets"]["Properties"]
    return targets["ConnectionPoolConfigurationInfo"]


def _approx_max_connections() -> int:
    """Aurora PostgreSQL's default: LEAST(DBInstanceClassMemory / 9531392, 5000), 2 GiB/ACU."""
    max_acu = float(_template()["Parameters"]["DatabaseMaxCapacity"]["Default"])
    return min(int(max_acu * 2 * 1024**3 / 9531392), 5000)


def test_the_proxy_lends_a_bounded_share_and_waits_less_than_api_gateway():
    pool = _proxy_pool()
    assert 50 <= pool["MaxConnectionsPercent"] <= 90  # headroom for migrations and operators
    assert pool["ConnectionBorrowTimeout"] < 29  # API Gateway's integration timeout


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_every_stage_reserves_concurrency_within_the_connection_budget(stage):
    """Requests, tasks and schedules are one function: its reserved concurrency bounds the
    connections, and must fit the proxy's share even with every connection pinned."""
    concurrency = stage_settings(stage)["lambda_concurrency"]
    budget = _approx_max_connections() * _proxy_pool()["MaxConnectionsPercent"] // 100
    assert isinstance(concurrency, int)
    assert 1 <= concurrency <= budget
    assert stage_settings(stage)["environment_variables"]["DATABASE_CONN_MAX_AGE"] == "60"


def test_the_deploy_guide_shows_the_budget_the_settings_and_template_use():
    guide = (ROOT / "docs" / "deploy.md").read_text()
    section = guide.split("## Connection budget", 1)[1].split("\n## ", 1)[0]
    pool = _proxy_pool()
    rows = {
        line.split("|")[1].strip(): [cell.strip() for cell in line.split("|")[2:-1]]
        for line in section.splitlines()
        if line.startswith("| ")
    }
    concurrency_row = next(v for k, v in rows.items() if k.startswith("Reserved concurrency"))
    assert concurrency_row == [
        str(stage_settings("dev")["lambda_concurrency"]),
        str(stage_settings("prod")["lambda_concurrency"]),
    ]
    max_row = next(v for k, v in rows.items() if k.startswith("Aurora `max_connections`"))
    assert max_row == [str(round(_approx_max_connections(), -2))] * 2
    assert f"({pool['MaxConnectionsPercent']}%)" in section
    assert f"({pool['ConnectionBorrowTimeout']} s)" in section
