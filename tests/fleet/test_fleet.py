"""`mlcrew fleet`: many real projects (local checkouts and file:// URLs) in one report.

The template repo has two releases (v0.1.0, then releases.release_v2). Members are real generated
projects, copied and changed the way a fleet drifts: behind, with the update job's branch open,
a guard rail removed, conflict markers committed by a bot, a broken answers file, unreachable.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import ROOT, answers_of, commit_all, generate, git, make_template_repo, mlcrew, tiny_template
from releases import V1, V2, release_v2

from mlcrew import copier_calls, fleet, remote
from mlcrew.fleet_report import SCHEMA

CONFLICT = "<<<<<<< before updating\nOur line.\n=======\nTheir line.\n>>>>>>> after updating\n"


@dataclass(frozen=True)
class Fleet:
    root: Path
    template: Path
    members: dict[str, Path]


def copy(project: Path, dest: Path) -> Path:
    return Path(shutil.copytree(project, dest, symlinks=True))


def serve(repo: Path) -> str:
    """The repo as a git server that allows partial clones (as GitHub and GitLab do), by file:// URL."""
    git(repo, "config", "uploadpack.allowFilter", "true")
    git(repo, "config", "uploadpack.allowAnySHA1InWant", "true")
    return f"file://{repo}"


@pytest.fixture(scope="module")
def fleet_repos(tmp_path_factory: pytest.TempPathFactory) -> Fleet:
    root = tmp_path_factory.mktemp("fleet")
    template = make_template_repo(root / "template", tag=V1)
    old = generate(template, root / "base-v1")
    release_v2(template)
    new = generate(template, root / "base-v2")
    members = {"current": copy(new, root / "current"), "behind": copy(old, root / "behind")}
    git(members["current"], "branch", "template-update/v0.2.0")  # merged already: not an open update
    members["waiting"] = copy(old, root / "waiting")
    git(members["waiting"], "branch", "template-update/v0.2.0")
    members["drifted"] = copy(new, root / "drifted")
    (members["drifted"] / "noxfile.py").unlink()
    commit_all(members["drifted"], "We run our tools by hand")
    members["conflicted"] = copy(new, root / "conflicted")
    readme = members["conflicted"] / "README.md"
    readme.write_text(readme.read_text() + CONFLICT)
    commit_all(members["conflicted"], "Update to the mlcrew template v0.2.0 (conflicts)")
    members["malformed"] = copy(new, root / "malformed")
    (members["malformed"] / ".copier-answers.yml").write_text("_commit: [v0.2.0\n")
    commit_all(members["malformed"], "Broken answers")
    members["not-a-project"] = root / "not-a-project"
    members["not-a-project"].mkdir()
    (members["not-a-project"] / "README.md").write_text("# Just a repository\n")
    git(members["not-a-project"], "init", "--quiet")
    commit_all(members["not-a-project"], "init")
    return Fleet(root, template, members)


def survey(*members: str | Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, Any]]:
    code = mlcrew("fleet", *members, "--json")
    return code, json.loads(capsys.readouterr().out)


