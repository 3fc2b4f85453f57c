"""`make cost` prints the monthly bill as a table: every priced item, the three traffic levels,
totals that grow with traffic, the region and date of the prices, the design's estimate."""

import re
import subprocess

from tests.package.conftest import ROOT


def test_make_cost_prints_the_table():
    result = subprocess.run(
        ["make", "-s", "-o", ".venv/.runtime", "cost"],  # noqa: S607 - the target under test
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    out = result.stdout
    assert "us-east-1" in out
    assert "2025" in out
    assert "$185-315" in out
    rows = [line for line in out.splitlines() if line.startswith("| ")]
    assert rows[0].startswith("| item | 1x")
    assert "10x" in rows[0]
    assert "100x" in rows[0]
    items = {row.split(" | ")[0].removeprefix("| ") for row in rows[1:]}
    for item in (
        "Lambda",
        "REST",
        "WebSocket",
        "Aurora",
        "RDS Proxy",
        "NAT",
        "S3",
        "SES",
        "CloudWatch",
    ):
        assert any(item in name for name in items), item
    totals = [float(t.replace(",", "")) for t in re.findall(r"\*\*\$([\d,]+)\*\*", rows[-1])]
    assert len(totals) == 3
    assert totals[0] < totals[1] < totals[2]
