"""Plays Lambda's Python runtime for the unzipped package, in a fresh interpreter.

Run as ``python -I -S lambda_runner.py TASK_ROOT [RUNTIME_SITE_PACKAGES...]``: no site-packages,
no user site, no PYTHONPATH, so the process sees the standard library, the package (first, as
/var/task is on Lambda) and the folders named after it (the SDK the runtime ships). Reads one
JSON request per line on stdin (``{"event": ...}``), calls ``handler.lambda_handler`` and writes
one JSON line per request to the original stdout; whatever the app prints goes to stderr.
"""

import json
import os
import sys
import time
import traceback
import uuid


class LambdaContext:
    """The attributes Zappa and the app read from Lambda's context object."""

    function_name = "nomadcrew-dev"
    function_version = "$LATEST"
    memory_limit_in_mb = 1024
    log_group_name = "/aws/lambda/nomadcrew-dev"
    log_stream_name = "2026/01/01/[$LATEST]0123456789abcdef"
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:nomadcrew-dev"

    def __init__(self, timeout_seconds: float = 29):
        self.aws_request_id = str(uuid.uuid4())
        self._deadline = time.monotonic() + timeout_seconds

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def main() -> None:
    protocol = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)
    task_root, *runtime_paths = sys.argv[1:]
    sys.path[:0] = [task_root, *runtime_paths]
    os.chdir(task_root)

    started = time.perf_counter()
    import handler  # Lambda's init phase: Zappa builds the app on import

    init_seconds = time.perf_counter() - started
    protocol.write(json.dumps({"ready": True, "init_seconds": init_seconds}) + "\n")
    for line in sys.stdin:
        request = json.loads(line)
        started = time.perf_counter()
        try:
            result = handler.lambda_handler(request["event"], LambdaContext())
            answer = {"result": result}
        except Exception as exc:
            answer = {"error": repr(exc), "traceback": traceback.format_exc()}
        answer["seconds"] = time.perf_counter() - started
        protocol.write(json.dumps(answer, default=str) + "\n")


if __name__ == "__main__":
    main()
