"""What the benchmarks share: free ports, a process's CPU time, waiting, stopping, a
throwaway PostgreSQL schema, Redis clean-up, and whether a server is up."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import asyncpg
from redis.asyncio import Redis

TICKS = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


async def wait_until(check: Callable[[], bool], within: float, what: str) -> None:
    deadline = time.monotonic() + within
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError(what)
        await asyncio.sleep(0.02)


def stop(procs: list[subprocess.Popen[bytes]]) -> None:
    for proc in procs:
        proc.terminate()
    for proc in procs:
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()


async def clear_redis(url: str, prefix: str) -> None:
    redis = Redis.from_url(url)
    try:
        keys = [k async for k in redis.scan_iter(match=f"{prefix}:*", count=1000)]
        for i in range(0, len(keys), 500):
            await redis.delete(*keys[i:i + 500])
    finally:
        await redis.aclose()


async def with_pg_schema(url: str, case: Callable[[str], Any]) -> None:
    """A throwaway role whose search_path is its own schema only (tables left in `public` by
    anything else are not seen)."""
    base = url.replace("postgresql+asyncpg://", "postgresql://")
    role = f"hamroh_bench_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(base)
    try:
        await admin.execute(f'CREATE ROLE "{role}" LOGIN')
        await admin.execute(f'CREATE SCHEMA "{role}" AUTHORIZATION "{role}"')
        await admin.execute(f'ALTER ROLE "{role}" SET search_path TO "{role}"')
        await case(url.replace("://postgres@", f"://{role}@", 1))
    finally:
        await admin.execute(f'DROP SCHEMA IF EXISTS "{role}" CASCADE')
        await admin.execute(f'DROP ROLE IF EXISTS "{role}"')
        await admin.close()


def reachable(url: str, default_port: int) -> bool:
    host_port = url.split("@", 1)[-1].split("://", 1)[-1].split("/", 1)[0]
    host, _, port = host_port.partition(":")
    try:
        socket.create_connection((host, int(port or default_port)), timeout=0.5).close()
    except OSError:
        return False
    return True
