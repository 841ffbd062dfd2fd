"""`dbmanager check`: for monitoring. Asks the running daemon's /healthz and says what it found,
in words for a person or, with --json, as one JSON object for a script."""

from __future__ import annotations

from typing import Any

import aiohttp
import orjson

from daemon.settings import Settings


async def check(settings: Settings, as_json: bool = False) -> bool:
    host = "127.0.0.1" if settings.host in ("0.0.0.0", "::", "") else settings.host
    url = f"http://{host}:{settings.port}/healthz"
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as session:
            async with session.get(url) as response:
                found: dict[str, Any] = {"address": url, "http_status": response.status, **await response.json()}
    except (TimeoutError, aiohttp.ClientError, ValueError) as exc:
        found = {"address": url, "status": "unreachable", "reason": type(exc).__name__}
    print(orjson.dumps(found).decode() if as_json else _in_words(found))
    return found.get("status") == "ok"


def _in_words(found: dict[str, Any]) -> str:
    if found["status"] == "unreachable":
        return f"unreachable: nothing answered at {found['address']} ({found['reason']})"
    stores = ", ".join(f"{store} {found[store]}" for store in ("database", "redis") if store in found)
    return f"{found['status']}: {stores} (at {found['address']})"
