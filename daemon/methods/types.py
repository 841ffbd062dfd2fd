"""Param and result types shared by the domain modules: the limits of API.md, written once."""

from typing import Annotated, Literal, get_args

from daemon.constants import MAX_METADATA_BYTES, MAX_SAFE_INTEGER, NAME_MAX_CHARS, NAME_MIN_CHARS
from daemon.rpc.params import Doc, JsonSize, Len, Range

Name = Annotated[str, Len(NAME_MIN_CHARS, NAME_MAX_CHARS)]
UserId = Annotated[str, Len(NAME_MIN_CHARS, NAME_MAX_CHARS), Doc("the user's id")]
TransactionKey = Annotated[str, Len(NAME_MIN_CHARS, NAME_MAX_CHARS),
                           Doc("makes the write idempotent: a retry with the same key and params writes nothing")]
Email = Annotated[str, Len(3, 320), Doc("unique across users")]
Metadata = Annotated[dict, JsonSize(MAX_METADATA_BYTES), Doc("a JSON object, at most 16 KiB serialized")]
Amount = Annotated[int, Range(0, MAX_SAFE_INTEGER)]
PositiveAmount = Annotated[int, Range(1, MAX_SAFE_INTEGER)]
TransactionType = Literal["USAGE", "TOP_UP", "GRANT", "REFUND"]

USER_SCHEMA = {
    "type": "object",
    "properties": {
        "id": {"type": "string"},
        "email": {"type": "string"},
        "name": {"type": ["string", "null"]},
        "metadata": {"type": "object"},
        "created_at": {"type": "string", "format": "date-time"},
    },
    "required": ["id", "email", "name", "metadata", "created_at"],
}

TRANSACTION_SCHEMA = {
    "type": "object",
    "properties": {
        "id": {"type": "string"},
        "transaction_key": {"type": "string"},
        "user_id": {"type": "string"},
        "type": {"type": "string", "enum": list(get_args(TransactionType))},
        "amount": {"type": "integer", "description": "signed: a spend is negative"},
        "running_balance": {"type": "integer"},
        "metadata": {"type": "object"},
        "created_at": {"type": "string", "format": "date-time"},
    },
    "required": ["id", "transaction_key", "user_id", "type", "amount", "running_balance", "metadata", "created_at"],
}

BALANCE_SCHEMA = {"type": "integer", "minimum": 0, "description": "the balance, in credits"}
