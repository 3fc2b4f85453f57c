"""infrastructure/monitoring.yaml and github-deploy.yaml say what issue 17 asks: an alarm for each
failure that hurts users, on the right metric and threshold, each notifying the one topic mailed
to the AlarmEmail parameter; a dashboard with the same and the app's EMF metrics; a deploy role
only this repository's main branch (dev) or protected environment (prod) can assume. cfn-lint
runs on both in tests/package/test_infrastructure.py."""

import json
import re

import pytest
import yaml

from apps.core import metrics
from tests.package.conftest import ROOT, stage_settings


class _Tagged(yaml.SafeLoader):
    """CloudFormation's short tags kept as {"!Tag": value}, so references can be asserted."""


def _tag(loader, suffix, node):
    if isinstance(node, yaml.ScalarNode):
        value = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return {f"!{suffix}": value}


_Tagged.add_multi_constructor("!", _tag)


def load(name: str) -> dict:
    return yaml.load((ROOT / "infrastructure" / name).read_text(), Loader=_Tagged)  # noqa: S506


MONITORING = load("monitoring.yaml")
DEPLOY = load("github-deploy.yaml")
ALARMS = {
    name: resource["Properties"]
    for name, resource in MONITORING["Resources"].items()
    if resource["Type"] == "AWS::CloudWatch::Alarm"
}


def _metric(alarm: dict) -> tuple[str, str]:
    return alarm.get("Namespace"), alarm.get("MetricName")


@pytest.mark.parametrize(
    ("alarm", "namespace", "metric", "threshold"),
    [
        ("Api5xxRateAlarm", "AWS/ApiGateway", "5XXError", 0.01),
        ("ApiLatencyP95Alarm", "AWS/ApiGateway", "Latency", 1500),
        ("LambdaErrorsAlarm", "AWS/Lambda", "Errors", 5),
        ("LambdaThrottlesAlarm", "AWS/Lambda", "Throttles", 1),
        ("LambdaConcurrencyAlarm", "AWS/Lambda", "ConcurrentExecutions", None),
        ("DeadLettersAlarm", "AWS/SQS", "ApproximateNumberOfMessagesVisible", 1),
        ("DatabaseCapacityAlarm", "AWS/RDS", "ACUUtilization", 90),
        ("DatabaseConnectionsAlarm", "AWS/RDS", "DatabaseConnections", None),
        ("RdsProxyBorrowLatencyAlarm", "AWS/RDS", "DatabaseConnectionsBorrowLatency", 100000),
        ("SesBounceRateAlarm", "AWS/SES", "Reputation.BounceRate", 0.04),
        ("SesComplaintRateAlarm", "AWS/SES", "Reputation.ComplaintRate", 0.0008),
    ],
)
def test_each_failure_has_an_alarm_on_its_metric(alarm, namespace, metric, threshold):
    properties = ALARMS[alarm]
    assert _metric(properties) == (namespace, metric)
    if threshold is not None:
        assert properties["Threshold"] == threshold
    assert properties["TreatMissingData"] == "notBreaching"


def test_api_alarms_watch_the_p95_and_the_rate_of_zappas_api_by_name():
    latency, errors = ALARMS["ApiLatencyP95Alarm"], ALARMS["Api5xxRateAlarm"]
    assert latency["ExtendedStatistic"] == "p95"
    assert errors["Statistic"] == "Average"  # 5XXError's average is the share of requests
    for alarm in (latency, errors):
        assert alarm["Dimensions"] == [{"Name": "ApiName", "Value": {"!Sub": "nomadcrew-${Stage}"}}]
    function = ALARMS["LambdaErrorsAlarm"]["Dimensions"]
    assert function == [{"Name": "FunctionName", "Value": {"!Sub": "nomadcrew-${Stage}"}}]


@pytest.mark.parametrize("stage", ["dev", "prod"])
def test_concurrency_alarms_follow_the_stages_reservation(stage):
    reserved = stage_settings(stage)["lambda_concurrency"]
    mapping = MONITORING["Mappings"]["StageSettings"][stage]
    assert mapping["ReservedConcurrency"] == reserved
    assert mapping["ConcurrencyAlarm"] == int(reserved * 0.8)
    assert mapping["DatabaseConnectionsAlarm"] == reserved + 10
    threshold = ALARMS["LambdaConcurrencyAlarm"]["Threshold"]
    assert threshold == {"!FindInMap": ["StageSettings", {"!Ref": "Stage"}, "ConcurrencyAlarm"]}


