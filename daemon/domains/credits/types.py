"""The credits domain's params and results."""

from typing import Annotated, Literal, TypedDict

from daemon.constants import MAX_SAFE_INTEGER
from daemon.domains.types import JsonObject, Timestamp
from daemon.rpc.schema import Doc, Range

Amount = Annotated[int, Range(0, MAX_SAFE_INTEGER)]
PositiveAmount = Annotated[int, Range(1, MAX_SAFE_INTEGER)]
TransactionType = Literal["USAGE", "TOP_UP", "GRANT", "REFUND"]
Balance = Annotated[int, Range(0), Doc("the balance, in credits")]


class Transaction(TypedDict):
    id: str
    transaction_key: str
    user_id: str
    type: TransactionType
    amount: Annotated[int, Doc("signed: a spend is negative")]
    running_balance: int
    metadata: JsonObject
    created_at: Timestamp


class TransactionPage(TypedDict):
    transactions: list[Transaction]
    next_cursor: Annotated[str | None, Doc("pass as cursor for the next page; null on the last")]
