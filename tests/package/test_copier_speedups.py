"""mlcrew's two guarded wrappers around copier internals (src/mlcrew/copier_speedups.py).

They must change nothing but time: the executable bit still reaches the index of a repository with
`core.fileMode=false` (the one case where copier's wrapped method has work to do), a Jinja string is
compiled once per environment and never shared across environments, and when copier's internal
changes shape the wrapper steps aside and copier runs as it is. Byte-identical output with plain
copier is asserted by tests/cli/test_new.py (create) and tests/update/test_update.py (update).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import copier
import jinja2
import pytest
from copier._main import Worker
from helpers import commit_all, git, mlcrew, tiny_template
from releases import GUIDE_V2, MERGED, MOVED, NOTES, edited_project_at_v1, renamed_in_v2

from mlcrew import copier_calls, copier_speedups

SCRIPT = "run.sh"
SH = "#!/bin/sh\necho hello\n"


def two_releases(repo: Path) -> Path:
    """A template whose v1.0.0 ships run.sh as a plain file and whose v2.0.0 makes it executable."""
    tiny_template(repo, "name:\n  type: str\n  default: tiny\n", {"README.md.jinja": "# {{ name }}\n", SCRIPT: SH})
    (repo / "template" / SCRIPT).chmod(0o755)
    commit_all(repo, "v2: run.sh is executable", tag="v2.0.0")
    return repo


def project_at_v1(template: Path, dest: Path) -> Path:
    """Generated at v1.0.0 and committed in a repository that ignores on-disk modes (core.fileMode=false)."""
    copier.run_copy(str(template), dest, defaults=True, quiet=True, vcs_ref="v1.0.0")
    git(dest, "init", "--quiet", "--initial-branch=main")
    git(dest, "config", "core.fileMode", "false")
    commit_all(dest, "generated")
    return dest


def index_mode(project: Path, name: str) -> str:
    return git(project, "ls-files", "--stage", "--", name).split()[0]


def test_the_executable_bit_reaches_the_index_when_git_ignores_modes(tmp_path: Path) -> None:
    template = two_releases(tmp_path / "template")
    ours = project_at_v1(template, tmp_path / "ours")
    theirs = Path(shutil.copytree(ours, tmp_path / "theirs", symlinks=True))
    assert index_mode(ours, SCRIPT) == "100644"
    assert mlcrew("update", ours, "--defaults") == 0
    copier.run_update(theirs, defaults=True, overwrite=True, quiet=True, vcs_ref="v2.0.0")
    assert index_mode(ours, SCRIPT) == index_mode(theirs, SCRIPT) == "100755"
    assert os.access(ours / SCRIPT, os.X_OK)


def test_file_mode_wrapper_is_applied_and_removed_with_copiers_own_method() -> None:
    original = Worker._sync_git_index_executable_bit
    with copier_speedups.file_mode_read_once():
        assert Worker._sync_git_index_executable_bit is not original
    assert Worker._sync_git_index_executable_bit is original


def test_file_mode_wrapper_steps_aside_when_copier_changes_the_method(monkeypatch: pytest.MonkeyPatch) -> None:
    def reshaped(self: Worker, dst_relpath: Path, src_mode: int, *, extra: bool = False) -> None:
        """What a future copier might have: another parameter, which the wrapper does not know."""

    monkeypatch.setattr(Worker, "_sync_git_index_executable_bit", reshaped)
    with copier_speedups.file_mode_read_once():
        assert Worker._sync_git_index_executable_bit is reshaped
    monkeypatch.delattr(Worker, "_sync_git_index_executable_bit")
    with copier_speedups.file_mode_read_once():  # gone entirely: nothing to wrap, nothing breaks
        assert not hasattr(Worker, "_sync_git_index_executable_bit")


def test_each_jinja_string_compiles_once_per_environment_and_renders_its_values() -> None:
    first, second = jinja2.Environment(), jinja2.Environment()
    original = jinja2.Environment.from_string
    with copier_speedups.compile_once():
        template = first.from_string("Hello {{ name }}")
        assert first.from_string("Hello {{ name }}") is template
        assert second.from_string("Hello {{ name }}") is not template  # filters and globals differ per env
        assert first.from_string("Bye {{ name }}") is not template
        assert template.render(name="team") == "Hello team"
        assert first.from_string("Hello {{ name }}").render(name="crew") == "Hello crew"
        with_globals = first.from_string("Hello {{ name }}", globals={"name": "g"})
        assert with_globals is not template
    assert jinja2.Environment.from_string is original


@pytest.fixture
def mlcrew_renders(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The revisions mlcrew renders itself during the test (each render still made, in order)."""
    rendered: list[str] = []
    render = copier_calls.render

    def recorded(src: Any, ref: str, *args: Any, **kwargs: Any) -> Path:
        rendered.append(ref)
        return render(src, ref, *args, **kwargs)

    monkeypatch.setattr(copier_calls, "render", recorded)
    return rendered


