"""Param and result types shared by the domains: the limits the README states, written once."""

from typing import Annotated, Any

from daemon.constants import MAX_METADATA_BYTES, NAME_MAX_CHARS, NAME_MIN_CHARS
from daemon.rpc.schema import Doc, Format, JsonSize, Len

Name = Annotated[str, Len(NAME_MIN_CHARS, NAME_MAX_CHARS)]
UserId = Annotated[str, Len(NAME_MIN_CHARS, NAME_MAX_CHARS), Doc("the user's id")]
TransactionKey = Annotated[str, Len(NAME_MIN_CHARS, NAME_MAX_CHARS),
                           Doc("makes the write idempotent: a retry with the same key and params writes nothing")]
Metadata = Annotated[dict[str, Any], JsonSize(MAX_METADATA_BYTES), Doc("a JSON object")]

# in params: any RFC 3339 offset; methods store it in UTC (daemon.clock.as_utc)
DateTime = Annotated[str, Format("date-time"), Doc("RFC 3339, any offset")]

# in results
Timestamp = Annotated[str, Format("date-time"), Doc("RFC 3339, UTC")]
JsonObject = dict[str, Any]
