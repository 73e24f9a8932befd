"""Every call into copier: create, update and render, with copier's errors translated into one line.

Copier asks, defaults and validates the questions (its own questionary prompts); mlcrew passes
`data` and `defaults` and keeps only what copier does not do (answers.py). Copier raises plain
`ValueError`s (bad answers, unknown revisions), `CopierError`s, and plumbum's `ProcessExecutionError`
when git fails: none of them may reach the user as a traceback. Copier runs git through plumbum,
which keeps its own copy of the environment, so the template's git environment (the bundle redirect,
the allowed transports) is applied to both for the duration of a call.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

from mlcrew import copier_speedups, git
from mlcrew.errors import MlcrewError
from mlcrew.template import TemplateSource

Conflict = Literal["inline", "rej"]


@contextmanager
def git_environment(extra: Mapping[str, str]) -> Iterator[None]:
    """Apply `extra` (plus mlcrew's quiet, transport-limited git settings) to os.environ and plumbum."""
    from plumbum import local

    wanted = {**git.QUIET, **extra}
    if "GIT_ALLOW_PROTOCOL" not in os.environ:
        wanted["GIT_ALLOW_PROTOCOL"] = git.ALLOWED_PROTOCOLS
    merged = git.harden({**os.environ, **wanted})
    wanted = {key: merged[key] for key in merged if key.startswith("GIT_CONFIG_") or key in wanted}
    saved = {key: os.environ.get(key) for key in wanted}
    os.environ.update(wanted)
    try:
        with local.env(**wanted):
            yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@contextmanager
def translated(doing: str, src: TemplateSource, vcs_ref: str | None = None) -> Iterator[None]:
    """Run copier with its exceptions turned into one-line `MlcrewError`s that start with `doing`."""
    import copier
    from plumbum import ProcessExecutionError

    try:
        with git_environment(src.env), copier_speedups.applied():
            yield
    except ProcessExecutionError as error:
        detail = (str(error.stderr).strip().splitlines() or ["no output"])[-1]
        if vcs_ref and ("invalid reference" in detail or "did not match" in detail):
            raise MlcrewError(
                f"{doing}: the template has no version {vcs_ref!r}", fix="check --vcs-ref (a tag, branch or commit)"
            ) from None
        hint = "" if src.bundle else ", or omit --template to use the bundled template"
        raise MlcrewError(
            f"{doing}: cannot reach the template at {src.description} ({detail})",
            fix=f"check the URL and your network{hint}",
        ) from None
    except copier.errors.CopierAnswersInterrupt:
        raise KeyboardInterrupt from None
    except OSError as error:
        raise MlcrewError(f"{doing}: {error.strerror or error} ({error.filename})") from None
    except (copier.errors.CopierError, ValueError) as error:
        message = " ".join(str(error).split())
        question = None
        if message.startswith(("Validation error for question", "Invalid choice for")) and "'" in message:
            question = message.split("'")[1]
        if message.startswith("Validation error for question") and ":" in message:
            message = message.split(":", 1)[1].strip()
        fix = None
        if vcs_ref and "revision" in message.lower():
            fix = "check --vcs-ref (a tag, branch or commit of the template)"
        elif question:
            fix = f"answer {question} again (or pass --data {question}=VALUE)"
        what = message if question else f"{doing}: {message}"  # a bad answer needs no "cannot create" preamble
        raise MlcrewError(what, fix=fix, where=question) from None


def copy(
    src: TemplateSource,
    dest: Path,
    *,
    data: dict[str, Any],
    vcs_ref: str | None,
    defaults: bool,
    doing: str = "cannot create the project",
    user_defaults: dict[str, Any] | None = None,
    exclude: Sequence[str] = (),
) -> Path:
    """`copier copy`: copier asks what `data` does not answer, unless `defaults`.

    `user_defaults` replace the template's defaults (what `mlcrew adopt` read from the repository):
    copier shows them in its prompts and validates them like any answer, and never renders them as
    Jinja, so text read from a repository stays text.
    """
    import copier

    with translated(doing, src, vcs_ref):
        copier.run_copy(
            src.url,
            dest,
            data=data,
            user_defaults=user_defaults or {},
            exclude=list(exclude),
            vcs_ref=vcs_ref,
            defaults=defaults,
            quiet=True,
            unsafe=False,
            overwrite=True,
            settings=copier.Settings(),
        )
    return dest


def update(
    src: TemplateSource,
    project: Path,
    *,
    data: dict[str, Any],
    vcs_ref: str,
    defaults: bool,
    conflict: Conflict,
    trust: bool,
) -> None:
    """`copier update`: recorded answers are reused; copier asks only questions new in this version."""
    import copier

    with translated("the update failed", src, vcs_ref):
        copier.run_update(
            project,
            data=data,
            vcs_ref=vcs_ref,
            defaults=defaults,
            overwrite=True,
            quiet=True,
            unsafe=trust,
            conflict=conflict,
            skip_answered=True,
            settings=copier.Settings(),
        )


def render(src: TemplateSource, ref: str, data: dict[str, Any], dest: Path, only: Sequence[str] = ()) -> Path:
    """Render template version `ref` with `data` into `dest`, as copier's update does for its diff.

    `only`: just these project paths (every other path excluded), when the caller needs a few files.
    """
    exclude = ["*", *(f"!{name}" for name in only)] if only else []
    doing = f"cannot render the template at {ref}"
    return copy(src, dest, data=data, vcs_ref=ref, defaults=True, doing=doing, exclude=exclude)