def assert_merged(project: Path) -> None:
    """The rename followed, the template's edit and the team's line both there, no conflict."""
    assert not (project / NOTES).exists()
    assert (project / MOVED).read_text() == MERGED


def test_an_update_across_a_rename_merges_from_copiers_own_renders(tmp_path: Path, mlcrew_renders: list[str]) -> None:
    """No render of mlcrew's own: the old and new template files are kept from copier's scratch renders."""
    project = edited_project_at_v1(renamed_in_v2(tmp_path / "template"), tmp_path / "project")
    assert mlcrew("update", project, "--defaults", "--trust") == 0
    assert_merged(project)
    assert mlcrew_renders == []
    run_copy = Worker.run_copy
    with copier_speedups.renders_kept(project, {"v1.0.0": [NOTES]}, tmp_path / "kept"):
        assert Worker.run_copy is not run_copy
    assert Worker.run_copy is run_copy


def test_only_scratch_renders_are_kept_never_the_render_into_the_project(tmp_path: Path) -> None:
    """Copier's update also renders the target revision into the project, where the team's files stay."""
    template = renamed_in_v2(tmp_path / "template")
    project = tmp_path / "project"
    project.mkdir()
    (project / MOVED).write_text("the team's text\n")
    with copier_speedups.renders_kept(project, {"v2.0.0": [MOVED]}, tmp_path / "kept") as kept:
        copier.run_copy(str(template), project, defaults=True, quiet=True, vcs_ref="v2.0.0", skip_if_exists=[MOVED])
        assert kept == {}
        copier.run_copy(str(template), tmp_path / "scratch", defaults=True, quiet=True, vcs_ref="v2.0.0")
    assert (kept["v2.0.0"] / MOVED).read_text() == GUIDE_V2


def test_when_copier_changes_its_renders_mlcrew_renders_the_renamed_files_itself(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mlcrew_renders: list[str]
) -> None:
    project = edited_project_at_v1(renamed_in_v2(tmp_path / "template"), tmp_path / "project")
    original = Worker.run_copy

    def reshaped(self: Worker, *, extra: bool = False) -> None:
        """What a future copier might have: another parameter, which the wrapper does not know."""
        original(self)

    monkeypatch.setattr(Worker, "run_copy", reshaped)
    assert mlcrew("update", project, "--defaults", "--trust") == 0
    assert_merged(project)
    assert mlcrew_renders == ["v1.0.0", "v2.0.0"]
    assert Worker.run_copy is reshaped


def test_when_copiers_render_lacks_a_renamed_file_mlcrew_renders_it_itself(
    tmp_path: Path, mlcrew_renders: list[str]
) -> None:
    """Copier renders the old version with the new version's excludes: the file is not there to keep."""
    project = edited_project_at_v1(renamed_in_v2(tmp_path / "template", exclude_old_path=True), tmp_path / "project")
    assert mlcrew("update", project, "--defaults", "--trust") == 0
    assert_merged(project)
    assert mlcrew_renders == ["v1.0.0"]  # the new file was kept from copier's render, the old one rendered
