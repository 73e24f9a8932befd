"""The one error type the CLI prints: a problem the user can fix, said in one line."""


class MlcrewError(Exception):
    """A user-facing failure: the CLI prints `mlcrew: error: <message>` and exits with `exit_code`.

    Raised instead of letting copier's `ValueError`s, plumbum's process errors or git's stderr reach
    the terminal as tracebacks. The message names the problem and how to fix it.
    """

    def __init__(self, message: str, exit_code: int = 2) -> None:
        super().__init__(message)
        self.exit_code = exit_code
