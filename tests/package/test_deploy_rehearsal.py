"""A deploy rehearsal: Zappa's own CLI (scripts/zappa, as docs/deploy.md runs it) deploys the
session's dev package to the moto server, reports its status and undeploys it, on a copy of
zappa_settings.json whose placeholders hold stack outputs (scripts/stack_outputs.py) of
resources made in moto, with `touch` off (the emulator's URL doesn't resolve) and no custom
domain. What it created is asserted through the AWS APIs.

Not rehearsed: `zappa update` stops at lambda:ListFunctionUrlConfigs, which moto 5.2.5 lacks
(asserted below, so a moto that learns it makes this test say so); the WebSocket API, which
moto's CloudFormation doesn't create (its definition in Zappa's stack is asserted); `zappa
certify` (ACM and a
custom domain); SnapStart publishing (prod); the function running (moto's Lambda needs Docker;
tests/package runs the same zip through Zappa's handler instead)."""

import json
import os
import subprocess

import boto3
import pytest
from botocore.exceptions import ClientError

from scripts.stack_outputs import zappa_values
from tests.package.conftest import REGION, ROOT, stage_settings, zappa_settings
from tests.package.test_infrastructure import _outputs

FUNCTION = "nomadcrew-dev"
# moto's CloudFormation warns once per ApiGatewayV2 resource of Zappa's stack it skips.
pytestmark = pytest.mark.filterwarnings("ignore:Tried to parse AWS..ApiGatewayV2:UserWarning")


def client(name: str, endpoint: str):
    return boto3.client(name, region_name=REGION, endpoint_url=endpoint)


def stack_outputs(endpoint: str) -> dict[str, str]:
    """The main stack's outputs, for resources Zappa needs to exist made in moto."""
    ec2, iam, s3 = client("ec2", endpoint), client("iam", endpoint), client("s3", endpoint)
    vpc = ec2.create_vpc(CidrBlock="10.40.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.40.{i}.0/24")["Subnet"]["SubnetId"]
        for i in (1, 2)
    ]
    group = ec2.create_security_group(GroupName="lambda", Description="lambda", VpcId=vpc)
    role = iam.create_role(
        RoleName="nomadcrew-dev-lambda",
        AssumeRolePolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "lambda.amazonaws.com"},
                        "Action": "sts:AssumeRole",
                    }
                ],
            }
        ),
    )["Role"]["Arn"]
    s3.create_bucket(Bucket="nomadcrew-dev-deployments")
    outputs = {name: f"value-of-{name}" for name in _outputs()}
    outputs.update(
        ZappaDeploymentBucket="nomadcrew-dev-deployments",
        ZappaRoleArn=role,
        ZappaSubnetIds=",".join(subnets),
        ZappaSecurityGroupIds=group["GroupId"],
    )
    return outputs


