"""The credits domain's params and results."""

from typing import Annotated, Literal, TypedDict

from daemon.constants import MAX_SAFE_INTEGER
from daemon.domains.types import JsonObject, Timestamp
from daemon.rpc.schema import Doc, Len, Range

Amount = Annotated[int, Range(0, MAX_SAFE_INTEGER)]
PositiveAmount = Annotated[int, Range(1, MAX_SAFE_INTEGER)]
TransactionType = Literal["USAGE", "TOP_UP", "GRANT", "REFUND"]
Balance = Annotated[int, Range(0), Doc("the balance, in credits")]
HoldId = Annotated[str, Len(1, 255), Doc("the hold_id reserve_credits returned")]
TtlS = Annotated[int, Range(1, 86400), Doc("seconds until the hold expires; default 900")]
CaptureAmount = Annotated[int, Range(1, MAX_SAFE_INTEGER), Doc("at most the amount held; default: all of it")]
HoldStatus = Literal["HELD", "CAPTURED", "RELEASED", "EXPIRED"]


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


class Hold(TypedDict):
    hold_id: str
    user_id: str
    amount: int
    status: Annotated[HoldStatus, Doc("a HELD hold past its expires_at reads EXPIRED")]
    expires_at: Timestamp
    created_at: Timestamp
    captured: Annotated[int, Doc("the amount captured; 0 until then")]


class BalanceSummary(TypedDict):
    balance: int
    held: Annotated[int, Doc("set aside by holds that have not lapsed")]
    available: Annotated[int, Doc("balance - held: what spends and new holds draw on")]
