"""Fields of the executions' stats JSON (stored as text) as SQL expressions, on either database.

A stats value is any JSON the caller stored, so a field reads as a number only when it is one
(a string "0.9" or a missing field is NULL, never a cast error or a silent 0). PostgreSQL reads
it through `json`, not `jsonb`: `json` keeps any text it was given, where `jsonb` refuses a
string holding \\u0000, which stats may (API.md "Values")."""

from __future__ import annotations

from typing import Any

from sqlalchemy import literal_column


def number(kind: str, column: str, field: str) -> Any:
    """The field as a float, or NULL when it is missing or not a number. `column` and `field`
    come from this package's own code, never from a caller."""
    if kind == "postgresql":
        return literal_column(f"(CASE WHEN json_typeof(CAST({column} AS json) -> '{field}') = 'number' "
                              f"THEN CAST(CAST({column} AS json) ->> '{field}' AS double precision) END)")
    return literal_column(f"(CASE WHEN json_type({column}, '$.{field}') IN ('integer', 'real') "
                          f"THEN CAST(json_extract({column}, '$.{field}') AS REAL) END)")


def text(kind: str, column: str, field: str) -> Any:
    """The field as text when it is a JSON string, else NULL."""
    if kind == "postgresql":
        return literal_column(f"(CASE WHEN json_typeof(CAST({column} AS json) -> '{field}') = 'string' "
                              f"THEN CAST({column} AS json) ->> '{field}' END)")
    return literal_column(f"(CASE WHEN json_type({column}, '$.{field}') = 'text' "
                          f"THEN json_extract({column}, '$.{field}') END)")


def is_object(kind: str, column: str) -> Any:
    """True when the stats are a JSON object (the seed's "an execution with stats")."""
    if kind == "postgresql":
        return literal_column(f"(json_typeof(CAST({column} AS json)) = 'object')")
    return literal_column(f"(json_type({column}) = 'object')")
