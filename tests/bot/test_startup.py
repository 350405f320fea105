"""Start-up checks: the real `hamroh` command with a wrong database port, a wrong Redis URL
or a malformed token prints one line on stderr and exits with 2 (no traceback, no password)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import SecretStr

from bot.settings import RedisSettings, Settings, TelegramSettings
from bot.startup import StartupError, check_database, check_token, mask_url, preflight
from tests.conftest import PG_URL, need_server

HAMROH = Path(sys.executable).parent / "hamroh"
TOKEN = "123456789:AAHamrohTestTokenForTheFakeServer00"


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def run(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("HAMROH_")}
    clean.update({"HAMROH_DATABASE__URL": f"sqlite+aiosqlite:///{tmp_path / 'hamroh.db'}", **env})
    # In tmp_path: the repository's .env must not change what is tested.
    command = [str(HAMROH)] if HAMROH.exists() else [sys.executable, "-m", "bot.cli.main"]
    return subprocess.run([*command, *args], cwd=tmp_path, env=clean, capture_output=True, text=True,
                          timeout=120, stdin=subprocess.DEVNULL)


def one_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2, (result.returncode, result.stderr[-2000:])
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr[-2000:]
    return lines[0]


def test_wrong_database_port(tmp_path: Path) -> None:
    port = closed_port()
    url = f"postgresql+asyncpg://hamroh:s3cret@127.0.0.1:{port}/hamroh"
    line = one_line(run(tmp_path, "serve", HAMROH_TELEGRAM__TOKEN=TOKEN, HAMROH_DATABASE__URL=url))
    assert line == (f"hamroh: cannot reach the database at postgresql+asyncpg://hamroh:***@127.0.0.1:{port}"
                    f"/hamroh: connection refused")
    # A command that opens the database without the checks fails the same way (bot.storage.db).
    assert one_line(run(tmp_path, "operators", "list", HAMROH_DATABASE__URL=url)) == line


def test_wrong_redis_url(tmp_path: Path) -> None:
    port = closed_port()
    line = one_line(run(tmp_path, "serve", HAMROH_TELEGRAM__TOKEN=TOKEN,
                        HAMROH_REDIS__URL=f"redis://:pw@127.0.0.1:{port}/0"))
    assert line == f"hamroh: cannot reach Redis at redis://:***@127.0.0.1:{port}/0: connection refused"


async def test_redis_url_without_a_scheme() -> None:
    with pytest.raises(StartupError) as caught:
        await preflight(Settings(redis=RedisSettings(url="127.0.0.1:6379")), database=False)
    assert str(caught.value).startswith("invalid Redis URL 127.0.0.1:6379: ")


async def test_malformed_token() -> None:
    settings = Settings(telegram=TelegramSettings(token=SecretStr("AAH-not-a-token")))
    with pytest.raises(StartupError) as caught:
        await preflight(settings, database=False)
    assert str(caught.value).startswith("HAMROH_TELEGRAM__TOKEN does not look like a Bot API token")
    assert "AAH-not-a-token" not in str(caught.value)
    check_token(Settings(telegram=TelegramSettings(token=SecretStr(TOKEN))))  # a real one passes


async def test_missing_postgres_database_is_one_line() -> None:
    need_server("PostgreSQL", "127.0.0.1", 5432)
    url = PG_URL.rsplit("/", 1)[0] + "/hamroh_no_such_db"
    with pytest.raises(StartupError) as caught:
        await check_database(url)
    assert str(caught.value) == (f"cannot reach the database at {mask_url(url)}: "
                                 f'database "hamroh_no_such_db" does not exist')
