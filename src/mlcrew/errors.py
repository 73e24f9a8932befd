"""The one error type: a problem the user can fix, with structured fields the CLI formats in one line."""

from __future__ import annotations


class MlcrewError(Exception):
    """A user-facing failure: what went wrong, where (a file, a question or a flag), and the fix.

    Raised instead of letting copier's `ValueError`s, plumbum's process errors or git's stderr reach
    the terminal as tracebacks. Callers that need to react to an error read its fields, never its text.
    The CLI prints `mlcrew: error: <str(error)>` and exits with `exit_code`.
    """

    def __init__(
        self,
        what: str,
        *,
        fix: str | None = None,
        where: str | None = None,
        exit_code: int = 2,
    ) -> None:
        self.what = " ".join(what.split())
        self.fix = " ".join(fix.split()) if fix else None
        self.where = where
        self.exit_code = exit_code
        super().__init__(str(self))

    def __str__(self) -> str:
        return f"{self.what}: {self.fix}" if self.fix else self.what

    def with_fix(self, fix: str, exit_code: int | None = None) -> MlcrewError:
        """The same problem with another fix (e.g. the command that restores a half-updated project)."""
        return MlcrewError(
            self.what, fix=fix, where=self.where, exit_code=self.exit_code if exit_code is None else exit_code
        )
