"""The publishing workflow: valid for GitHub Actions, and doing what the README says it does."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest
import yaml

from conftest import ROOT
from lstmdyn.profiles import PROFILES

WORKFLOW = ROOT / ".github" / "workflows" / "book.yml"
PAPER = ROOT / ".github" / "workflows" / "paper.yml"


@pytest.mark.parametrize("workflow", [WORKFLOW, PAPER], ids=lambda p: p.name)
def test_the_workflow_is_valid_against_the_github_workflow_schema(workflow):
    result = subprocess.run([sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows",
                             str(workflow)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_paper_workflow_keeps_runs_on_a_runner_chosen_by_a_setting_and_proposes_them():
    flow = yaml.safe_load(PAPER.read_text())
    assert set(flow[True]) == {"workflow_dispatch"}  # by hand only: hours of a machine
    job = flow["jobs"]["keep"]
    assert job["runs-on"] == "${{ vars.PAPER_RUNNER_LABEL || 'self-hosted' }}"
    runs = "\n".join(step.get("run", "") for step in job["steps"])
    assert '--profile paper --keep' in runs and "tests/test_kept.py" in runs and "gh pr create" in runs


@pytest.mark.skipif(shutil.which("actionlint") is None, reason="actionlint is not on PATH")
def test_actionlint_finds_nothing():
    result = subprocess.run(["actionlint", str(WORKFLOW)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_workflow_builds_at_a_chosen_profile_tests_and_deploys_the_site():
    flow = yaml.safe_load(WORKFLOW.read_text())
    triggers = flow[True]  # YAML 1.1 reads the key `on` as True
    assert triggers["push"]["branches"] == ["main"]
    assert tuple(triggers["workflow_dispatch"]["inputs"]["profile"]["options"]) == PROFILES
    build = flow["jobs"]["build"]
    runs = [step.get("run", "") for step in build["steps"]]
    assert any('make book PROFILE="$PROFILE"' in r for r in runs) and any(r == "make test" for r in runs)
    assert any("lstmdyn keys" in r for r in runs)  # the chapter cache is keyed by the runner's own keys
    upload = next(s for s in build["steps"] if s.get("uses", "").startswith("actions/upload-pages-artifact"))
    assert upload["with"]["path"] == "_build/html"
    assert build["env"]["LSTMDYN_REPOSITORY"] == "https://github.com/${{ github.repository }}"
    assert flow["jobs"]["deploy"]["needs"] == "build"
