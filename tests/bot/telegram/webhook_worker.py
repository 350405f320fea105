"""One bot process in webhook mode (the same code as `hamroh serve`), for the scale-out test:
`python -m tests.bot.telegram.webhook_worker DB_URL API_URL PORT REDIS_URL PREFIX`.

It uses the scripted NLU so it starts in a second; it prints READY when it listens and runs
until it is killed.
"""

from __future__ import annotations

import asyncio
import sys

from bot.composition import build_services, build_telegram
from bot.logs import configure_logging
from bot.telegram.serve import webhook_mode
from tests.bot.telegram.scripted import make_settings, scripted_understander


async def main(db_url: str, api_url: str, port: int, redis_url: str, prefix: str) -> None:
    from redis.asyncio import Redis

    settings = make_settings(db_url, api_url, redis_url=redis_url, redis_prefix=prefix, mode="webhook",
                             webhook_url=f"http://127.0.0.1:{port}/telegram/webhook", webhook_port=port,
                             webhook_secret="s3cret-for-tests")
    configure_logging(settings)  # logs to stderr: stdout carries only READY
    services = await build_services(settings, understander=scripted_understander())
    redis = Redis.from_url(redis_url)
    tg = build_telegram(services, redis=redis)
    async with webhook_mode(tg, services):
        print("READY", flush=True)
        await asyncio.Event().wait()


if __name__ == "__main__":
    db, api, port, redis, prefix = sys.argv[1:6]
    asyncio.run(main(db, api, int(port), redis, prefix))
