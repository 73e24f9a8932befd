"""Costs of copier 9.x that mlcrew avoids while its own in-process copier call runs.

Profiled on mlcrew's template (benchmarks/breakdown.py; docs/performance.md):

- copier runs `git config core.fileMode` once per rendered file (one process each, ~170 per update)
  to decide whether to fix the executable bit in the index. The answer cannot change during one
  call, so it is read once per destination; the fix itself still runs where git needs it.
- copier compiles the same Jinja strings (path parts, defaults, validators, the answers file name)
  again for every file and every question: ~900 compiles per render. A compiled template does not
  depend on the values it is later rendered with, so each string is compiled once per environment.

A third keeps files from the scratch renders copier's update makes anyway (`renders_kept`), so the
merge of renamed files (update.py) needs no render of its own: two fewer template renders per update
that crosses a rename.

All wrap copier internals, so each is applied only when the internal it wraps exists with the
shape it expects; otherwise copier runs unchanged (and the renamed files are rendered by mlcrew, as
before). The output is byte for byte what plain copier writes (tests/cli/test_new.py compares them;
tests/package/test_copier_speedups.py tests each guard). All are upstream copier's to fix or to
expose; until then they keep `mlcrew new` and `mlcrew update` faster than the plain copier commands
they wrap.
"""

from __future__ import annotations

import inspect
import shutil
import weakref
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

from mlcrew import git


@contextmanager
def file_mode_read_once() -> Iterator[None]:
    """`core.fileMode` read once per destination instead of once per rendered file."""
    try:
        from copier._main import Worker
    except ImportError:
        yield
        return
    original: Callable[..., None] | None = getattr(Worker, "_sync_git_index_executable_bit", None)
    if original is None or list(inspect.signature(original).parameters) != ["self", "dst_relpath", "src_mode"]:
        yield
        return
    file_mode_off: dict[str, bool] = {}

    def once(self: Any, dst_relpath: Path, src_mode: int) -> None:
        root = str(self.subproject.local_abspath)
        if root not in file_mode_off:
            result = git.run("config", "--type=bool", "--get", "core.fileMode", cwd=Path(root), check=False)
            file_mode_off[root] = result.returncode == 0 and result.stdout.strip() == "false"
        if file_mode_off[root]:  # the only case in which copier has work to do
            original(self, dst_relpath, src_mode)

    Worker._sync_git_index_executable_bit = once  # type: ignore[method-assign]
    try:
        yield
    finally:
        Worker._sync_git_index_executable_bit = original  # type: ignore[method-assign]


@contextmanager
def compile_once() -> Iterator[None]:
    """Each Jinja source string compiled once per environment (a weak cache: nothing outlives its env)."""
    import jinja2

    original = jinja2.Environment.from_string
    compiled: weakref.WeakKeyDictionary[jinja2.Environment, dict[str, Any]] = weakref.WeakKeyDictionary()

    def cached(self: jinja2.Environment, source: Any, globals: Any = None, template_class: Any = None) -> Any:
        if globals is not None or template_class is not None or not isinstance(source, str):
            return original(self, source, globals, template_class)
        known = compiled.setdefault(self, {})
        if source not in known:
            known[source] = original(self, source)
        return known[source]

    jinja2.Environment.from_string = cached  # type: ignore[method-assign]
    try:
        yield
    finally:
        jinja2.Environment.from_string = original  # type: ignore[method-assign]


@contextmanager
def renders_kept(project: Path, wanted: Mapping[str, Sequence[str]], into: Path) -> Iterator[dict[str, Path]]:
    """Files of the scratch renders copier's update makes anyway, kept before copier deletes them.

    `copier update` renders the project's recorded version with the recorded answers (`old_copy`) and
    the target version with the updated answers (`new_copy`) into scratch folders, each by a nested
    `Worker.run_copy` at that revision. `wanted` maps a revision to project paths: after copier
    renders that revision anywhere but in `project`, those paths are copied to `into/<n>/`. The dict
    yielded maps each revision whose paths were all copied to its folder; a revision missing from it
    (copier's internals changed, it never rendered it, or its render lacked a path) is for the caller
    to render itself. The render into `project` is never taken: it holds what copier keeps in the project
    (a file the team owns through `_skip_if_exists` keeps the team's text), not the template's.
    """
    try:
        from copier._main import Worker
    except ImportError:
        yield {}
        return
    original: Callable[..., None] | None = getattr(Worker, "run_copy", None)
    if original is None or list(inspect.signature(original).parameters) != ["self"]:
        yield {}
        return
    kept: dict[str, Path] = {}
    home = project.resolve()

    def run_copy(self: Any) -> None:
        original(self)
        ref, dst = getattr(self, "vcs_ref", None), getattr(self, "dst_path", None)
        if not isinstance(ref, str) or ref not in wanted or ref in kept or not isinstance(dst, Path):
            return
        if dst.resolve() == home:  # the real update writing into the project, not a scratch render
            return
        folder = into / str(len(kept))
        try:
            for name in wanted[ref]:
                source, target = dst / name, folder / name
                if not source.is_file() or source.is_symlink():
                    return  # not in copier's render (its excludes differ from a render of our own): mlcrew renders
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, target)
        except OSError:
            return  # a best-effort copy never stops copier's update
        kept[ref] = folder

    Worker.run_copy = run_copy  # type: ignore[method-assign]
    try:
        yield kept
    finally:
        Worker.run_copy = original  # type: ignore[method-assign]


@contextmanager
def applied() -> Iterator[None]:
    """The two that apply to every copier call, for the duration of one call."""
    with ExitStack() as stack:
        stack.enter_context(file_mode_read_once())
        stack.enter_context(compile_once())
        yield
