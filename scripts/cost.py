"""The monthly AWS bill of the prod stage at the stated traffic, 10x and 100x (markdown table).

    .venv/bin/python scripts/cost.py        # or: make cost

Every figure is a named input below: traffic assumptions (state yours and re-run), what this
project measured (docs/performance.md, README), and AWS's public on-demand prices for us-east-1
(list prices as published in 2025; not fetched at run time, re-check them before budgeting).
docs/cost.md explains the model and what cuts the biggest items.
"""

import argparse
from dataclasses import dataclass

HOURS = 730  # hours in a month, as AWS bills
PRICES_AS_OF = "AWS list prices, us-east-1, on-demand, as published in 2025"

# --- Traffic at 1x (the design's starting point; 10x and 100x scale the user counts) ----------
DAILY_ACTIVE_USERS = 500
API_REQUESTS_PER_ACTIVE_USER_PER_DAY = 150  # the load mix: history, trip list, chat, locations
SOCKET_MINUTES_PER_ACTIVE_USER_PER_DAY = 60  # app in the foreground
SOCKET_EVENTS_PER_SOCKET_MINUTE = 1  # chat, typing, locations pushed to the phone
EMAILS_PER_ACTIVE_USER_PER_MONTH = 2  # invitations, verification
MEDIA_GB_PER_ACTIVE_USER = 0.05  # photos in chat and wallet documents
LOG_BYTES_PER_INVOCATION = 1500  # one access-log line, Lambda's START/END/REPORT, EMF line

# --- Measured (docs/performance.md "make bench", README cold start) --------------------------
API_MS_PER_REQUEST = 45  # in-process p50 3-33 ms (mean ~17) + round trips to Aurora via the proxy
SOCKET_ROUTE_MS = 15  # a pong or subscribe through apps.realtime.lambda_ws
SCHEDULE_MS = 300  # a schedule's run, including its posts (ping_connections every minute)
COLD_START_SHARE = 0.002  # environments restored per invocation (SnapStart restores)
MEMORY_GB = 2.0  # zappa_settings.json prod memory_size 2048
PINGS_PER_SOCKET_MINUTE = 2  # apps.realtime.tasks.ping_connections, each answered by a pong

# --- Prices -----------------------------------------------------------------------------------
LAMBDA_PER_MILLION_REQUESTS = 0.20
LAMBDA_PER_GB_SECOND = 0.0000166667  # x86_64 (arm64: 0.0000133334)
SNAPSTART_CACHE_PER_GB_SECOND = 0.0000015046
SNAPSTART_RESTORE_PER_GB = 0.0001397998
REST_API_PER_MILLION = 3.50  # HTTP API: 1.00
WS_PER_MILLION_MESSAGES = 1.00
WS_PER_MILLION_CONNECTION_MINUTES = 0.25
AURORA_PER_ACU_HOUR = 0.12  # Serverless v2, Aurora Standard
AURORA_STORAGE_PER_GB_MONTH = 0.10
AURORA_IO_PER_MILLION = 0.20
RDS_PROXY_PER_ACU_HOUR = 0.015  # billed on at least 8 ACUs for Serverless v2
NAT_PER_HOUR = 0.045
NAT_PER_GB = 0.045
INTERFACE_ENDPOINT_PER_AZ_HOUR = 0.01
S3_PER_GB_MONTH = 0.023
S3_PER_THOUSAND_PUTS = 0.005
S3_PER_THOUSAND_GETS = 0.0004
SES_PER_THOUSAND = 0.10
LOGS_INGEST_PER_GB = 0.50
LOGS_STORE_PER_GB_MONTH = 0.03
METRIC_PER_MONTH = 0.30
ALARM_PER_MONTH = 0.10
DASHBOARD_PER_MONTH = 3.00
XRAY_PER_MILLION_TRACES = 5.00  # first 100,000 a month free
SECRET_PER_MONTH = 0.40
KMS_KEY_PER_MONTH = 1.00

# --- The stack (infrastructure/*.yaml) --------------------------------------------------------
INTERFACE_ENDPOINTS = 4  # Secrets Manager, Lambda, SNS, Cognito
AVAILABILITY_ZONES = 2
SECRETS = 2
EMF_METRICS = 3 * 12 + 9  # Requests/Latency/Errors by ~12 route groups, 9 business metrics
ALARMS = 12
SCHEDULE_INVOCATIONS_PER_MONTH = 43_800 + 8 * 2_000  # ping every minute; others hourly or less
XRAY_SAMPLE = 0.05  # the default rule: 1 a second, then 5%


@dataclass(frozen=True)
class Scale:
    factor: int
    aurora_acu: float  # average ACUs: 0.5 is the prod minimum (docs/deploy.md)
    nat_gb: float  # Expo push, Open-Meteo, SES API, JWKS through the NAT


SCALES = [Scale(1, 0.5, 5), Scale(10, 1.0, 40), Scale(100, 4.0, 400)]