def rows_by_member(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {row["member"]: row for row in report["members"]}


def test_one_row_per_member_whatever_its_state(fleet_repos: Fleet, capsys: pytest.CaptureFixture[str]) -> None:
    members = fleet_repos.members
    missing = fleet_repos.root / "no-such-checkout"
    unreachable = f"file://{fleet_repos.root}/gone.git"
    url = serve(members["waiting"])
    code, report = survey(*members.values(), missing, unreachable, url, capsys=capsys)
    assert code == 1
    rows = rows_by_member(report)
    assert [row["member"] for row in report["members"]] == [
        *map(str, members.values()),
        str(missing),
        unreachable,
        url,
    ]

    def row(name: str) -> dict[str, Any]:
        return rows[str(members[name])]

    assert (row("current")["release"], row("current")["behind"], row("current")["ok"]) == (V2, [], True)
    assert row("current")["update_branches"] == []  # a branch for the version it is on: merged, not open
    assert (row("behind")["release"], row("behind")["behind"], row("behind")["state"]) == (V1, [V2], "behind")
    assert row("behind")["update_branches"] == []
    assert row("waiting")["update_branches"] == ["template-update/v0.2.0"]
    assert (row("drifted")["findings"], row("drifted")["finding_kinds"]) == (1, {"deleted": 1})
    assert (row("drifted")["compliant"], row("drifted")["current"]) == (False, True)
    assert (row("conflicted")["conflict_markers"], row("conflicted")["findings"]) == (1, 0)
    assert row("conflicted")["compliant"] is False
    assert "not valid UTF-8 YAML" in row("malformed")["error"]
    assert "has no .copier-answers.yml" in row("not-a-project")["error"]
    assert "is not a directory" in rows[str(missing)]["error"]
    assert rows[unreachable]["error"].startswith(f"cannot read {unreachable}")
    for name in ("malformed", "not-a-project"):
        assert (row(name)["ok"], row(name)["release"], row(name)["compliant"]) == (False, None, None)
    # A URL member reads exactly like its checkout.
    same = {key: value for key, value in rows[url].items() if key not in ("member", "kind", "template")}
    assert same == {key: value for key, value in row("waiting").items() if key not in ("member", "kind", "template")}
    assert (rows[url]["kind"], row("waiting")["kind"]) == ("url", "path")

    summary = report["summary"]
    assert summary == {
        "members": 10,
        "ok": 1,
        "behind": 3,
        "not_compliant": 2,
        "update_branches_open": 2,
        "errors": 4,
        "releases": {V2: 3, V1: 3},
    }


def test_exit_zero_only_when_all_are_current_and_compliant(
    fleet_repos: Fleet, capsys: pytest.CaptureFixture[str]
) -> None:
    members = fleet_repos.members
    assert mlcrew("fleet", members["current"], members["current"]) == 0
    assert "2 project(s): 2 current and compliant" in capsys.readouterr().out
    names = ("behind", "drifted", "conflicted", "malformed", "not-a-project")
    rows = fleet.survey([fleet.parse_member(str(members[name]), Path.cwd()) for name in ("current", *names)], print)
    current, *others = rows
    assert fleet.exit_code([current]) == 0
    for name, row in zip(names, others, strict=True):
        assert fleet.exit_code([current, row]) == 1, name


def test_the_table(fleet_repos: Fleet, capsys: pytest.CaptureFixture[str]) -> None:
    members = fleet_repos.members
    assert mlcrew("fleet", members["waiting"], members["drifted"], members["malformed"]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == [
        *["PROJECT", "RELEASE", "BEHIND", "FINDINGS", "CONFLICT", "MARKERS", "UPDATE", "BRANCH", "MEMBER", "STATUS"],
    ]
    assert re.search(rf"^Tumour Triage +{V1} +1 +0 +0 +template-update/v0.2.0 +{members['waiting']} +behind$", lines[1])
    assert re.search(rf"^Tumour Triage +{V2} +0 +1 +0 +- +{members['drifted']} +drifted$", lines[2])
    assert re.search(r"error: \.copier-answers\.yml is not valid UTF-8 YAML$", lines[3])
    assert lines[-1] == (
        "3 project(s): 0 current and compliant, 1 behind, 1 drifted or conflicted, 1 with an update branch open, "
        "1 unreadable."
    )


def test_markdown_report_escapes_what_members_say(
    fleet_repos: Fleet, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    members = fleet_repos.members
    odd = generate(fleet_repos.template, tmp_path / "odd", {"project_name": "Churn | <img src=x> [x](http://e.vil)"})
    assert mlcrew("fleet", members["current"], members["behind"], members["conflicted"], odd, "--markdown") == 1
    out = capsys.readouterr().out
    head, table = out.split("\n| project |")
    assert head.splitlines()[0] == "# mlcrew fleet report"
    assert f"- **{V2}** (newest release): 3 project(s) (1 drifted or conflicted)" in head
    assert f"- **{V1}**: 1 project(s)" in head
    assert head.index(V2) < head.index(V1)  # newest first
    rows = table.splitlines()
    assert rows[0] == " release | behind | findings | conflict markers | update branch | member | status |"
    assert rows[1] == "| --- | --- | --- | --- | --- | --- | --- | --- |"
    assert len(rows) == 6
    odd_row = rows[-1]
    assert odd_row.startswith(r"| Churn \| &lt;img src=x&gt; \[x\](http://e.vil) |")
    assert odd_row.count(" | ") == 7  # the name's `|` did not add a cell


def test_json_is_stable(fleet_repos: Fleet, capsys: pytest.CaptureFixture[str]) -> None:
    code, report = survey(fleet_repos.members["behind"], fleet_repos.members["malformed"], capsys=capsys)
    assert code == 1
    assert set(report) == {"schema", "ok", "summary", "members"}
    assert report["schema"] == SCHEMA == "mlcrew-fleet/1"
    keys = {
        "member",
        "kind",
        "ok",
        "error",
        "project",
        "template",
        "release",
        "latest",
        "state",
        "current",
        "compliant",
        "behind",
        "findings",
        "finding_kinds",
        "conflict_markers",
        "update_branches",
    }
    for row in report["members"]:
        assert set(row) == keys  # every key, also for a member that could not be read
    behind = report["members"][0]
    assert (behind["project"], behind["template"], behind["latest"]) == ("Tumour Triage", str(fleet_repos.template), V2)
    documented = (ROOT / "docs" / "cli.md").read_text().split("## `mlcrew fleet")[1].split("\n## ")[0]
    for key in keys | set(report) | set(report["summary"]):
        assert f"`{key}`" in documented, key


def test_members_from_a_file(fleet_repos: Fleet, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    listing = fleet_repos.root / "fleet.txt"
    listing.write_text("# our products\n\ncurrent\n  behind  \n# retired: legacy\n")
    code, report = survey("--from", listing, capsys=capsys)
    assert code == 1
    assert [row["member"] for row in report["members"]] == ["current", "behind"]  # relative to the file
    assert [row["release"] for row in report["members"]] == [V2, V1]

    assert mlcrew("fleet", "--from", tmp_path / "missing.txt") == 2
    assert "cannot read --from" in capsys.readouterr().err
    assert mlcrew("fleet") == 2
    assert "no projects to report on" in capsys.readouterr().err
    assert mlcrew("fleet", "gh:org/repo") == 2
    assert "use the repository's full git URL" in capsys.readouterr().err


def test_renders_are_shared(fleet_repos: Fleet, monkeypatch: pytest.MonkeyPatch) -> None:
    """Cost grows with distinct (release, answers), not with members: 8 members, 2 configurations, 2 renders."""
    renders: list[str] = []
    real = copier_calls.render

    def counting(src: Any, ref: str, data: dict[str, Any], dest: Path) -> Path:
        renders.append(ref)
        return real(src, ref, data, dest)

    monkeypatch.setattr(copier_calls, "render", counting)
    members = fleet_repos.members
    listed = [members[name] for name in ("current", "behind", "waiting", "drifted", "conflicted", "current")]
    listed.append(fleet_repos.root / "behind")
    rows = fleet.survey([fleet.parse_member(str(path), Path.cwd()) for path in listed], echo=print)
    assert [row.error for row in rows] == [None] * len(listed)
    assert sorted(renders) == [V1, V2]


def test_a_url_is_read_without_cloning_it(fleet_repos: Fleet, tmp_path: Path) -> None:
    """Shallow, blob-less, sparse: the team's big data file never crosses the wire."""
    project = copy(fleet_repos.members["current"], tmp_path / "project")
    (project / "data").mkdir()
    (project / "data" / "big.bin").write_bytes(os.urandom(3_000_000))
    commit_all(project, "Add a big data file")
    url = serve(project)
    clone = tmp_path / "clone"
    remote.fetch(url, clone, "template-update/*")
    assert sorted(path.name for path in clone.iterdir()) == [".git"]  # commits and trees only
    remote.check_out(clone, set(), first=True)
    assert sorted(path.name for path in clone.iterdir()) == [".copier-answers.yml", ".git"]
    remote.check_out(clone, {"README.md", "noxfile.py", "docs/ways-of-working.md", "not/in/the/project"}, first=False)
    assert (clone / "docs" / "ways-of-working.md").read_bytes() == (
        project / "docs" / "ways-of-working.md"
    ).read_bytes()
    assert not (clone / "data").exists()
    stored = sum(path.stat().st_size for path in (clone / ".git" / "objects").rglob("*") if path.is_file())
    assert stored < 500_000, stored  # the 3 MB of random bytes were not fetched
    assert git(clone, "rev-parse", "--is-shallow-repository").strip() == "true"


def test_url_members_of_another_configuration_fetch_what_their_standard_has(
    fleet_repos: Fleet, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The first URL member's standard is the guess for the others; a GitLab project's standard has files the
    GitHub one lacks (.gitlab-ci.yml), and reading it must fetch them, or they would look deleted."""
    gitlab = generate(fleet_repos.template, tmp_path / "gitlab", {"ci_provider": "gitlab"})
    code, report = survey(serve(fleet_repos.members["current"]), serve(gitlab), capsys=capsys)
    assert code == 0, report
    assert [row["ok"] for row in report["members"]] == [True, True]


def test_the_branch_is_the_one_the_update_job_creates() -> None:
    """The fleet's "update branch" column reads the branch the generated update job's script creates."""
    script = ROOT / "template" / "{% if ci_provider != 'none' %}ci{% endif %}" / "template_update.py"
    assert re.findall(r'^BRANCH_PREFIX = "([^"]+)"$', script.read_text(), re.M) == [fleet.UPDATE_BRANCH_PREFIX]


def hostile_template(root: Path, marker: Path) -> Path:
    """A 'template' whose copier.yml runs a command: copier must refuse to render it untrusted."""
    return tiny_template(root, f"_tasks:\n  - touch {marker}\nname:\n  default: x\n", {"README.md": "hello\n"})


def test_hostile_members_run_nothing(fleet_repos: Fleet, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    here = Path.cwd()
    os.chdir(tmp_path)  # a relative `touch PWNED` would land here
    try:
        bad = {}
        pwned = tmp_path / "PWNED"
        edits = {
            "option-src": {"_src_path": f"--upload-pack=touch {pwned}-src"},
            "option-commit": {"_commit": f"--output={pwned}-commit"},
            "ext-src": {"_src_path": f"ext::sh -c touch% {pwned}-ext"},
            "shell-package": {"package_name": f"x; touch {pwned}-package $(touch {pwned}-subshell)"},
            "task-template": {
                "_src_path": str(hostile_template(tmp_path / "hostile-template", Path(f"{pwned}-task"))),
                "_commit": "v1.0.0",
            },
        }
        for name, change in edits.items():
            member = copy(fleet_repos.members["current"], tmp_path / name)
            answers = answers_of(member) | change
            if name == "task-template":  # answers that template asks, so that copier is asked to render it
                answers = {"name": "x", **change}
            (member / ".copier-answers.yml").write_text(yaml.safe_dump(answers))
            commit_all(member, "hostile answers")
            bad[name] = member
        # A URL member whose answers file is a symlink to a file of the machine mlcrew runs on.
        linked = copy(fleet_repos.members["current"], tmp_path / "linked")
        outside = tmp_path / "outside-answers.yml"
        outside.write_text((linked / ".copier-answers.yml").read_text())
        (linked / ".copier-answers.yml").unlink()
        (linked / ".copier-answers.yml").symlink_to(outside)
        commit_all(linked, "symlinked answers")
        code, report = survey(*bad.values(), serve(linked), fleet_repos.members["current"], capsys=capsys)
    finally:
        os.chdir(here)
    assert code == 1
    rows = report["members"]
    errors = [row["error"] for row in rows]
    assert "is not a template location" in errors[0]
    assert "is not a tag, branch or commit name" in errors[1]
    assert "is not a template location" in errors[2]
    assert "Use lowercase letters" in errors[3]  # copier's validator for package_name
    assert "unsafe" in str(errors[4]).lower(), rows[4]
    assert "is not a mapping" in errors[5]  # the link's text, not the machine's file
    assert rows[6]["ok"] is True  # the report went on
    assert not [path for path in (tmp_path, here, fleet_repos.root) for path in path.rglob("PWNED*")]