def test_websocket_connect_failures_sum_server_side_errors_of_the_connect_route():
    alarm = ALARMS["WebSocketConnectFailuresAlarm"]
    assert MONITORING["Resources"]["WebSocketConnectFailuresAlarm"]["Condition"] == (
        "HasWebSocketApi"
    )
    stats = {m["Id"]: m["MetricStat"]["Metric"] for m in alarm["Metrics"] if "MetricStat" in m}
    assert {m["MetricName"] for m in stats.values()} == {"IntegrationError", "ExecutionError"}
    for metric in stats.values():
        assert {"Name": "Route", "Value": "$connect"} in metric["Dimensions"]
    assert [m["Expression"] for m in alarm["Metrics"] if m.get("ReturnData")] == [
        "integration + execution"
    ]


def test_every_alarm_notifies_the_topic_mailed_to_the_parameter():
    assert len(ALARMS) == 12
    for name, alarm in ALARMS.items():
        assert alarm["AlarmActions"] == [{"!Ref": "AlarmTopic"}], name
        assert alarm["OKActions"] == [{"!Ref": "AlarmTopic"}], name
        assert alarm["AlarmName"]["!Sub"].startswith("nomadcrew-${Stage}-"), name
    subscriptions = [
        r["Properties"]
        for r in MONITORING["Resources"].values()
        if r["Type"] == "AWS::SNS::Subscription"
    ]
    assert subscriptions == [
        {
            "TopicArn": {"!Ref": "AlarmTopic"},
            "Protocol": "email",
            "Endpoint": {"!Ref": "AlarmEmail"},
        }
    ]
    assert "Default" not in MONITORING["Parameters"]["AlarmEmail"]  # nobody is mailed by accident


def test_the_dashboard_shows_the_alarms_and_every_business_metric():
    body, _values = MONITORING["Resources"]["Dashboard"]["Properties"]["DashboardBody"]["!Sub"]
    rendered = re.sub(r"\$\{[^}]+\}", "x", body)
    widgets = json.loads(rendered)["widgets"]  # valid JSON once CloudFormation substitutes
    assert any(w["type"] == "alarm" for w in widgets)
    for alarm in ALARMS:
        if alarm not in ("WebSocketConnectFailuresAlarm", "RdsProxyBorrowLatencyAlarm"):
            assert f"${{{alarm}.Arn}}" in body, alarm  # conditional alarms can't be referenced
    for name in metrics.BUSINESS_METRICS:
        assert f'"{name}"' in body, name
    assert metrics.NAMESPACE == "NomadCrew"
    assert '"NomadCrew"' in body
    for metric in ("Requests", "RequestErrors", "RequestLatency"):
        assert f'MetricName=\\"{metric}\\"' in body


def _trust() -> dict:
    role = DEPLOY["Resources"]["DeployRole"]["Properties"]
    (statement,) = role["AssumeRolePolicyDocument"]["Statement"]
    return statement


def test_the_deploy_role_trusts_only_this_repositorys_main_or_protected_environment():
    statement = _trust()
    assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert set(statement["Condition"]) == {"StringEquals"}  # no StringLike wildcards
    conditions = statement["Condition"]["StringEquals"]
    assert conditions["token.actions.githubusercontent.com:aud"] == "sts.amazonaws.com"
    template, _values = conditions["token.actions.githubusercontent.com:sub"]["!Sub"]
    assert template == "repo:${GitHubRepository}:${Subject}"
    subjects = {
        stage: mapping["Subject"] for stage, mapping in DEPLOY["Mappings"]["StageSubjects"].items()
    }
    assert subjects == {"dev": "ref:refs/heads/main", "prod": "environment:production"}
    assert "*" not in DEPLOY["Parameters"]["GitHubRepository"]["AllowedPattern"]


def test_the_deploy_role_reaches_only_its_stage():
    (policy,) = DEPLOY["Resources"]["DeployRole"]["Properties"]["Policies"]
    for statement in policy["PolicyDocument"]["Statement"]:
        assert statement["Effect"] == "Allow"
        actions = (
            statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        )
        assert not any(a.endswith(":*") or a == "*" for a in actions), statement["Sid"]
        resources = statement["Resource"]
        resources = resources if isinstance(resources, list) else [resources]
        if resources == ["*"]:
            assert all(a.startswith(("events:List",)) for a in actions), statement["Sid"]
        if any(a.startswith(("lambda:", "iam:")) for a in actions):
            assert all("nomadcrew-${Stage}" in r["!Sub"] for r in resources), statement["Sid"]
    assert not any(
        a.startswith(("iam:Create", "iam:Put", "iam:Attach"))
        for s in policy["PolicyDocument"]["Statement"]
        for a in (s["Action"] if isinstance(s["Action"], list) else [s["Action"]])
    )
