"""Two costs of copier 9.x that mlcrew avoids while its own in-process copier call runs.

Profiled on mlcrew's template (benchmarks/breakdown.py; docs/performance.md):

- copier runs `git config core.fileMode` once per rendered file (one process each, ~170 per update)
  to decide whether to fix the executable bit in the index. The answer cannot change during one
  call, so it is read once per destination; the fix itself still runs where git needs it.
- copier compiles the same Jinja strings (path parts, defaults, validators, the answers file name)
  again for every file and every question: ~900 compiles per render. A compiled template does not
  depend on the values it is later rendered with, so each string is compiled once per environment.

Both wrap copier internals, so each is applied only when the internal it wraps exists with the
shape it expects; otherwise copier runs unchanged. The output is byte for byte what plain copier
writes (tests/cli/test_new.py compares them; tests/package/test_copier_speedups.py tests each guard).
Both are upstream copier's to fix; until then they keep `mlcrew new` and `mlcrew update` faster than
the plain copier commands they wrap.
"""

from __future__ import annotations

import inspect
import weakref
from collections.abc import Callable, Iterator
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
def applied() -> Iterator[None]:
    """Both, for the duration of one copier call."""
    with ExitStack() as stack:
        stack.enter_context(file_mode_read_once())
        stack.enter_context(compile_once())
        yield
