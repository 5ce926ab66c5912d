"""Domain exceptions.

Every error a user can cause (a bad params file, a missing column, an unreadable
date, a wrong encoding) is raised as a :class:`RepurchaseError` subclass whose
message names the file, the field and the fix. The command line prints that
message alone, without a traceback. A message repeats at most about
:data:`SHOWN_VALUE_CHARS` characters of any bad value (:func:`clip`).
"""

from __future__ import annotations


class RepurchaseError(Exception):
    """Base class for errors caused by inputs, with a message meant for the user."""


class ParamsError(RepurchaseError):
    """A params file is missing, unreadable, or fails validation.

    Parameters
    ----------
    path
        The params file.
    problems
        One line per problem, each naming the field and the fix.
    """

    def __init__(self, path: object, problems: list[str]):
        self.path = str(path)
        self.problems = list(problems)
        n = len(self.problems)
        head = f"{self.path}: {n} problem{'s' if n != 1 else ''} in the params file"
        super().__init__(head + "\n" + "\n".join(f"  - {p}" for p in self.problems))


class SourceError(RepurchaseError):
    """A data source cannot be read: missing file, wrong encoding, missing column."""


class DataError(RepurchaseError):
    """A source was read but its values are unusable (e.g. no date can be parsed)."""


class AnalysisError(RepurchaseError):
    """An analysis cannot run on the data given (e.g. too few customers to fit)."""


class PeriodError(RepurchaseError):
    """A report period is malformed or outside the data."""


class OutputError(RepurchaseError):
    """The reports folder cannot be written (read-only, not a folder, no space)."""


class JobError(RepurchaseError):
    """A render job (``render-job``, ``--dask``) is malformed or cannot be run where it was sent."""


class InsufficientData(AnalysisError):
    """The data are too short or too small for one part of an analysis.

    Parameters
    ----------
    message
        What could not be done and why, for logs and tracebacks.
    unavailable
        The :class:`repurchase.core.status.Unavailable` the report shows instead
        (what, why, what to do, in the report language); None when the caller
        words it itself.
    """

    def __init__(self, message: str, unavailable: object | None = None):
        super().__init__(message)
        self.unavailable = unavailable


def with_params_file(exc: Exception, params_path: object) -> str:
    """The error message, prefixed with the params file unless it already names it."""
    msg = str(exc)
    return msg if msg.startswith(str(params_path)) else f"{params_path}: {msg}"


#: the most characters of one value (a cell, a key, a header) that a message repeats
SHOWN_VALUE_CHARS = 200


def clip(value: object, limit: int = SHOWN_VALUE_CHARS) -> str:
    """``repr(value)`` for a message, cut to about ``limit`` characters (a huge bad value never floods it)."""
    text = value if isinstance(value, str) else str(value)
    if len(text) <= limit:
        return repr(value) if isinstance(value, str) else text
    return repr(text[:limit]) + f"… ({len(text):,} characters)"