def bill(scale: Scale) -> dict[str, float]:
    users = DAILY_ACTIVE_USERS * scale.factor
    api_requests = users * API_REQUESTS_PER_ACTIVE_USER_PER_DAY * 30
    socket_minutes = users * SOCKET_MINUTES_PER_ACTIVE_USER_PER_DAY * 30
    pongs = socket_minutes * PINGS_PER_SOCKET_MINUTE
    socket_messages = socket_minutes * (
        SOCKET_EVENTS_PER_SOCKET_MINUTE + 2 * PINGS_PER_SOCKET_MINUTE
    )
    invocations = api_requests + pongs + SCHEDULE_INVOCATIONS_PER_MONTH
    gb_seconds = (
        MEMORY_GB
        * (
            api_requests * API_MS_PER_REQUEST
            + pongs * SOCKET_ROUTE_MS
            + SCHEDULE_INVOCATIONS_PER_MONTH * SCHEDULE_MS
        )
        / 1000
    )
    restores = invocations * COLD_START_SHARE
    media_gb = users * MEDIA_GB_PER_ACTIVE_USER
    log_gb = invocations * LOG_BYTES_PER_INVOCATION / 1e9
    return {
        "Lambda requests and GB-seconds": invocations / 1e6 * LAMBDA_PER_MILLION_REQUESTS
        + gb_seconds * LAMBDA_PER_GB_SECOND,
        "Lambda SnapStart cache and restores": MEMORY_GB
        * HOURS
        * 3600
        * SNAPSTART_CACHE_PER_GB_SECOND
        + restores * MEMORY_GB * SNAPSTART_RESTORE_PER_GB,
        "API Gateway REST requests": api_requests / 1e6 * REST_API_PER_MILLION,
        "API Gateway WebSocket messages and minutes": socket_messages
        / 1e6
        * WS_PER_MILLION_MESSAGES
        + socket_minutes / 1e6 * WS_PER_MILLION_CONNECTION_MINUTES,
        "Aurora Serverless v2 (ACU-hours, storage, I/O)": scale.aurora_acu
        * HOURS
        * AURORA_PER_ACU_HOUR
        + (5 * scale.factor**0.5) * AURORA_STORAGE_PER_GB_MONTH
        + api_requests * 8 / 1e6 * AURORA_IO_PER_MILLION,
        "RDS Proxy (8-ACU minimum)": max(8, scale.aurora_acu) * HOURS * RDS_PROXY_PER_ACU_HOUR,
        "NAT gateway (hours and data)": HOURS * NAT_PER_HOUR + scale.nat_gb * NAT_PER_GB,
        "VPC interface endpoints": INTERFACE_ENDPOINTS
        * AVAILABILITY_ZONES
        * HOURS
        * INTERFACE_ENDPOINT_PER_AZ_HOUR,
        "S3 (media storage and requests)": media_gb * S3_PER_GB_MONTH
        + users * 30 / 1000 * S3_PER_THOUSAND_PUTS
        + users * 300 / 1000 * S3_PER_THOUSAND_GETS,
        "SES": users * EMAILS_PER_ACTIVE_USER_PER_MONTH / 1000 * SES_PER_THOUSAND,
        "CloudWatch (logs, EMF metrics, alarms, dashboard)": log_gb
        * (LOGS_INGEST_PER_GB + LOGS_STORE_PER_GB_MONTH)
        + EMF_METRICS * METRIC_PER_MONTH
        + ALARMS * ALARM_PER_MONTH
        + DASHBOARD_PER_MONTH,
        "X-Ray traces": max(0, invocations * XRAY_SAMPLE - 100_000) / 1e6 * XRAY_PER_MILLION_TRACES,
        "Secrets Manager, KMS": SECRETS * SECRET_PER_MONTH + KMS_KEY_PER_MONTH,
    }


def table() -> str:
    bills = [bill(scale) for scale in SCALES]
    header = "| item | " + " | ".join(
        f"{s.factor}x ({DAILY_ACTIVE_USERS * s.factor:,} daily users)" for s in SCALES
    )
    lines = [header + " |", "|---" + "|---:" * len(SCALES) + "|"]
    for item in bills[0]:
        lines.append(f"| {item} | " + " | ".join(f"${b[item]:,.2f}" for b in bills) + " |")
    totals = [sum(b.values()) for b in bills]
    lines.append("| **total per month** | " + " | ".join(f"**${t:,.0f}**" for t in totals) + " |")
    return "\n".join(lines)


def main(argv=None) -> None:
    argparse.ArgumentParser(description=__doc__.split("\n\n")[0]).parse_args(argv)
    print(f"Monthly cost of the prod stage ({PRICES_AS_OF}).\n")
    print(table())
    print(
        "\nTraffic at 1x: "
        f"{DAILY_ACTIVE_USERS} daily active users, {API_REQUESTS_PER_ACTIVE_USER_PER_DAY} API "
        f"requests and {SOCKET_MINUTES_PER_ACTIVE_USER_PER_DAY} socket minutes each a day; "
        f"{API_MS_PER_REQUEST} ms billed per API request at {MEMORY_GB:g} GB. "
        "Design estimate: $185-315 a month."
    )


if __name__ == "__main__":
    main()
