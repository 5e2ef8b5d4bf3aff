"""The one exception tree of matchmaker.

Every error the core raises on purpose is a :class:`MatchmakerError`; the CLI and the
app turn them into messages, never tracebacks.

::

    MatchmakerError
     ├── ConfigError            a setting has a value that is not allowed
     ├── ModelError             the embedding model is missing, unreadable or not the expected file
     ├── DataError              input data is wrong
     │    └── ValidationError   a workspace import was refused; carries every Problem found
     ├── NotFoundError          an id that is not in the database
     ├── StoreError             the database could not do what was asked
     │    └── ConflictError     the row was changed by someone else since it was read
     ├── TransitionError        a deal stage change that the pipeline does not allow
     ├── InfeasibleError        constraints that no invitation list or agenda can meet
     └── AuthError              sign-in failed or the session expired
          └── PermissionDenied  the acting user's role may not do or see this
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "AuthError",
    "ConfigError",
    "ConflictError",
    "DataError",
    "InfeasibleError",
    "MatchmakerError",
    "ModelError",
    "NotFoundError",
    "PermissionDenied",
    "Problem",
    "StoreError",
    "TransitionError",
    "ValidationError",
]


class MatchmakerError(Exception):
    """Base class of every error matchmaker raises on purpose."""


class ConfigError(MatchmakerError):
    """A setting has a value that is not allowed."""


class ModelError(MatchmakerError):
    """The embedding model is missing, unreadable or not the expected file."""


class DataError(MatchmakerError):
    """Input data is wrong."""


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong in an imported workspace, located as a spreadsheet shows it.

    ``row`` is 1 for the header row and 2 for the first data row; 0 means the whole file.
    """

    file: str
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.row}:{self.column}: {self.message}"


class ValidationError(DataError):
    """A workspace import was refused; nothing was written.

    Attributes
    ----------
    problems : list of Problem
        Every problem found, in file, row, column order.
    shown : list of Problem
        The first :attr:`SHOWN` of them: what the CLI and the app list.
    more : int
        How many more there are ("and 19,800 more problems").
    """

    SHOWN = 200

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems)
        self.shown = self.problems[: self.SHOWN]
        self.more = len(self.problems) - len(self.shown)
        shown = "\n".join(str(p) for p in self.problems[:20])
        more = len(self.problems) - 20
        tail = f"\n... and {more} more" if more > 0 else ""
        super().__init__(f"{len(self.problems)} problem(s) in the workspace:\n{shown}{tail}")


class NotFoundError(MatchmakerError):
    """An id that is not in the database."""


class StoreError(MatchmakerError):
    """The database could not do what was asked."""


class ConflictError(StoreError):
    """The row was changed by someone else since it was read (optimistic concurrency)."""


class TransitionError(MatchmakerError):
    """A deal stage change that the pipeline does not allow."""


class InfeasibleError(MatchmakerError):
    """Constraints that no invitation list or agenda can meet."""


class AuthError(MatchmakerError):
    """Sign-in failed or the session expired."""


class PermissionDenied(AuthError):
    """The acting user's role may not do or see this."""
