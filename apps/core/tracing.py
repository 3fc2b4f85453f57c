"""AWS X-Ray subsegments for what a request or task waits on, when ``XRAY_TRACING`` is on (set
beside Zappa's ``xray_tracing`` in the stage, which turns on Lambda's active tracing).

Lambda opens the invocation's segment; the SDK adds a subsegment per SQL statement (Django's
cursors, whatever the connection pool), per AWS call through botocore (S3, Cognito, Secrets
Manager, KMS, SES, API Gateway's @connections) and per outbound ``requests`` call (Expo push,
Open-Meteo). Zappa's async tasks are ``lambda:Invoke`` calls, so the botocore patch sends the
queuing request's trace header with them and Lambda continues that trace in the task's
invocation. The SDK is imported only where tracing is on (it costs ~130 ms to import and ~60 ms
to configure, in the init phase: docs/performance.md, "Tracing overhead").
"""

import logging

from django.conf import settings

_configured = False


def configure() -> bool:
    """Patch once, before the first request; True if tracing is on."""
    global _configured
    if _configured or not settings.XRAY_TRACING:
        return _configured
    from aws_xray_sdk.core import patch, xray_recorder
    from aws_xray_sdk.ext.django.db import patch_db

    xray_recorder.configure(
        service=settings.METRICS_SERVICE,
        # Init, `manage` events and local runs have no segment: nothing to attach to, no noise.
        context_missing="IGNORE_ERROR",
    )
    patch(("botocore", "requests"))
    patch_db()
    # Outside a segment the recorder warns once per SQL statement (init, `manage` events).
    logging.getLogger("aws_xray_sdk.core.recorder").setLevel(logging.ERROR)
    _configured = True
    return True
