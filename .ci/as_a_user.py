"""What a user runs, with rassegna installed from the wheel in a fresh venv, outside the checkout.

Run by .ci/run with that venv's python: `VENV/bin/python .ci/as_a_user.py`. It prints every
command and its output, and exits 1 at the first that does not do what it should:

1. the commands of .github/workflows/pages.yml (all but its `pip install .`), on a copy of
   content/ alone, for a project-site address as configure-pages gives it;
2. `rassegna init proj`, then `rassegna build` and `rassegna serve` in it (a page fetched);
   its own workflow's commands; a build from proj/content/articles; a templates/404.html
   that overrides that page alone; `language: de` giving German dates.
"""

from __future__ import annotations

import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent  # the venv the wheel is installed in
PAGES_URL = "https://someone.github.io/archive"  # what configure-pages reports for a project site


def run(command: str, cwd: Path, expect: int = 0) -> str:
    print(f"\n$ {command}    (in {cwd.name}/)", flush=True)
    env = {"PATH": f"{BIN}:/usr/bin:/bin", "HOME": str(cwd), "LANG": "C.UTF-8"}
    done = subprocess.run(["bash", "-c", command], cwd=cwd, env=env, capture_output=True, text=True)
    output = done.stdout + done.stderr
    print(output.rstrip(), flush=True)
    if done.returncode != expect:
        sys.exit(f"FAILED: exit {done.returncode}, not {expect}: {command}")
    return output


def workflow_commands(path: Path) -> list[str]:
    """The `run:` steps of the build job, but the install (rassegna is installed already)."""
    steps = yaml.safe_load(path.read_text(encoding="utf-8"))["jobs"]["build"]["steps"]
    commands = [step["run"] for step in steps if "run" in step and not step["run"].startswith("pip install")]
    return [command.replace("${{ steps.pages.outputs.base_url }}", PAGES_URL) for command in commands]


def check(condition: bool, what: str) -> None:
    if not condition:
        sys.exit(f"FAILED: {what}")
    print(f"ok: {what}", flush=True)


def serve_once(project: Path) -> None:
    """`rassegna serve --port 0`: wait for its address, fetch the home page, stop it with Ctrl-C."""
    print(f"\n$ rassegna serve --port 0    (in {project.name}/)", flush=True)
    server = subprocess.Popen(
        [str(BIN / "rassegna"), "serve", "--port", "0"],
        cwd=project,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert server.stdout is not None
    deadline, url = time.monotonic() + 60, None
    while url is None and time.monotonic() < deadline:
        line = server.stdout.readline()
        print(line.rstrip(), flush=True)
        if match := re.search(r"serving \S+ at (http://\S+)", line):
            url = match[1]
        if not line and server.poll() is not None:
            break
    check(url is not None, "rassegna serve says where it serves")
    with urllib.request.urlopen(str(url), timeout=10) as response:
        page = response.read().decode("utf-8")
    check(response.status == 200 and "/__rassegna__/events" in page, f"GET {url}: the home page, with live reload")
    server.send_signal(signal.SIGINT)
    rest = server.communicate(timeout=30)[0]
    print(rest.rstrip(), flush=True)
    check(server.returncode == 0 and "stopped" in rest, "Ctrl-C stops the server")


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="as-a-user-") as folder:
        work = Path(folder)
        run("rassegna --version", work)

        fork = work / "fork"  # the repository's archive, without the checkout's templates/ or package
        shutil.copytree(REPO / "content", fork / "content")
        for command in workflow_commands(REPO / ".github/workflows/pages.yml"):
            run(command, fork)
        home = (fork / "site/index.html").read_text(encoding="utf-8")
        check('href="/archive/assets/style.css' in home, "the Pages build links under /archive/")

        run("rassegna init proj", work)
        project = work / "proj"
        run("rassegna build", project)
        serve_once(project)
        for command in workflow_commands(project / ".github/workflows/pages.yml"):
            run(command, project)
        run("rassegna clean", project)

        output = run("rassegna build", project / "content/articles")
        check((project / "site/index.html").is_file(), "a build from proj/content/articles/ writes proj/site/")
        check("into ../../site" in output, "it names the site relative to where the user stands")

        (project / "templates").mkdir()
        (project / "templates/404.html").write_text("<!doctype html><title>Lost</title><p>Not here.\n")
        run("rassegna build", project)
        check("Not here." in (project / "site/404.html").read_text(), "templates/404.html overrides the 404 page")
        check("Not here." not in (project / "site/index.html").read_text(), "and no other page")

        site_yml = project / "content/site.yml"
        site_yml.write_text(site_yml.read_text().replace("language: en", "language: de"))
        article = next((project / "content/articles").glob("*.md"))
        article.write_text(re.sub(r"\ndate: .*\n", "\ndate: 2025-03-01\n", article.read_text(), count=1))
        output = run("rassegna build", project)
        page = (project / "site/articles" / article.stem / "index.html").read_text(encoding="utf-8")
        check("1. März 2025" in page, "language: de shows German dates (1. März 2025)")
        check("no catalog of UI strings for language 'de'" in output, "and warns that its labels are English")
    print("\nas a user: everything worked")


if __name__ == "__main__":
    main()
