"""`mlcrew fleet`: where every project of a fleet stands against the standard, in one table.

Each member (a local checkout, or a git URL read without a full clone: remote.py) is checked exactly
as `mlcrew check` checks one project, through one shared `check.Standard`: one template clone per
template, and one copier render per distinct (version, answers). The run goes in phases so that the
renders, which copier makes in this process, never overlap with anything else:

1. fetch every URL member's commits and trees, no file contents (in parallel: network and git);
2. one URL member checks out its answers file and is rendered, which says which files the standard has;
3. every other URL member checks out its answers file *and* those files in one round trip (in parallel);
4. render every member's reference, one at a time, shared by equal (template, version, answers);
5. a URL member whose standard has files step 3 did not ask for fetches them (in parallel; rare);
6. check every member (in parallel: all renders are cached by now, so the checks only read).

A member that cannot be read (unreachable, not a project, a malformed or hostile answers file) gets
its error in its own row and never stops the report. Nothing a member's files say is ever run: its
answers reach copier only as data for a render without `--trust` (no tasks, no migrations, no Jinja
extensions), and its recorded template and version are checked before git sees them.

The update job of a generated project (`.github/workflows/template-update.yml`, the GitLab
`template-update` job) pushes its work to a branch named `template-update/<version>`
(UPDATE_BRANCH_PREFIX; a test reads the job files to keep the two in step). A member with such a
branch for a version newer than its own has an update waiting to be merged.
"""

from __future__ import annotations

import tempfile
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, TypeVar

from mlcrew import git, remote, template, versions
from mlcrew.check import Report, Standard, check
from mlcrew.console import Echo
from mlcrew.errors import MlcrewError
from mlcrew.project import ANSWERS_FILE, load

UPDATE_BRANCH_PREFIX = "template-update/"
"""The branch the generated update job creates: `template-update/<version>`."""

WORKERS = 8
"""Members fetched at once (network and git processes, not Python, are what they wait for)."""

T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True)
class Member:
    """One project of the fleet, as the platform team named it."""

    text: str
    """As given (command line or --from file): how the report names it."""
    path: Path | None = None
    """A local checkout."""
    url: str | None = None
    """A git URL (read without a full clone)."""

    @property
    def kind(self) -> Literal["path", "url"]:
        return "url" if self.url else "path"


@dataclass
class Row:
    """One member's line of the report; `error` set when it could not be read."""

    member: str
    kind: Literal["path", "url"]
    project: str | None = None
    template: str | None = None
    release: str | None = None
    latest: str | None = None
    state: str | None = None
    behind: list[str] = field(default_factory=list)
    finding_kinds: dict[str, int] = field(default_factory=dict)
    """Drift found by `mlcrew check`, counted by kind (conflict markers counted apart)."""
    conflict_markers: int = 0
    """Files with conflict markers left in them."""
    update_branches: list[str] = field(default_factory=list)
    error: str | None = None

    @property
    def findings(self) -> int:
        return sum(self.finding_kinds.values())

    @property
    def current(self) -> bool:
        return self.error is None and not self.behind

    @property
    def compliant(self) -> bool:
        return self.error is None and not self.findings and not self.conflict_markers

    @property
    def ok(self) -> bool:
        return self.current and self.compliant


def parse_member(text: str, base: Path) -> Member:
    """A git URL (checked: it reaches git) or a path (relative to `base`)."""
    if template.is_url(text):
        if text.startswith(("gh:", "gl:")):
            raise MlcrewError(f"fleet member {text!r}: use the repository's full git URL", where=text)
        return Member(text, url=template.check_source(text, "fleet member"))
    return Member(text, path=(base / Path(text).expanduser()).absolute())


def members(arguments: list[str], from_file: str | None) -> list[Member]:
    """The members named on the command line, then those in `--from FILE` (one per line, `#` comments).

    Paths in the file are relative to the file's directory, so a fleet list can live beside the checkouts.
    """
    found = [parse_member(text, Path.cwd()) for text in arguments]
    if from_file:
        listed = Path(from_file).expanduser()
        try:
            lines = listed.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as error:
            reason = getattr(error, "strerror", None) or "not UTF-8 text"
            raise MlcrewError(f"cannot read --from {from_file}: {reason}", where="--from") from None
        for line in lines:
            text = line.strip()
            if text and not text.startswith("#"):
                found.append(parse_member(text, listed.parent.absolute()))
    if not found:
        raise MlcrewError(
            "no projects to report on", fix="name them: mlcrew fleet PATH|URL ... or --from FILE (one per line)"
        )
    return found


def local_branches(path: Path) -> list[str]:
    """Update branches in a checkout: its own and the remote-tracking ones (as fresh as its last fetch)."""
    listed = git.run(
        "for-each-ref",
        "--format=%(refname)",
        f"refs/heads/{UPDATE_BRANCH_PREFIX}",
        "refs/remotes/",
        cwd=path,
        check=False,
    ).stdout.split()
    names = set()
    for ref in listed:
        if ref.startswith("refs/heads/"):
            names.add(ref.removeprefix("refs/heads/"))
        elif ref.startswith("refs/remotes/"):
            _, _, name = ref.removeprefix("refs/remotes/").partition("/")
            if name.startswith(UPDATE_BRANCH_PREFIX):
                names.add(name)
    return sorted(names)


