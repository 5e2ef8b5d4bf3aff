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
    "Problems",
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
        The problems found, in file, row, column order (when a :class:`Problems` collector
        gathered them, only its first ones: see ``total``).
    total : int
        How many problems were found.
    shown : list of Problem
        The first :attr:`SHOWN` of them: what the CLI and the app list.
    more : int
        How many more there are ("and 19,800 more problems").
    """

    SHOWN = 200

    def __init__(self, problems, total: int | None = None):
        self.problems = sorted(problems)
        self.total = len(self.problems) if total is None else total
        self.shown = self.problems[: self.SHOWN]
        self.more = self.total - len(self.shown)
        shown = "\n".join(str(p) for p in self.problems[:20])
        more = self.total - min(20, len(self.problems))
        tail = f"\n... and {more} more" if more > 0 else ""
        super().__init__(f"{self.total} problem(s) in the workspace:\n{shown}{tail}")


class Problems:
    """A bounded collector of problems: counts every one, keeps only the first ``keep`` in
    file, row, column order, so millions of problems cost no memory.

    >>> found = Problems(keep=2)
    >>> for row in (9, 3, 7, 5): found.append(Problem("a.csv", row, "x", "bad"))
    >>> len(found), [p.row for p in found.first()]
    (4, [3, 5])
    """

    def __init__(self, keep: int = ValidationError.SHOWN):
        self.keep = keep
        self.total = 0
        self._kept: list[Problem] = []

    def append(self, problem: Problem) -> None:
        self.total += 1
        self._kept.append(problem)
        if len(self._kept) >= 4 * self.keep:
            self._kept = sorted(self._kept)[: self.keep]

    def extend(self, problems) -> None:
        for problem in problems:
            self.append(problem)

    def __iadd__(self, problems) -> Problems:
        self.extend(problems)
        return self

    def __len__(self) -> int:
        return self.total

    def first(self) -> list[Problem]:
        """The first ``keep`` problems, in file, row, column order."""
        return sorted(self._kept)[: self.keep]

    def error(self) -> ValidationError:
        """The :class:`ValidationError` listing them."""
        return ValidationError(self.first(), total=self.total)


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