def zappa(*args: str, endpoint: str, settings_file) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_DEFAULT_REGION=REGION,
        AWS_REGION=REGION,
        AWS_ENDPOINT_URL=endpoint,
        AWS_EC2_METADATA_DISABLED="true",
        AWS_CONFIG_FILE="/nonexistent/aws-config",
        AWS_SHARED_CREDENTIALS_FILE="/nonexistent/aws-credentials",
    )
    return subprocess.run(  # noqa: S603 - our own script with fixed arguments
        [str(ROOT / "scripts" / "zappa"), *args, "-s", str(settings_file)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )


@pytest.fixture(scope="module")
def deployed(lambda_package, moto_endpoint, tmp_path_factory):
    outputs = stack_outputs(moto_endpoint)
    settings = zappa_settings()
    dev = settings["dev"]
    values = zappa_values(outputs)
    dev["aws_environment_variables"].update(values.pop("aws_environment_variables"))
    dev.update(values, touch=False)
    for key in ("domain", "certificate_arn"):
        dev.pop(key)
    settings_file = tmp_path_factory.mktemp("rehearsal") / "zappa_settings.json"
    settings_file.write_text(json.dumps(settings, indent=2))

    def run(*args):
        return zappa(*args, endpoint=moto_endpoint, settings_file=settings_file)

    deploy = run("deploy", "dev", "--zip", str(lambda_package.zip_path))
    assert deploy.returncode == 0, deploy.stdout[-4000:] + deploy.stderr[-4000:]
    yield run, deploy, dev
    run("undeploy", "dev", "--yes")  # idempotent if the test below already did


def test_deploy_creates_the_function_as_configured(deployed, moto_endpoint):
    _, _, dev = deployed
    function = client("lambda", moto_endpoint).get_function(FunctionName=FUNCTION)
    config = function["Configuration"]
    assert config["Runtime"] == "python3.12"
    assert config["MemorySize"] == stage_settings("dev")["memory_size"] == 1024
    assert config["Timeout"] == 29
    assert config["Handler"] == "handler.lambda_handler"
    assert config["Role"] == dev["role_arn"]
    assert config["VpcConfig"]["SubnetIds"] == dev["vpc_config"]["SubnetIds"]
    environment = config["Environment"]["Variables"]
    assert environment == dev["aws_environment_variables"]
    # Secrets are read from Secrets Manager by ARN at init, never put in the configuration.
    for name in ("DJANGO_SECRET_KEY", "DATABASE_URL", "EXPO_ACCESS_TOKEN"):
        assert name not in environment
    assert all(
        value.startswith("value-of-") for name, value in environment.items() if "SECRET" in name
    )
    concurrency = client("lambda", moto_endpoint).get_function_concurrency(FunctionName=FUNCTION)
    assert concurrency["ReservedConcurrentExecutions"] == dev["lambda_concurrency"]


def test_deploy_creates_the_apis_and_one_rule_per_schedule(deployed, moto_endpoint):
    _, deploy, dev = deployed
    rest = [api["name"] for api in client("apigateway", moto_endpoint).get_rest_apis()["items"]]
    assert FUNCTION in rest
    function_arn = client("lambda", moto_endpoint).get_function(FunctionName=FUNCTION)[
        "Configuration"
    ]["FunctionArn"]
    events = client("events", moto_endpoint)
    rules = events.list_rule_names_by_target(TargetArn=function_arn)["RuleNames"]
    assert len(rules) == len(dev["events"]) + 1  # and keep-warm
    assert any("keep-warm" in rule for rule in rules)
    expressions = {events.describe_rule(Name=rule)["ScheduleExpression"] for rule in rules}
    assert expressions == {e["expression"] for e in dev["events"]} | {"rate(4 minutes)"}
    # Zappa puts the WebSocket API in its stack; moto's CloudFormation skips ApiGatewayV2
    # resources, so the template is what can be asserted, not the API.
    body = client("cloudformation", moto_endpoint).get_template(StackName=FUNCTION)["TemplateBody"]
    template = body if isinstance(body, dict) else json.loads(body)
    resources = template["Resources"].values()
    (websocket,) = [r for r in resources if r["Type"] == "AWS::ApiGatewayV2::Api"]
    assert websocket["Properties"]["Name"] == f"{FUNCTION}-ws"
    assert websocket["Properties"]["ProtocolType"] == "WEBSOCKET"
    routes = {
        r["Properties"]["RouteKey"] for r in resources if r["Type"] == "AWS::ApiGatewayV2::Route"
    }
    assert routes == {"$connect", "$disconnect", "$default"}, deploy.stdout[-2000:]


def test_status_then_update_stops_where_moto_does_then_undeploy(
    deployed, moto_endpoint, lambda_package
):
    run, _, _ = deployed
    status = run("status", "dev")
    assert status.returncode == 0, status.stdout + status.stderr
    assert FUNCTION in status.stdout

    update = run("update", "dev", "--zip", str(lambda_package.zip_path))
    assert update.returncode != 0
    assert "ListFunctionUrlConfigs" in update.stdout + update.stderr

    function_arn = client("lambda", moto_endpoint).get_function(FunctionName=FUNCTION)[
        "Configuration"
    ]["FunctionArn"]
    undeploy = run("undeploy", "dev", "--yes")
    assert undeploy.returncode == 0, undeploy.stdout + undeploy.stderr
    with pytest.raises(ClientError):
        client("lambda", moto_endpoint).get_function(FunctionName=FUNCTION)
    events = client("events", moto_endpoint)
    assert events.list_rule_names_by_target(TargetArn=function_arn)["RuleNames"] == []
    # Zappa deletes its API stack (moto leaves the stack's REST API behind, so that is not
    # asserted).
    stacks = client("cloudformation", moto_endpoint).list_stacks()["StackSummaries"]
    assert {s["StackStatus"] for s in stacks if s["StackName"] == FUNCTION} == {"DELETE_COMPLETE"}
