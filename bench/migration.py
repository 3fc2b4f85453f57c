"""``make bench-migration``: time, rows/s and peak memory of ``import_legacy`` at realistic size.

Builds the old database with ``bench/legacy_dataset.py`` (``nc_legacy_src_bench``), migrates an
empty target (``nc_legacy_bench``, both on the server of DATABASE_URL), then runs, each as its own
process so its peak resident memory is its own: a full import, a no-change pass (watermarks),
a no-change pass over every row (``--full``) and ``--verify``. Prints a markdown table. Settings
are production's (DJANGO_DEBUG=false, a throwaway secret key), so no query log grows in memory.
"""

import os
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import legacy_dataset  # noqa: E402 - after the path is set

TARGET = "nc_legacy_bench"


def run(argv: list[str], env: dict) -> tuple[float, int, int]:
    """Wall seconds, peak RSS (KiB) and exit status of one child process."""
    with tempfile.TemporaryFile() as log:
        started = time.monotonic()
        child = subprocess.Popen(argv, env=env, cwd=ROOT, stdout=log, stderr=log)  # noqa: S603 - our own command
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.monotonic() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        if child.returncode:
            log.seek(0)
            sys.stderr.write(log.read().decode()[-4000:])
    return seconds, usage.ru_maxrss, child.returncode


def main() -> int:
    base = legacy_dataset.server_url()
    started = time.monotonic()
    source = legacy_dataset.create(base)
    counts = legacy_dataset.generate(source, legacy_dataset.Spec())
    seeded = time.monotonic() - started
    rows = sum(n for t, n in counts.items() if t not in ("expenses", "chat_groups"))
    target = legacy_dataset.create_empty(base, TARGET)
    env = {
        **os.environ,
        "DATABASE_URL": target,
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(40),
        "LEGACY_DATABASE_URL": source,
    }
    manage = [sys.executable, "manage.py"]
    _, _, status = run([*manage, "migrate", "--noinput", "-v0"], env)
    if status:
        return status
    steps = [
        ("full import", ["import_legacy"]),
        ("no-change pass (watermarks)", ["import_legacy"]),
        ("no-change pass over every row (--full)", ["import_legacy", "--full"]),
        ("--verify", ["import_legacy", "--verify"]),
    ]
    load = os.getloadavg()[0]
    print(
        f"Old database: {sum(counts.values()):,} rows ({rows:,} read by the import), seeded in "
        f"{seeded:.1f} s. Load average before: {load:.2f} on {os.cpu_count()} CPUs."
    )
    print()
    print("| Step | Seconds | Rows/s | Peak memory | Load (1 min) |")
    print("|---|---:|---:|---:|---:|")
    worst = 0
    for name, argv in steps:
        seconds, peak_kib, status = run([*manage, *argv], env)
        worst = worst or status
        rate = f"{rows / seconds:,.0f}" if name != "no-change pass (watermarks)" else "-"
        print(f"| {name} | {seconds:.1f} | {rate} | {peak_kib / 1024:.0f} MB | "
              f"{os.getloadavg()[0]:.2f} |")  # fmt: skip
    return worst


if __name__ == "__main__":
    sys.exit(main())
