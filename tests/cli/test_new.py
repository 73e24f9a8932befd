"""`mlcrew new`: the bundled template offline, plain-copier parity, first commit, and bad input."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pexpect
import pytest
import yaml
from helpers import ROOT, answers_of, files_of, git, mlcrew, run, tiny_template

from mlcrew import __version__
from mlcrew.cli import next_steps
from mlcrew.onboard import load_project
from mlcrew.onboard_checks import check_environment, check_hooks, check_working_tree
from mlcrew.template import BUNDLE_ENV_VAR, CANONICAL_URL


def test_new_defaults_offline_records_the_canonical_url(offline: Path, tmp_path: Path) -> None:
    dest = tmp_path / "product"
    assert mlcrew("new", dest, "--defaults") == 0
    answers = answers_of(dest)
    assert answers["_src_path"] == CANONICAL_URL
    assert answers["_commit"] == "v0.1.0"
    assert answers["project_slug"] == "tumour-triage"
    # One commit holding everything, and a clean tree: ready for its first `copier update`.
    assert git(dest, "log", "--format=%s").splitlines() == ["Create the project from the mlcrew template v0.1.0"]
    assert git(dest, "status", "--porcelain") == ""
    assert git(dest, "branch", "--show-current").strip() == "main"


def test_new_matches_plain_copier_copy(offline: Path, template_repo: Path, tmp_path: Path) -> None:
    """`mlcrew new --defaults` and `copier copy --defaults` (no --trust, no data) make the same project."""
    ours = tmp_path / "ours"
    assert mlcrew("new", ours, "--defaults") == 0
    plain = tmp_path / "plain"
    run([sys.executable, "-m", "copier", "copy", "--defaults", "--vcs-ref", "v0.1.0", template_repo, plain], tmp_path)
    assert files_of(ours) == files_of(plain)
    for name in files_of(plain) - {".copier-answers.yml"}:
        assert (ours / name).read_bytes() == (plain / name).read_bytes(), name
    ours_answers, plain_answers = answers_of(ours), answers_of(plain)
    for key in ("_src_path", "_commit"):
        ours_answers.pop(key), plain_answers.pop(key)
    assert ours_answers == plain_answers


def test_new_with_data_and_data_file(offline: Path, tmp_path: Path) -> None:
    answers_file = tmp_path / "answers.yml"
    answers_file.write_text(yaml.safe_dump({"project_name": "Churn Radar", "serving": "batch", "regulated": True}))
    dest = tmp_path / "churn"
    code = mlcrew("new", dest, "--defaults", "--data-file", answers_file, "-d", "serving=none", "-d", "license=MIT")
    assert code == 0
    answers = answers_of(dest)
    assert answers["package_name"] == "churn_radar"
    assert answers["serving"] == "none"  # --data wins over --data-file
    assert answers["regulated"] is True
    assert (dest / "LICENSE").read_text().startswith("MIT License")


def test_new_without_git(offline: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    dest = tmp_path / "nogit"
    assert mlcrew("new", dest, "--defaults", "--no-git") == 0
    assert (dest / "pyproject.toml").is_file()
    assert not (dest / ".git").exists()
    steps = capsys.readouterr().out.split("Next steps:")[1]
    commands = [line.split("#")[0].strip() for line in steps.strip().splitlines()]
    assert commands[0] == f"cd {dest}"
    assert not [command for command in commands if "git " in command], "--no-git: the user keeps git out"
    columns = {line.index("  # ") for line in steps.splitlines() if line.strip()}
    assert len(columns) == 1, f"the comments line up, however long the directory's name: {steps}"


def test_next_steps_cover_every_onboarding_check() -> None:
    """Without --setup the steps install the hooks and commit uv.lock (onboarding checks both)."""
    commands = [command for command, _ in next_steps("fraud-lens", committed=True, setup=False)]
    assert commands == [
        "cd fraud-lens",
        "python -m pip install uv && uv sync",
        "uv run pre-commit install",
        "git add uv.lock && git commit -m 'Lock the dependencies'",
        "uv run pytest",
        "mlcrew onboard",
    ]
    after_setup = [command for command, _ in next_steps("my dir", committed=True, setup=True)]
    assert after_setup == ["cd 'my dir'", "uv run pytest", "mlcrew onboard"]  # --setup did the rest
    no_git = [command for command, _ in next_steps("x", committed=False, setup=False)]
    assert not [command for command in no_git if command.startswith("git") or "git commit" in command]
    assert "uv run pre-commit install" in no_git


def test_new_from_a_local_template_records_an_absolute_path(
    template_repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A relative --template would break every later update, so the answers hold an absolute path."""
    monkeypatch.chdir(template_repo.parent)
    dest = tmp_path / "local"
    assert mlcrew("new", dest, "--defaults", "--template", template_repo.name, "--vcs-ref", "HEAD") == 0
    assert answers_of(dest)["_src_path"] == str(template_repo)


