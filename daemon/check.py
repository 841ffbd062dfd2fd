"""`dbmanager check`: for monitoring. Asks the running daemon's /healthz."""


import aiohttp

from daemon.settings import Settings


async def check(settings: Settings) -> bool:
    host = "127.0.0.1" if settings.host in ("0.0.0.0", "::", "") else settings.host
    url = f"http://{host}:{settings.port}/healthz"
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as session:
            async with session.get(url) as response:
                body = await response.json()
                print(f"{response.status} {body}")
                return response.status == 200
    except (TimeoutError, aiohttp.ClientError) as exc:
        print(f"unreachable: {type(exc).__name__}")
        return False
