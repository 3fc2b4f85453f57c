"""Lambda events as API Gateway, EventBridge, Cognito and Zappa's async dispatch send them."""

import base64
import json
import uuid
from datetime import UTC, datetime

API_HOST = "abc123defg.execute-api.us-east-1.amazonaws.com"
ACCOUNT = "123456789012"


def rest_event(
    method: str,
    path: str,
    *,
    host: str = API_HOST,
    stage: str = "dev",
    headers: dict[str, str] | None = None,
    query: dict[str, str] | None = None,
    body: dict | str | None = None,
) -> dict:
    """A REST API (v1 payload) proxy event; ``path`` is what the function sees (no stage)."""
    all_headers = {
        "Host": host,
        "X-Forwarded-Proto": "https",
        "X-Forwarded-Port": "443",
        "X-Forwarded-For": "203.0.113.7, 130.176.0.1",
        "User-Agent": "NomadCrew/1.0 (package test)",
        **(headers or {}),
    }
    if isinstance(body, dict):
        body = json.dumps(body)
        all_headers.setdefault("Content-Type", "application/json")
    on_api_host = host.endswith("amazonaws.com")
    return {
        "resource": "/{proxy+}",
        "path": path,
        "httpMethod": method,
        "headers": all_headers,
        "multiValueHeaders": {name: [value] for name, value in all_headers.items()},
        "queryStringParameters": query,
        "multiValueQueryStringParameters": {k: [v] for k, v in query.items()} if query else None,
        "pathParameters": {"proxy": path.lstrip("/")},
        "stageVariables": None,
        "requestContext": {
            "resourcePath": "/{proxy+}",
            "httpMethod": method,
            "path": f"/{stage}{path}" if on_api_host else path,
            "stage": stage,
            "requestId": str(uuid.uuid4()),
            "accountId": ACCOUNT,
            "apiId": host.split(".")[0],
            "identity": {"sourceIp": "203.0.113.7", "userAgent": all_headers["User-Agent"]},
        },
        "body": body,
        "isBase64Encoded": False,
    }


def http_event(
    method: str, raw_path: str, *, stage: str = "dev", headers: dict[str, str] | None = None
) -> dict:
    """An HTTP API (v2 payload) event on a named stage: ``rawPath`` includes the stage."""
    all_headers = {
        "host": API_HOST,
        "x-forwarded-proto": "https",
        "x-forwarded-port": "443",
        "x-forwarded-for": "203.0.113.7",
        "user-agent": "NomadCrew/1.0 (package test)",
        **{k.lower(): v for k, v in (headers or {}).items()},
    }
    return {
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": raw_path,
        "rawQueryString": "",
        "headers": all_headers,
        "requestContext": {
            "accountId": ACCOUNT,
            "apiId": API_HOST.split(".")[0],
            "domainName": API_HOST,
            "http": {
                "method": method,
                "path": raw_path,
                "protocol": "HTTP/1.1",
                "sourceIp": "203.0.113.7",
                "userAgent": all_headers["user-agent"],
            },
            "requestId": str(uuid.uuid4()),
            "routeKey": "$default",
            "stage": stage,
            "time": datetime.now(UTC).strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "timeEpoch": int(datetime.now(UTC).timestamp() * 1000),
        },
        "isBase64Encoded": False,
    }


def scheduled_event(rule_name: str, kwargs: dict | None = None) -> dict:
    """What Zappa's EventBridge rule target sends (its InputTemplate)."""
    return {
        "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": ACCOUNT,
        "region": "us-east-1",
        "detail": {},
        "version": "0",
        "resources": [f"arn:aws:events:us-east-1:{ACCOUNT}:rule/{rule_name}"],
        "id": str(uuid.uuid4()),
        "kwargs": kwargs or {},
    }


def async_task_event(task_path: str, *args, **kwargs) -> dict:
    """A ``zappa.asynchronous`` task as LambdaAsyncResponse invokes the function with it."""
    return {
        "task_path": task_path,
        "capture_response": False,
        "response_id": None,
        "args": list(args),
        "kwargs": kwargs,
        "command": "zappa.asynchronous.route_lambda_task",
    }


def ws_event(route: str, connection_id: str, *, body=None, query=None, headers=None) -> dict:
    """An event as API Gateway's WebSocket API hands it to Lambda."""
    event_type = {"$connect": "CONNECT", "$disconnect": "DISCONNECT"}.get(route, "MESSAGE")
    request_context = {
        "routeKey": route,
        "eventType": event_type,
        "extendedRequestId": uuid.uuid4().hex,
        "requestTime": "23/Nov/2026:10:00:00 +0000",
        "messageDirection": "IN",
        "stage": "dev",
        "connectedAt": 1795428000000,
        "requestTimeEpoch": 1795428000000,
        "identity": {"sourceIp": "203.0.113.7", "userAgent": "okhttp/4.9.2"},
        "requestId": uuid.uuid4().hex,
        "domainName": "abc123.execute-api.us-east-1.amazonaws.com",
        "connectionId": connection_id,
        "apiId": "abc123",
    }
    event: dict = {"requestContext": request_context, "isBase64Encoded": False}
    if route == "$connect":
        event["headers"] = {
            "Host": "abc123.execute-api.us-east-1.amazonaws.com",
            "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
            "Sec-WebSocket-Version": "13",
            "X-Forwarded-For": "203.0.113.7",
            **(headers or {}),
        }
        event["multiValueHeaders"] = {k: [v] for k, v in event["headers"].items()}
        if query:
            event["queryStringParameters"] = dict(query)
            event["multiValueQueryStringParameters"] = {k: [v] for k, v in query.items()}
    elif route == "$disconnect":
        request_context.update({"disconnectStatusCode": 1001, "disconnectReason": "Going away"})
        event["headers"] = {"Host": "abc123.execute-api.us-east-1.amazonaws.com"}
    else:
        request_context["messageId"] = uuid.uuid4().hex[:16]
        event["body"] = body if isinstance(body, str) or body is None else json.dumps(body)
    return event


def cognito_migration_event(source: str, username: str, password: str | None = None) -> dict:
    """What Cognito sends its User Migration trigger (``UserMigration_Authentication`` with the
    password typed, ``UserMigration_ForgotPassword`` without); Zappa routes it by triggerSource."""
    request = {"validationData": None, "clientMetadata": None}
    if password is not None:
        request["password"] = password
    return {
        "version": "1",
        "triggerSource": source,
        "region": "us-east-1",
        "userPoolId": "us-east-1_Example",
        "userName": username,
        "callerContext": {"awsSdkVersion": "aws-sdk-unknown", "clientId": "mobile"},
        "request": request,
        "response": {
            "userAttributes": None,
            "forceAliasCreation": None,
            "finalUserStatus": None,
            "messageAction": None,
            "desiredDeliveryMediums": None,
        },
    }


def body_bytes(response: dict) -> bytes:
    body = response.get("body") or ""
    return base64.b64decode(body) if response.get("isBase64Encoded") else body.encode()


def json_body(response: dict):
    return json.loads(body_bytes(response))


def header(response: dict, name: str) -> str | None:
    for key, value in (response.get("headers") or {}).items():
        if key.lower() == name.lower():
            return value
    return None
