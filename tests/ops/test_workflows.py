""".github/workflows: actionlint finds nothing (and does find a broken workflow, so the check can
fail), and the pipeline does what issue 17 asks: tests with PostgreSQL and Redis on pull requests
and main; dev from main, prod from a tag in a protected environment, each through OIDC with no
stored AWS keys, smoke-tested, and prod rolled back when its smoke test fails."""

import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
ACTIONLINT = Path(sys.executable).with_name("actionlint")


def actionlint(*paths: Path) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 - the linter on workflow files
        [str(ACTIONLINT), "-no-color", *map(str, paths)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def pipeline() -> dict:
    return yaml.safe_load((ROOT / ".github" / "workflows" / "pipeline.yml").read_text())


def test_actionlint_passes_every_workflow():
    assert WORKFLOWS
    result = actionlint(*WORKFLOWS)
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_reports_a_broken_workflow(tmp_path):
    broken = tmp_path / ".github" / "workflows" / "broken.yml"
    broken.parent.mkdir(parents=True)
    broken.write_text(
        "on: push\njobs:\n  test:\n    runs-on: ubuntu-24.04\n    steps:\n"
        "      - run: echo ${{ github.nonexistent_context }}\n      - uses: actions/checkout\n"
    )
    result = actionlint(broken)
    assert result.returncode == 1
    assert "broken.yml" in result.stdout


def test_pull_requests_and_main_run_make_test_with_postgres_and_redis():
    workflow = pipeline()
    triggers = workflow[True]  # YAML 1.1 reads the key `on` as true
    assert "pull_request" in triggers
    assert triggers["push"]["branches"] == ["main"]
    test = workflow["jobs"]["test"]
    assert set(test["services"]) == {"postgres", "redis"}
    assert any(step.get("run") == "make test" for step in test["steps"])
    assert "id-token" not in str(workflow.get("permissions"))  # only deploy jobs get tokens


def _runs(job: dict) -> list[str]:
    return [step.get("run", "") for step in job["steps"]]


def test_main_goes_to_dev_and_is_smoke_tested():
    job = pipeline()["jobs"]["deploy-dev"]
    assert job["needs"] == "test"
    assert "refs/heads/main" in job["if"]
    assert "environment" not in job  # an environment would change the token's subject
    runs = _runs(job)
    assert runs.index("make package STAGE=dev") < runs.index(
        "scripts/zappa update dev --zip build/nomadcrew-dev.zip"
    )
    assert runs[-1].startswith('make smoke URL="${{ vars.DEV_API_URL }}"')


def test_a_tag_goes_to_prod_behind_its_environment_and_rolls_back_on_a_failed_smoke():
    job = pipeline()["jobs"]["deploy-prod"]
    assert "refs/tags/v" in job["if"]
    assert job["environment"]["name"] == "production"
    steps = {step.get("name"): step for step in job["steps"]}
    assert steps["Update"]["run"] == "scripts/zappa update prod --zip build/nomadcrew-prod.zip"
    assert steps["Smoke"]["id"] == "smoke"
    rollback = steps["Roll back to the previous version"]
    assert rollback["run"] == "scripts/zappa rollback prod -n 1"
    assert rollback["if"] == "failure() && steps.smoke.outcome == 'failure'"


def test_aws_access_is_oidc_only():
    text = "\n".join(path.read_text() for path in WORKFLOWS)
    assert "aws-access-key-id" not in text
    assert "AWS_SECRET_ACCESS_KEY" not in text
    for name in ("deploy-dev", "deploy-prod"):
        job = pipeline()["jobs"][name]
        assert job["permissions"] == {"contents": "read", "id-token": "write"}
        (credentials,) = [
            step for step in job["steps"] if "configure-aws-credentials" in step.get("uses", "")
        ]
        stage = name.removeprefix("deploy-")
        assert credentials["with"]["role-to-assume"].endswith(
            f":role/nomadcrew-{stage}-github-deploy"
        )