def test_new_from_a_team_template_without_our_questions(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A team's own template need not ask `project_name` or `package_name`: mlcrew names it by its directory."""
    template = tiny_template(
        tmp_path / "team-template",
        "greeting:\n  type: str\n  default: hello\n",
        {"README.md.jinja": "{{ greeting }} from the team template\n"},
    )
    dest = tmp_path / "service-x"
    assert mlcrew("new", dest, "--defaults", "--template", template, "--data", "greeting=hi") == 0
    out = capsys.readouterr().out
    assert f"Created service-x in {dest} (mlcrew template v1.0.0)." in out
    assert (dest / "README.md").read_text() == "hi from the team template\n"
    assert answers_of(dest)["_commit"] == "v1.0.0"
    assert git(dest, "status", "--porcelain") == ""


def test_machine_without_git_identity_still_commits(
    offline: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for key in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL", "EMAIL"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    dest = tmp_path / "anon"
    assert mlcrew("new", dest, "--defaults", "-d", "owner_email=radar@example.org") == 0
    out = capsys.readouterr().out
    assert "git has no user identity on this machine" in out
    assert "git config --global user.name" in out
    author = run(["git", "log", "-1", "--format=%an <%ae>"], dest).stdout.strip()
    assert author == "ML Product Team <radar@example.org>"


# --- bad input: one line, non-zero exit, no traceback, nothing written --------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-d", "package_name=class"], "Choose another name: class is a Python keyword"),
        (["-d", "owner_email=nobody"], "Use an email address such as ml-team@example.com"),
        (["-d", "colour=blue"], "unknown question 'colour'"),
        (["-d", "regulated=maybe"], "regulated='maybe' is not a boolean: use true or false"),
        (["-d", "serving=gpu"], "Invalid choice for 'serving': 'gpu' is not in ['api', 'batch', 'none']"),
        (["-d", "serving"], "--data 'serving' is not KEY=VALUE"),
        (["--data-file", "/nonexistent/answers.yml"], "cannot read --data-file /nonexistent/answers.yml"),
        (["--vcs-ref", "v9.9.9", "-d", "serving=api"], "the template has no version 'v9.9.9'"),
        (["--vcs-ref", "v9.9.9"], "check --vcs-ref"),
        (["--template", "/nonexistent/template"], "template '/nonexistent/template' does not exist"),
        (["--template", "https://git.example.invalid/org/tpl.git"], "cannot reach the template"),
        (
            ["--template", "https://git.example.invalid/org/tpl.git", "-d", "serving=api"],
            "cannot reach the template",
        ),
    ],
)
def test_bad_input_is_one_line_and_writes_nothing(
    offline: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    dest = tmp_path / "never"
    assert mlcrew("new", dest, "--defaults", *args) == 2
    err = capsys.readouterr().err
    assert message in err
    assert err.startswith("mlcrew: error: ")
    assert err.count("\n") == 1, err
    assert not dest.exists()


def test_existing_non_empty_destination_is_never_touched(
    offline: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dest = tmp_path / "mine"
    dest.mkdir()
    (dest / "notes.txt").write_text("my notes")
    assert mlcrew("new", dest, "--defaults") == 2
    assert "exists and is not empty" in capsys.readouterr().err
    assert [p.name for p in dest.iterdir()] == ["notes.txt"]
    assert (dest / "notes.txt").read_text() == "my notes"


def test_destination_that_is_a_file(offline: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    dest = tmp_path / "file"
    dest.write_text("x")
    assert mlcrew("new", dest, "--defaults") == 2
    assert "exists and is a file" in capsys.readouterr().err
    assert dest.read_text() == "x"


def test_empty_destination_is_fine(offline: Path, tmp_path: Path) -> None:
    dest = tmp_path / "empty"
    dest.mkdir()
    assert mlcrew("new", dest, "--defaults") == 0
    assert (dest / "pyproject.toml").is_file()


def test_no_git_on_path(
    offline: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    assert mlcrew("new", tmp_path / "x", "--defaults") == 2
    assert "git is not on PATH" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()


def test_no_terminal_and_no_defaults(offline: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert mlcrew("new", tmp_path / "x") == 2
    assert "no terminal to ask the questions in: pass --defaults" in capsys.readouterr().err


def test_console_script_prints_no_traceback(offline: Path, tmp_path: Path) -> None:
    """The installed entry point, as a user runs it, for an error copier itself would raise."""
    result = run(
        [sys.executable, "-m", "mlcrew", "new", tmp_path / "x", "--defaults", "-d", "package_name=os"],
        tmp_path,
        check=False,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.strip() == (
        "mlcrew: error: Choose another name: it hides Python's own os module: answer package_name again "
        "(or pass --data package_name=VALUE)"
    )


# --- the interactive path, in a real pseudo-terminal ---------------------------------------------


def spawn_new(dest: Path, env: dict[str, str]) -> pexpect.spawn:
    return pexpect.spawn(
        sys.executable,
        ["-m", "mlcrew", "new", str(dest)],
        env=env,
        encoding="utf-8",
        timeout=60,
        dimensions=(40, 120),
    )


def test_interactive_prompts(offline: Path, tmp_path: Path) -> None:
    dest = tmp_path / "interactive"
    child = spawn_new(dest, dict(os.environ))
    child.expect("Human-readable name")
    child.send("\x15")  # Ctrl-U clears the default text
    child.sendline("Fraud Lens")
    child.expect("Distribution name")
    child.sendline("")  # derived default: fraud-lens
    child.expect("Python import name")
    child.send("\x15")
    child.sendline("class")  # a keyword: the validator refuses it and the prompt stays
    child.expect("class is a Python keyword")
    child.send("\x15")
    child.sendline("fraud_lens")
    for _ in ("description", "team", "email"):
        child.expect(r"\?")
        child.sendline("")
    child.expect("Lowest Python version")
    child.sendline("")
    child.expect("Where the CI/CD pipeline runs")
    child.send("\x1b[B")  # arrow down: GitLab CI
    child.sendline("")
    child.expect("Where the repository lives")
    child.sendline("")  # derived from the team and the provider: https://gitlab.com/ml-product-team/fraud-lens
    child.expect("How the model reaches its users")
    child.send("\x1b[B")  # Batch scoring job
    child.sendline("")
    child.expect("experiment runs")
    child.sendline("")
    child.expect("Audit mode")
    child.sendline("y")
    child.expect("License")
    child.sendline("")
    child.expect("Next steps")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    answers = answers_of(dest)
    assert answers["project_name"] == "Fraud Lens"
    assert answers["project_slug"] == "fraud-lens"
    assert answers["package_name"] == "fraud_lens"
    assert answers["ci_provider"] == "gitlab"
    assert answers["repository_url"] == "https://gitlab.com/ml-product-team/fraud-lens"
    assert answers["serving"] == "batch"
    assert answers["regulated"] is True


def test_ctrl_c_at_a_prompt_writes_nothing(offline: Path, tmp_path: Path) -> None:
    dest = tmp_path / "cancelled"
    child = spawn_new(dest, dict(os.environ))
    child.expect("Human-readable name")
    child.sendline("")
    child.expect("Distribution name")
    child.sendintr()
    child.expect("cancelled; nothing was written")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    assert not dest.exists()


# --- the wheel: pip install mlcrew alone creates projects offline --------------------------------


@pytest.mark.slow
def test_wheel_ships_the_template_and_works_offline(tmp_path: Path) -> None:
    """Build the wheel as a user's `pip install .` would, from a tagless clone of main, install it, go offline.

    Tags do not travel with the branch: the clone has none, and the working tree's edits are committed on
    top. The wheel must still ship every release (derived from CHANGELOG.md's history), so a new project
    records the package's own version, never a bare commit hash, and copier never warns about tags.
    """
    repo = tmp_path / "mlcrew"
    run(["git", "clone", "--quiet", "--no-tags", ROOT, repo], tmp_path)
    for name in git(repo, "ls-files", "-z").split("\0"):
        if name:
            (repo / name).unlink(missing_ok=True)
    listed = run(["git", "ls-files", "-co", "--exclude-standard", "-z"], ROOT).stdout.split("\0")
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():
            (repo / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, repo / name)
    git(repo, "add", "--all")
    if run(["git", "diff", "--cached", "--quiet"], repo, check=False).returncode:
        git(repo, "commit", "--quiet", "-m", "the working tree under test")
    assert git(repo, "tag", "--list") == ""
    build = run(["uv", "build", "--wheel", "--out-dir", tmp_path / "dist"], repo)
    assert "no release" not in build.stderr + build.stdout
    wheel = next((tmp_path / "dist").glob("mlcrew-*.whl"))
    venv = tmp_path / "venv"
    run(["uv", "venv", "--quiet", venv], tmp_path)
    run(["uv", "pip", "install", "--quiet", "--python", venv / "bin" / "python", wheel], tmp_path)
    env = {"GIT_ALLOW_PROTOCOL": "file", BUNDLE_ENV_VAR: ""}
    result = run([venv / "bin" / "mlcrew", "new", tmp_path / "product", "--defaults"], tmp_path, env=env)
    assert "Created Tumour Triage" in result.stdout
    assert "No git tags found" not in result.stdout + result.stderr
    answers = answers_of(tmp_path / "product")
    assert answers["_src_path"] == CANONICAL_URL
    assert answers["_commit"] == f"v{__version__}"


def test_cli_start_up_imports_nothing_heavy() -> None:
    """`mlcrew --help`/`--version` stay fast: copier, jinja and questionary load only when a command needs them."""
    heavy = "('copier', 'jinja2', 'questionary', 'yaml', 'plumbum')"
    probe = f"import sys, mlcrew.cli; print(sorted(m for m in {heavy} if m in sys.modules))"
    assert run([sys.executable, "-c", probe], ROOT).stdout.strip() == "[]"
    assert run([sys.executable, "-m", "mlcrew", "--version"], ROOT).stdout.strip().startswith("mlcrew ")


@pytest.mark.slow
def test_new_with_setup_leaves_a_green_project_with_hooks(offline: Path, tmp_path: Path) -> None:
    dest = tmp_path / "ready"
    result = run([sys.executable, "-m", "mlcrew", "new", dest, "--defaults", "--setup"], tmp_path)
    assert "[1/3] create the environment and install the project: uv sync" in result.stdout
    assert "[3/3] run the test suite once: uv run pytest -q" in result.stdout
    assert "[2/3] install the pre-commit hooks: uv run pre-commit install" in result.stdout
    assert (
        "Set up: the environment is ready, the pre-commit hooks are installed, the tests pass, and uv.lock is "
        "committed." in result.stdout
    )
    assert run(["git", "status", "--porcelain"], dest).stdout == ""
    assert "uv.lock" in run(["git", "log", "-1", "--name-only", "--format="], dest).stdout
    project = load_project(dest)
    for check in (check_environment(project), check_hooks(project), check_working_tree(project)):
        assert check.ok, check  # what onboarding will check, already true
    steps = result.stdout.split("Next steps:")[1]
    assert "uv run pre-commit install" not in steps, "--setup installed the hooks"
    assert "uv sync" not in steps, "--setup made the environment"


def test_more_bad_input_is_one_line_and_writes_nothing(
    offline: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Inputs that used to reach Python's own errors: each must be a one-line refusal."""
    a_file = tmp_path / "a-file"
    a_file.write_text("x")
    binary = tmp_path / "binary.yml"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    mixed = tmp_path / "mixed.yml"
    mixed.write_text("1: a\nserving: batch\n")
    plain = tmp_path / "plain-template"
    plain.mkdir()
    (plain / "copier.yml").write_text("x: 1\n")
    cases = [
        ([a_file / "x", "--defaults"], f"{a_file} is a file, so {a_file / 'x'} cannot be created"),
        ([tmp_path / "n1", "--defaults", "--data-file", binary], "is not valid UTF-8 YAML"),
        ([tmp_path / "n2", "--defaults", "--data-file", mixed], "every key must be a question name"),
        ([tmp_path / "n3", "--defaults", "--data-file", tmp_path], "cannot read --data-file"),
        ([tmp_path / "n4", "--defaults", "--template", plain], "is not a git repository, so projects made from it"),
    ]
    for args, message in cases:
        assert mlcrew("new", *args) == 2, args
        err = capsys.readouterr().err
        assert message in err, err
        assert err.count("\n") == 1, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file", "binary.yml", "mixed.yml", "plain-template"]
    assert a_file.read_text() == "x"


# --- a first commit that fails or is interrupted: the message says exactly what is left ------------


def signing_env(tmp_path: Path, program: str) -> dict[str, str]:
    """Git config (as env) that makes every commit call `program` to sign it, as a signing policy does."""
    script = tmp_path / "sign"
    script.write_text(f"#!/bin/sh\n{program}\n")
    script.chmod(0o755)
    return {
        "GIT_CONFIG_COUNT": "2",
        "GIT_CONFIG_KEY_0": "commit.gpgsign",
        "GIT_CONFIG_VALUE_0": "true",
        "GIT_CONFIG_KEY_1": "gpg.program",
        "GIT_CONFIG_VALUE_1": str(script),
    }


@pytest.mark.parametrize(
    ("program", "code", "said"),
    [
        ("exit 1", 2, "but the first commit failed"),
        ('kill -INT "$(ps -o ppid= -p "$PPID" | tr -d " ")"; sleep 5', 130, "but the first commit was interrupted"),
    ],
    ids=["signing-fails", "ctrl-c"],
)
def test_a_failed_first_commit_says_what_is_left(
    offline: Path, tmp_path: Path, program: str, code: int, said: str
) -> None:
    dest = tmp_path / "product"
    env = signing_env(tmp_path, program)
    result = run([sys.executable, "-m", "mlcrew", "new", dest, "--defaults"], tmp_path, env=env, check=False)
    assert result.returncode == code, result.stderr
    assert "nothing was written" not in result.stderr
    assert f"the project was created in {dest}, {said}" in result.stderr
    assert f"cd {dest} && git add -A && git commit" in result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    assert (dest / ".copier-answers.yml").is_file()  # what the message says is there, is there
