"""A newcomer's first hour, scripted in a real pseudo-terminal: `mlcrew new` → its next steps → onboarding.

One project, made the way a person makes it (copier's own prompts, answered with keys), set up by
running the next steps `mlcrew new` prints exactly as printed, given a real model by the README's
pipeline command, then onboarded once per role. Every check must pass for every role, and nothing
the project already had may change: the only new files are the five onboarding records.

The `mlcrew onboard --non-interactive` run that docs/onboarding-session.md shows as its transcript
is made here too, and compared with the page: set MLCREW_UPDATE_TRANSCRIPT=1 to rewrite the page's
transcript from this run (after a change to the template's documents or to onboarding's output).
"""

from __future__ import annotations

import io
import os
import re
import sys
from pathlib import Path

import pexpect
import pytest
import yaml
from helpers import ROOT, fingerprint, flat, git

from mlcrew.onboard import ROLES
from mlcrew.onboard_checks import CHECKS

ANSWERS = {
    "project_name": "Fraud Lens",
    "description": "Flags card payments for a fraud analyst's review.",
    "team_name": "Payments Risk",
    "owner_email": "payments-risk@example.org",
}
"""What the newcomer types; every other question takes its default (Enter)."""

DOCS_PAGE = ROOT / "docs" / "onboarding-session.md"
TRANSCRIPT = re.compile(r"(<!-- transcript:start -->\n```text\n)(.*?)(```\n<!-- transcript:end -->)", re.DOTALL)
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
PIP_UV = "python -m pip install uv && "
"""uv is installed on every test machine; `pip` is not in every environment (uv's venvs lack it)."""


def asked_questions() -> list[tuple[str, str]]:
    """(name, first words of its help) for every question copier asks, in copier.yml's order."""
    config = yaml.safe_load((ROOT / "copier.yml").read_text(encoding="utf-8"))
    return [
        (name, " ".join(str(spec.get("help") or name).split())[:40])
        for name, spec in config.items()
        if not name.startswith("_") and isinstance(spec, dict) and spec.get("when") is not False
    ]


def spawn(command: str, args: list[str], cwd: Path, log: io.StringIO, timeout: float = 600) -> pexpect.spawn:
    child = pexpect.spawn(
        command,
        args,
        cwd=str(cwd),
        env={**os.environ, "PROMPT_TOOLKIT_NO_CPR": "1", "TERM": "xterm"},
        encoding="utf-8",
        codec_errors="replace",
        timeout=timeout,
        dimensions=(40, 120),
    )
    child.logfile_read = log
    return child


def finish(child: pexpect.spawn) -> int:
    child.expect(pexpect.EOF)
    child.close()
    return int(child.exitstatus if child.exitstatus is not None else -1)


def shell(command: str, cwd: Path) -> str:
    """Run a printed command in a terminal exactly as a person pastes it; its output, or a failure."""
    log = io.StringIO()
    code = finish(spawn("bash", ["-c", command], cwd, log))
    assert code == 0, f"`{command}` exited {code}:\n{log.getvalue()[-4000:]}"
    return log.getvalue()


def create(where: Path) -> list[str]:
    """`mlcrew new fraud-lens`, answering copier's prompts; the next steps it prints."""
    log = io.StringIO()
    child = spawn(sys.executable, ["-m", "mlcrew", "new", "fraud-lens"], where, log, timeout=120)
    for name, help_text in asked_questions():
        child.expect_exact(help_text)
        if name in ANSWERS:
            child.send("\x15" + ANSWERS[name])  # Ctrl-U clears the default first
        child.send("\r")
    child.expect_exact("Next steps:")
    assert finish(child) == 0, log.getvalue()
    printed = ANSI.sub("", log.getvalue()).split("Next steps:")[1]
    return [line.split(" # ")[0].strip() for line in printed.strip().splitlines() if line.strip()]


