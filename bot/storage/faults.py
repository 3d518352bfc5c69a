"""Telling a database that is away (retry later) from a row it refuses (set that row aside)."""

from __future__ import annotations

from sqlalchemy import exc

# The database is unreachable, locked, read-only or full: nothing is wrong with the rows.
_OUTAGE = (exc.OperationalError, exc.InterfaceError, exc.TimeoutError, OSError, TimeoutError)


def is_outage(error: BaseException) -> bool:
    if isinstance(error, exc.DBAPIError) and error.connection_invalidated:
        return True
    return isinstance(error, _OUTAGE) or isinstance(getattr(error, "orig", None), _OUTAGE)


def describe(error: BaseException) -> str:
    """The error's class and first line, without the statement or its parameters."""
    cause = getattr(error, "orig", None) or error
    first_line = (str(cause).splitlines() or [""])[0][:160]
    return f"{type(cause).__name__}:{first_line!r}"