def open_updates(branches: list[str], release: str) -> list[str]:
    """Update branches for a version newer than the project's (older ones are merged leftovers)."""
    have = versions.version_of(release)
    waiting = []
    for branch in branches:
        wanted = versions.version_of(branch.removeprefix(UPDATE_BRANCH_PREFIX))
        if wanted is None or have is None or wanted > have:
            waiting.append(branch)
    return waiting


@dataclass
class Checkout:
    """Where a member's files are, and what reading it found so far."""

    member: Member
    scratch: Path
    """Where a URL member is fetched to."""
    path: Path | None = None
    branches: list[str] = field(default_factory=list)
    project: str | None = None
    standard_files: list[str] = field(default_factory=list)
    """The files the standard has for this member (what a URL member's checkout needs)."""
    checked_out: set[str] = field(default_factory=set)
    """A URL member: the paths asked for so far (beside the answers file)."""
    error: str | None = None


def failure(error: BaseException) -> str:
    """One line for a member's row, whatever went wrong (the report goes on)."""
    if isinstance(error, MlcrewError):
        return error.what  # the fix is for a person at that project; the row says what is wrong
    return f"{type(error).__name__}: {' '.join(str(error).split())[:200]}"


def guarded(step: Callable[[Checkout], None]) -> Callable[[Checkout], None]:
    """Run `step` on members not failed yet; an exception becomes the member's error, never the run's."""

    def run(found: Checkout) -> None:
        if found.error is not None:
            return
        try:
            step(found)
        except Exception as error:
            found.error = failure(error)

    return run


def acquire(found: Checkout) -> None:
    """The member's checkout (a URL: its commits and trees, fetched shallow and blob-less into `found.scratch`)."""
    member = found.member
    if member.url:
        remote.fetch(member.url, found.scratch, f"{UPDATE_BRANCH_PREFIX}*")
    found.path = found.scratch if member.url else member.path
    assert found.path is not None
    if not found.path.is_dir():
        raise MlcrewError(f"{found.path} is not a directory (a checkout that moved or was never cloned?)")
    found.branches = local_branches(found.path)  # none outside a repository: check() says what is wrong


def check_out(found: Checkout, paths: set[str]) -> None:
    """A URL member: check out its answers file and `paths` (the standard's files, when known), in one fetch."""
    if found.member.url and found.path is not None:
        remote.check_out(found.path, paths, first=not found.checked_out)
        found.checked_out = set(paths) or {ANSWERS_FILE}


def reference(found: Checkout, standard: Standard) -> None:
    """Render the member's reference once per distinct (template, version, answers): copier runs here."""
    assert found.path is not None
    project = load(found.path)
    found.project = project.name
    found.standard_files = sorted(standard.reference(project).files or {})


def widen(found: Checkout) -> None:
    """A URL member: fetch the standard's files its first checkout did not ask for (usually none)."""
    if found.member.url and not set(found.standard_files) <= found.checked_out:
        check_out(found, found.checked_out | set(found.standard_files))


def row_of(found: Checkout, standard: Standard) -> Row:
    """The member's row: `mlcrew check`'s report, counted; or the error that stopped reading it."""
    row = Row(found.member.text, found.member.kind, project=found.project, error=found.error)
    if found.error is None and found.path is not None:
        try:
            fill(row, check(found.path, standard), found.branches)
        except Exception as error:
            row.error = failure(error)
    return row


def fill(row: Row, report: Report, branches: list[str]) -> None:
    row.template, row.release, row.latest, row.state = report.template, report.version, report.latest, report.state
    row.behind = list(report.behind)
    drift = report.drift
    row.conflict_markers = len({finding.path for finding in drift if finding.kind == "conflict-markers"})
    row.finding_kinds = dict(Counter(finding.kind for finding in drift if finding.kind != "conflict-markers"))
    row.update_branches = open_updates(branches, report.version)


def parallel(work: Callable[[T], R], items: Iterable[T]) -> list[R]:
    """`work` over `items` on WORKERS threads, results in order (for git and network waits only)."""
    listed = list(items)
    if len(listed) <= 1:
        return [work(item) for item in listed]
    with ThreadPoolExecutor(max_workers=min(WORKERS, len(listed))) as pool:
        return list(pool.map(work, listed))


def survey(fleet: list[Member], echo: Echo) -> list[Row]:
    """Every member's row, in the order given (see the module docstring for the phases)."""
    with tempfile.TemporaryDirectory(prefix="mlcrew-fleet-") as tmp, Standard(echo) as standard:
        found = [Checkout(member, Path(tmp) / f"member-{index}") for index, member in enumerate(fleet)]
        parallel(guarded(acquire), found)
        # One URL member reads its answers first, so that every other one fetches its answers and the
        # standard's files in a single round trip (members of one template share nearly all those files).
        urls = [item for item in found if item.member.url]
        expected: set[str] = set()
        for item in urls:
            guarded(lambda item: check_out(item, set()))(item)
            guarded(lambda item: reference(item, standard))(item)
            if item.error is None:
                expected = set(item.standard_files)
                break
        parallel(guarded(lambda item: check_out(item, expected)), [item for item in urls if not item.checked_out])
        for item in found:  # one at a time: copier renders in this process
            if not item.project:
                guarded(lambda item: reference(item, standard))(item)
        parallel(guarded(widen), urls)
        # Every render is made by now (members whose reference failed carry the error), so the checks
        # below only read: git processes, files and the shared caches, safely on several threads.
        return parallel(lambda item: row_of(item, standard), found)


def exit_code(rows: list[Row]) -> int:
    """0 only when every member was read and is current and compliant."""
    return 0 if rows and all(row.ok for row in rows) else 1
