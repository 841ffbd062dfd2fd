"""The error hierarchy. Each JSON-RPC error class carries its code and message here, once;
`daemon.rpc.dispatch` is the one place that turns them into response objects."""

from __future__ import annotations

from typing import Any


class ConfigError(Exception):
    """A bad setting: the CLI prints the message as one line and exits 2."""


class StartupError(Exception):
    """A store did not come up in time: the CLI prints one line and exits 1."""


class RpcError(Exception):
    code: int = -32603
    message: str = "Internal error"

    def __init__(self, data: Any = None):
        super().__init__(self.message)
        self.data = data


class ParseError(RpcError):
    code, message = -32700, "Parse error"


class InvalidRequest(RpcError):
    code, message = -32600, "Invalid Request"


class MethodNotFound(RpcError):
    code, message = -32601, "Method not found"


class InvalidParams(RpcError):
    code, message = -32602, "Invalid params"

    def __init__(self, param: str | None, reason: str, **extra: Any):
        super().__init__({"param": param, "reason": reason, **extra})


class InternalError(RpcError):
    code, message = -32603, "Internal error"


class Unauthorized(RpcError):
    code, message = -32001, "Unauthorized"


class Unavailable(RpcError):
    code, message = -32002, "Unavailable"


class Timeout(RpcError):
    code, message = -32003, "Timeout"


class ResponseTooLarge(RpcError):
    code, message = -32005, "Response too large"

    def __init__(self, limit: int):
        super().__init__({"limit": limit})


class InsufficientBalance(RpcError):
    code, message = 1001, "Insufficient balance"

    def __init__(self, user_id: str, balance: int, amount: int, available: int):
        # `available` is the balance less what holds set aside: what spends and new holds draw on
        super().__init__({"user_id": user_id, "balance": balance, "amount": amount, "available": available})


class NotFound(RpcError):
    code, message = 1002, "Not found"

    def __init__(self, kind: str, id: str):
        super().__init__({"kind": kind, "id": id})


class Conflict(RpcError):
    code, message = 1003, "Conflict"


class CannotDecrypt(RpcError):
    """Stored secrets none of the configured keys opens: said so, never read as empty (a later
    write would then overwrite them for good)."""
    code, message = 1004, "Cannot decrypt"

    def __init__(self, kind: str, id: str):
        super().__init__({"kind": kind, "id": id})


ALL_RPC_ERRORS: tuple[type[RpcError], ...] = (
    ParseError, InvalidRequest, MethodNotFound, InvalidParams, InternalError,
    Unauthorized, Unavailable, Timeout, ResponseTooLarge, InsufficientBalance, NotFound, Conflict,
    CannotDecrypt,
)
