"""`mlcrew onboard`: the checks say exactly how to fix what is missing, the walkthrough follows the
project's own Ways of Working, and the session ends in a committed-ready record (or in nothing).

The interactive path runs in a real pseudo-terminal with pexpect: questionary's prompts are driven
with the keys a person would press.
"""

from __future__ import annotations

import datetime
import os
import re
import shlex
import shutil
import subprocess
import sys
import tarfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from helpers import ROOT, TEMPLATE_FILES, ProjectFactory, fingerprint, flat, generate, git, in_project, run
from matrix import INSTALLED

from mlcrew.check import Standard, placeholders
from mlcrew.cli import ROLES as CLI_ROLES
from mlcrew.cli import build_parser
from mlcrew.console import wrap
from mlcrew.onboard import ROLES, load_project, parse_sections, read_exercises, record_path, show_exercise
from mlcrew.onboard_checks import CHECKS, report_placeholders
from mlcrew.project import Project

MLCREW = [sys.executable, "-m", "mlcrew"]


def onboard(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return run([*MLCREW, "onboard", *args], cwd or ROOT, check=False)


# --- without an installed project ----------------------------------------------------------------


def test_sections_and_exercises_come_from_the_rendered_documents(projects: ProjectFactory) -> None:
    project = load_project(projects.get())
    sections = parse_sections((project.path / "docs" / "ways-of-working.md").read_text())
    assert len(sections) >= 18
    for section in sections:
        assert section.summary, section.title
        assert section.where, section.title
        assert section.command, section.title
    quality = next(s for s in sections if s.title == "Quality gates")
    assert "thresholds.yaml" in quality.where  # type: ignore[operator]
    assert read_exercises(project).keys() == ROLES.keys()
    assert f"src/{project.package}/" in read_exercises(project)["data-scientist"]


def test_cli_roles_are_the_onboarding_roles() -> None:
    subparser = build_parser()._subparsers._group_actions[0].choices["onboard"]  # type: ignore[union-attr]
    role = next(action for action in subparser._actions if "--role" in action.option_strings)
    assert list(role.choices) == list(ROLES) == list(CLI_ROLES)


def test_cli_does_not_import_questionary_at_start_up() -> None:
    code = "import sys, mlcrew.cli; assert 'questionary' not in sys.modules and 'mlcrew.onboard' not in sys.modules"
    run([sys.executable, "-c", code], ROOT)


def test_not_a_project_is_a_one_line_error(tmp_path: Path) -> None:
    result = onboard(tmp_path, "--non-interactive")
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "no .copier-answers.yml" in result.stderr
    assert "Traceback" not in result.stderr


def test_unknown_role_is_refused(projects: ProjectFactory) -> None:
    result = onboard(projects.get(), "--role", "wizard", "--non-interactive")
    assert result.returncode == 2
    assert "invalid choice: 'wizard'" in result.stderr


def test_without_a_terminal_it_asks_for_non_interactive(projects: ProjectFactory) -> None:
    result = onboard(projects.get())
    assert result.returncode == 2
    assert "pass --non-interactive" in result.stderr


def test_same_day_records_never_overwrite(tmp_path: Path) -> None:
    project = Project(tmp_path, {"project_name": "P", "package_name": "p", "_commit": "v0.1.0"})
    today = datetime.date(2026, 1, 2)
    first = record_path(project, "Ada Lovelace", today)
    assert first == tmp_path / "docs" / "onboarding" / "2026-01-02-ada-lovelace.md"
    first.parent.mkdir(parents=True)
    first.write_text("x")
    assert record_path(project, "Ada Lovelace", today).name == "2026-01-02-ada-lovelace-2.md"


def exercise_output(project: Project, role: str) -> str:
    lines: list[str] = []
    show_exercise(project, read_exercises(project), role, lines.append)
    return "\n".join(lines)


LINKED_PATH = re.compile(r"\(([^()\s]+\.md)\)")


@pytest.mark.parametrize("where", [".", "src"])
def test_exercises_print_paths_that_open_from_where_the_user_stands(
    projects: ProjectFactory, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    """docs/onboarding.md links `[runbook](runbook.md)`: printed, it must open from the user's directory."""
    project = load_project(projects.get())
    monkeypatch.chdir(project.path / where)
    shown = []
    for role in ROLES:
        text = exercise_output(project, role)
        assert "](" not in text, text
        for path in LINKED_PATH.findall(text):
            assert Path(path).is_file(), (role, path)
            shown.append(path)
    prefix = "" if where == "." else "../"
    assert f"{prefix}docs/runbook.md" in shown  # the platform engineer's rollback rehearsal
    assert f"{prefix}docs/ethics-review.md" in shown  # the product owner's review


def test_sections_show_where_their_links_point(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A team that links a page from a section's summary gets a path that opens, not `[text](page.md)`."""
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "runbook.md").write_text("# Runbook\n")
    page = tmp_path / "docs" / "ways-of-working.md"
    page.write_text(
        "## Operations\n\nRollbacks follow the [runbook](runbook.md#rollback); see [below](#more) and "
        "[the on-call tool](https://oncall.example.org).\n\n"
        "**In the repo:** [`docs/runbook.md`](runbook.md) · **Try:** `cat docs/runbook.md`\n"
    )
    monkeypatch.chdir(tmp_path)
    (section,) = parse_sections(page.read_text(), page)
    assert section.summary == (
        "Rollbacks follow the runbook (docs/runbook.md); see below and the on-call tool (https://oncall.example.org)."
    )
    assert section.where == "`docs/runbook.md` (docs/runbook.md)"
    monkeypatch.chdir(tmp_path / "docs")
    (section,) = parse_sections(page.read_text(), page)
    assert section.summary.startswith("Rollbacks follow the runbook (runbook.md);")


@pytest.mark.parametrize("columns", [50, 80])
def test_long_lines_wrap_at_words_to_the_terminal_width(
    projects: ProjectFactory, monkeypatch: pytest.MonkeyPatch, columns: int
) -> None:
    project = load_project(projects.get())
    monkeypatch.chdir(project.path)
    monkeypatch.setenv("COLUMNS", str(columns))
    source = (project.path / "docs" / "onboarding.md").read_text()
    source_words = set(re.findall(r"[\w.-]+", source))
    for role in ROLES:
        text = exercise_output(project, role)
        for line in text.splitlines():
            code_spans = re.findall(r"`[^`]+`", line)
            assert len(line) <= columns or any(len(span) > columns - 10 for span in code_spans), line
        for word in re.findall(r"[\w.-]+", text):  # never `validat` / `e`: every word is one of the page's
            assert word in source_words or word.startswith(("docs", "..")), (role, word)


def test_wrap_keeps_commands_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "40")
    text = wrap("Generate the model card: `uv run python -m tumour_triage model-card`, then open it.")
    assert "`uv run python -m tumour_triage model-card`," in text.splitlines()
    assert all(len(line) <= 40 for line in text.splitlines() if "`" not in line)


def test_placeholders_are_pointed_out(projects: ProjectFactory) -> None:
    """A fresh project still has the template's placeholders: onboarding lists each, with the fix."""
    project = load_project(projects.get())
    with Standard(lambda note: None) as standard:
        src = standard.source(project.src_path)
        expected = placeholders(project, standard.repo(src).config(project.commit))
    assert expected, "a project made with the defaults has placeholders to replace"
    lines: list[str] = []
    assert report_placeholders(project, lines.append) == expected
    printed = flat("\n".join(lines))
    for placeholder in expected:
        assert flat(placeholder) in printed
    assert "edit CODEOWNERS" in printed


def test_placeholders_with_the_template_unreachable_say_so_and_go_on(projects: ProjectFactory, tmp_path: Path) -> None:
    copy = tmp_path / "project"
    shutil.copytree(projects.get(), copy)
    answers_file = copy / ".copier-answers.yml"
    answers = yaml.safe_load(answers_file.read_text())
    answers["_src_path"] = "https://git.example.invalid/org/template.git"
    answers_file.write_text(yaml.safe_dump(answers))
    lines: list[str] = []
    assert report_placeholders(load_project(copy), lines.append) == []
    printed = flat("\n".join(lines))
    assert printed.startswith("[note] placeholders: not checked (cannot reach the template at")


# --- on a set-up project ------------------------------------------------------------------------


def set_up(project: Path) -> Path:
    """What `mlcrew new` prints as the next steps: `uv sync`, the hooks, uv.lock committed."""
    run(["uv", "sync", "--quiet"], project)
    in_project(project, "pre-commit", "install")
    git(project, "add", "uv.lock")
    git(project, "commit", "--quiet", "-m", "Lock the dependencies")
    return project


def with_real_artefacts(project: Path) -> Path:
    """A real pipeline run: a registered model and reports that serving and the model card would use."""
    package = load_project(project).package
    in_project(project, "python", "-m", package, "pipeline")
    registered = [p.name for p in (project / "artifacts" / "registry").glob("*/*")]
    assert len(registered) == 1, registered
    assert re.fullmatch(r"1|\d{8}\.\d{6}", registered[0]), registered  # "1" before 0.2.0, a UTC time stamp since
    assert list((project / "artifacts" / "reports").glob("*.png"))
    return project


@pytest.fixture(scope="module")
def set_up_project(projects: ProjectFactory, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private copy of an installed project, set up as a newcomer would, with a real registered model."""
    source = projects.installed(**INSTALLED[0])
    project = tmp_path_factory.mktemp("onboard") / "project"
    shutil.copytree(source, project, ignore=shutil.ignore_patterns(".venv", "artifacts", ".pytest_cache"))
    return with_real_artefacts(set_up(project))


@pytest.fixture
def broken(set_up_project: Path) -> Iterator[Path]:
    """The set-up project with what a newcomer's clone can have: no hooks, failing tests, edits not committed."""
    hook = set_up_project / ".git" / "hooks" / "pre-commit"
    parked = hook.with_name("pre-commit.parked")
    hook.rename(parked)
    canary = set_up_project / "tests" / "unit" / "test_canary.py"
    canary.write_text(
        "import pytest\n\n\n"
        "@pytest.mark.parametrize('case', ['a b', 'c'])\n"
        "def test_canary(case: str) -> None:\n    assert case == 'never'\n\n\n"
        "def test_canary_sees_the_projects_git() -> None:  # tests that read git pass in the scratch copy\n"
        "    import subprocess\n\n"
        "    log = subprocess.run(['git', 'log', '-1', '--format=%s'], capture_output=True, text=True, check=True)\n"
        "    assert log.stdout.strip() == 'Lock the dependencies'\n"
        "    status = subprocess.run(['git', 'status', '--porcelain'], capture_output=True, text=True, check=True)\n"
        "    assert ' M README.md' in status.stdout.splitlines()\n"
    )
    readme = set_up_project / "README.md"
    original = readme.read_bytes()
    readme.write_bytes(original + b"\nA note not committed yet.\n")
    try:
        yield set_up_project
    finally:
        parked.rename(hook)
        canary.unlink()
        readme.write_bytes(original)


@pytest.mark.slow
def test_non_interactive_passes_and_leaves_every_file_byte_identical(set_up_project: Path) -> None:
    """The checks run the tests and the smoke pipeline, yet the registry, reports and tracked files stay."""
    before = fingerprint(set_up_project)
    assert any(name.startswith("artifacts/registry/") for name in before)
    result = onboard("--non-interactive", "--role", "product-owner", cwd=set_up_project)
    assert result.returncode == 0, result.stdout + result.stderr
    assert fingerprint(set_up_project) == before
    assert git(set_up_project, "status", "--porcelain") == ""
    assert "[FAIL]" not in result.stdout
    assert "[warn]" not in result.stdout
    for check in CHECKS:
        assert f"[ok] {check}:" in result.stdout
    assert "To make your own" in result.stdout  # the placeholders of a project made with the defaults
    assert "Quality gates" in result.stdout  # the plan walks the Ways of Working
    assert "Product owner (--role product-owner)" in result.stdout
    assert not list((set_up_project / "docs" / "onboarding").glob("2*.md")), "the plan writes no record"


@pytest.mark.slow
def test_failures_name_the_failing_tests_and_the_fixes(broken: Path) -> None:
    result = onboard(broken, "--non-interactive")
    assert result.returncode == 1
    out = flat(result.stdout)
    assert "[FAIL] pre-commit hooks: not installed" in out
    assert f"fix: run `uv run pre-commit install` in {broken}" in out
    assert "[FAIL] test suite: failing (2 failed, " in out
    assert "tests/unit/test_canary.py::test_canary[a b], tests/unit/test_canary.py::test_canary[c]" in out
    assert (
        "[warn] working tree: 1 uncommitted change(s): README.md; 1 untracked file(s): tests/unit/test_canary.py" in out
    )
    assert "git stash --include-untracked" in out
    assert "2 check(s) failed: pre-commit hooks, test suite." in out
    rerun = re.search(r"rerun just them with `([^`]+)` in ", out)
    assert rerun, out
    assert shlex.split(rerun[1])[:3] == ["uv", "run", "pytest"]
    again = run(["bash", "-c", rerun[1]], broken, check=False)  # exactly as the participant pastes it
    assert again.returncode == 1
    assert "2 failed" in again.stdout
    assert "passed" not in again.stdout.splitlines()[-1], "only the failing tests run again"


@pytest.fixture(scope="module")
def release_0_1_0_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project made from the released 0.1.0 template (from mlcrew's history), set up, with real artefacts."""
    from mlcrew.versions import release_history

    releases = {release.version: release for release in release_history(ROOT).releases}
    if "0.1.0" not in releases:
        pytest.skip("this clone's history does not reach release 0.1.0 (shallow clone)")
    base = tmp_path_factory.mktemp("release-0.1.0")
    template = base / "template"
    template.mkdir()
    archive = base / "template.tar"
    run(["git", "archive", "-o", archive, releases["0.1.0"].commit, "--", *TEMPLATE_FILES], ROOT)
    with tarfile.open(archive) as tar:
        tar.extractall(template, filter="data")
    git(template, "init", "--quiet", "--initial-branch=main")
    git(template, "add", "--all")
    git(template, "commit", "--quiet", "-m", "mlcrew 0.1.0")
    git(template, "tag", "v0.1.0")
    return with_real_artefacts(set_up(generate(template, base / "project")))


@pytest.mark.slow
def test_a_0_1_0_project_keeps_its_artefacts_too(release_0_1_0_project: Path) -> None:
    """Projects made before onboarding learnt to use scratch copies: nothing in them may change either."""
    assert load_project(release_0_1_0_project).template_version == "v0.1.0"
    before = fingerprint(release_0_1_0_project)
    result = onboard(release_0_1_0_project, "--non-interactive", "--role", "data-scientist")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "[ok] pipeline smoke run:" in result.stdout
    assert fingerprint(release_0_1_0_project) == before


def spawn(project: Path, *args: str) -> object:
    pexpect = pytest.importorskip("pexpect")
    env = {**os.environ, "PROMPT_TOOLKIT_NO_CPR": "1", "TERM": "xterm"}
    return pexpect.spawn(
        sys.executable,
        ["-m", "mlcrew", "onboard", str(project), *args],
        cwd=str(project),
        env=env,
        encoding="utf-8",
        timeout=300,
        dimensions=(40, 120),
    )


@pytest.mark.slow
def test_interactive_session_end_to_end(set_up_project: Path) -> None:
    import pexpect

    sections = parse_sections((set_up_project / "docs" / "ways-of-working.md").read_text())
    before = set(set_up_project.joinpath("docs", "onboarding").iterdir())
    child = spawn(set_up_project, "--role", "data-scientist")
    assert isinstance(child, pexpect.spawn)
    try:
        child.expect("Your name")
        child.send("\x15Ada Lovelace\r")  # Ctrl-U clears git's user.name offered as the default
        child.expect(r"\[ok\] pipeline smoke run")
        for number, section in enumerate(sections, 1):
            child.expect_exact(f"[{number}/{len(sections)}] {section.title}")
            child.expect_exact("Use arrow keys")
            if section.title == "Quality gates":
                child.send("\x1b[B\r")  # down to "I have a question or a note"
                child.expect_exact("Your question or note")
                child.send("Who may lower a threshold?\r")
            else:
                child.send("\r")
        child.expect_exact("Your exercise as data scientist")
        child.expect_exact("notebooks/")
        child.expect_exact("Use arrow keys")
        child.send("\r")
        child.expect_exact("Anything else to note")
        child.send("First pairing slot on Tuesday\r")
        child.expect_exact("Open questions:")
        child.expect(r"Wrote (docs/onboarding/\S+\.md)")
        written = child.match.group(1)
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 0
    record = set_up_project / written
    assert set(set_up_project.joinpath("docs", "onboarding").iterdir()) - before == {record}
    text = record.read_text()
    answers = load_project(set_up_project)
    assert record.name == f"{datetime.date.today().isoformat()}-ada-lovelace.md"
    assert "- **Who:** Ada Lovelace" in text
    assert "- **Role:** Data scientist" in text
    assert f"- **Template version:** {answers.template_version}" in text
    assert "1. **Quality gates:** Who may lower a threshold?" in text
    assert "2. **Other:** First pairing slot on Tuesday" in text
    assert f"- **Checks:** {len(CHECKS)} of {len(CHECKS)} passed" in text
    record.unlink()


@pytest.mark.slow
def test_ctrl_c_exits_cleanly_and_writes_nothing(set_up_project: Path) -> None:
    import pexpect

    before = set(set_up_project.joinpath("docs", "onboarding").iterdir())
    child = spawn(set_up_project)
    assert isinstance(child, pexpect.spawn)
    try:
        child.expect("Your name")
        child.send("\x15Grace\r")
        child.expect("Your role in the team")
        child.sendintr()
        child.expect_exact("cancelled; nothing was written")
        child.expect(pexpect.EOF)
    finally:
        child.close()
    assert child.exitstatus == 130
    assert "Traceback" not in (child.before or "")
    assert set(set_up_project.joinpath("docs", "onboarding").iterdir()) == before