def onboard_interactively(project: Path, role: str) -> tuple[str, Path]:
    """One participant's whole session, Enter at every prompt; the output and the record it wrote."""
    log = io.StringIO()
    child = spawn(sys.executable, ["-m", "mlcrew", "onboard", "--role", role], project, log)
    child.expect_exact("Your name")
    child.send(f"\x15Newcomer {ROLES[role]}\r")
    # The checks are done; had one failed, onboarding would ask whether to go on.
    assert child.expect_exact(["one section at a time", "Continue the walkthrough anyway"]) == 0, log.getvalue()
    while child.expect([r"\[\d+/\d+\] ", "Your exercise as"]) == 0:
        child.expect_exact("Use arrow keys")
        child.send("\r")
    child.expect_exact("Use arrow keys")
    child.send("\r")
    child.expect_exact("Anything else to note")
    child.send("\r")
    child.expect(r"Wrote (docs/onboarding/\S+\.md)\. Commit it for the team:\s+([^\r\n]+)")
    record, commit = child.match.group(1), child.match.group(2)
    assert finish(child) == 0, log.getvalue()
    shell(ANSI.sub("", commit).strip(), project)  # the record, committed as the session says
    return ANSI.sub("", log.getvalue()), project / record


def transcript_of(project: Path) -> str:
    """The page's transcript: `mlcrew onboard --non-interactive --role data-scientist` in the project."""
    log = io.StringIO()
    command = [sys.executable, "-m", "mlcrew", "onboard", "--non-interactive", "--role", "data-scientist"]
    child = pexpect.spawn(
        command[0],
        command[1:],
        cwd=str(project),
        env={**os.environ, "COLUMNS": "100"},
        encoding="utf-8",
        timeout=600,
    )
    child.logfile_read = log
    assert finish(child) == 0, log.getvalue()
    output = log.getvalue().replace("\r\n", "\n")
    output = re.sub(r" in \d+\.\d+s\)", " in 9.99s)", output)  # pytest's timing is the one thing that varies
    return f"$ cd fraud-lens\n$ mlcrew onboard --non-interactive --role data-scientist\n{output}"


def check_transcript(real: str) -> None:
    """docs/onboarding-session.md shows this run's output (rewritten with MLCREW_UPDATE_TRANSCRIPT=1)."""
    page = DOCS_PAGE.read_text(encoding="utf-8")
    match = TRANSCRIPT.search(page)
    assert match, f"{DOCS_PAGE} has no transcript block"
    if os.environ.get("MLCREW_UPDATE_TRANSCRIPT") == "1":
        DOCS_PAGE.write_text(page[: match.start(2)] + real + page[match.end(2) :], encoding="utf-8")
        return
    assert match[2] == real, (
        "docs/onboarding-session.md's transcript is not what onboarding prints now: rerun this test with "
        f"MLCREW_UPDATE_TRANSCRIPT=1 to rewrite it. The real output:\n{real}"
    )


@pytest.mark.slow
def test_a_newcomers_first_hour(offline: Path, tmp_path: Path) -> None:
    steps = create(tmp_path)
    assert steps[0] == "cd fraud-lens"
    assert steps[-1] == "mlcrew onboard"
    project = tmp_path / "fraud-lens"
    readme = flat((project / "README.md").read_text(encoding="utf-8"))
    for command in ("uv sync", "uv run pre-commit install", "uv run pytest"):
        assert command in readme, f"the README says `{command}` too"
        assert any(command in step for step in steps), f"the next steps say `{command}`"
    for step in steps[1:-1]:
        shell(step.removeprefix(PIP_UV), project)

    package = yaml.safe_load((project / ".copier-answers.yml").read_text())["package_name"]
    shell(f"uv run python -m {package} pipeline", project)  # the README's next command: a real model
    assert (project / "artifacts" / "registry").is_dir()
    before = fingerprint(project)
    assert git(project, "status", "--porcelain") == ""

    check_transcript(transcript_of(project))
    records = []
    for role in ROLES:
        output, record = onboard_interactively(project, role)
        for name in CHECKS:
            assert f"[ok] {name}:" in output, (role, name, output)
        assert "[FAIL]" not in output, output
        assert "[warn]" not in output, output
        exercise = output.split("Your exercise as")[1].split("Anything else to note")[0]
        assert "](" not in exercise
        for path in re.findall(r"\(([^()\s]+\.md)\)", exercise):
            assert (project / path).is_file(), (role, path)
        records.append(record.relative_to(project).as_posix())

    after = fingerprint(project)
    assert sorted(set(after) - set(before)) == sorted(records)
    assert {name: after[name] for name in before} == before, "onboarding changed the project's files"
    assert git(project, "status", "--porcelain") == ""
