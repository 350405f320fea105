"""deploy/compose.yaml without a Docker daemon: its services, health checks, volumes and
environment read as data and checked against the settings they feed; `docker-compose config`
validates the file when Debian's docker-compose is installed (CI installs it: .ci/run).
The commands the compose file starts are the ones that run here without Docker."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
VAR = re.compile(r"\$\{(\w+)(?::?[-?]([^}]*))?\}")


def example_env() -> dict[str, str]:
    pairs = (line.split("=", 1) for line in (DEPLOY / "env.example").read_text().splitlines()
             if line.strip() and not line.lstrip().startswith("#"))
    return {k.strip(): v.strip() for k, v in pairs}


def substitute(value: str, env: dict[str, str]) -> str:
    return VAR.sub(lambda m: env.get(m[1]) or (m[2] if m[0].count(":-") else "") or "", value)


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    return data


def test_services_images_and_profiles(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert {"hamroh", "migrate", "caddy", "postgres", "redis", "rasa"} <= set(services)
    assert services["postgres"]["image"] == "postgres:16" and services["redis"]["image"] == "redis:7"
    assert services["caddy"]["image"].startswith("caddy:2")
    assert services["hamroh"]["command"] == ["hamroh", "serve"]
    assert "${HAMROH_REPLICAS" in str(services["hamroh"]["deploy"]["replicas"])
    assert "ports" not in services["hamroh"], "replicas cannot share host ports: Caddy is the way in"
    # The Rasa image is built from the pinned requirements the project already uses.
    assert services["rasa"]["profiles"] == ["rasa"]
    dockerfile = ROOT / services["rasa"]["build"]["dockerfile"]
    assert "nlu/rasa/requirements-rasa.txt" in dockerfile.read_text()
    assert "rasa==3.6.21" in dockerfile.read_text() and "rasa==3.6.21" in (ROOT / "nlu/rasa/setup.sh").read_text()
    # The replicas start once the schema is migrated, the database and Redis healthy.
    deps = services["hamroh"]["depends_on"]
    assert deps["migrate"]["condition"] == "service_completed_successfully"
    assert deps["postgres"]["condition"] == deps["redis"]["condition"] == "service_healthy"


def test_health_checks(compose: dict[str, Any]) -> None:
    services = compose["services"]
    for name in ("hamroh", "caddy", "postgres", "redis", "rasa", "prometheus", "grafana"):
        assert services[name]["healthcheck"]["test"], name
    assert services["migrate"]["healthcheck"] == {"disable": True}
    hamroh_check = " ".join(services["hamroh"]["healthcheck"]["test"])
    port = services["hamroh"]["environment"]["HAMROH_OPS__PORT"]
    assert f"127.0.0.1:{port}/readyz" in hamroh_check
    assert "pg_isready" in " ".join(services["postgres"]["healthcheck"]["test"])


def test_volumes_content_and_secrets(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert {"postgres-data", "redis-data", "caddy-data"} <= set(compose["volumes"])
    assert "postgres-data:/var/lib/postgresql/data" in services["postgres"]["volumes"]
    # The editors' folder is mounted over the image's copy: their saved changes reload.
    assert "../content:/app/content:ro" in services["hamroh"]["volumes"]
    assert services["hamroh"]["env_file"] == "${HAMROH_ENV_FILE:-.env}"
    # Every variable the file requires has a documented example value.
    required = set(re.findall(r"\$\{(\w+):\?", (DEPLOY / "compose.yaml").read_text()))
    assert required == {"HAMROH_TELEGRAM__TOKEN", "HAMROH_DOMAIN", "POSTGRES_PASSWORD"}
    assert required <= set(example_env())
    assert ".env" in (DEPLOY / ".gitignore").read_text().split()
    assert "deploy/.env" in (ROOT / ".dockerignore").read_text().split()


def test_environment_is_valid_settings(compose: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    env = example_env()
    hamroh = {k: substitute(str(v), env) for k, v in compose["services"]["hamroh"]["environment"].items()}
    for key, value in {**{k: v for k, v in env.items() if k.startswith("HAMROH_")}, **hamroh}.items():
        monkeypatch.setenv(key, value)
    s = Settings(_env_file=None)  # type: ignore[call-arg]
    assert s.telegram.mode == "webhook" and s.telegram.webhook_host == "0.0.0.0"
    assert s.telegram.webhook_url == "https://bot.example.org/telegram/webhook"
    assert s.database.url.startswith("postgresql+asyncpg://hamroh:") and "@postgres:5432/hamroh" in s.database.url
    assert s.redis.url == "redis://redis:6379/0" and s.ops.host == "0.0.0.0" and s.console.cookie_secure
    assert s.log_json and s.ops.person_key is not None
    # Caddy sends Telegram's POSTs to the port and path the replicas listen on.
    caddy = "\n".join(line for line in (DEPLOY / "Caddyfile").read_text().splitlines()
                      if not line.lstrip().startswith("#"))
    assert f"handle {s.telegram.webhook_path}" in caddy and f"dynamic a hamroh {s.telegram.webhook_port}" in caddy
    assert str(s.ops.port) not in caddy, "/metrics and /readyz must not be public"


def test_image_installs_the_lock() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "pip install --require-hashes --no-deps -r requirements.lock" in dockerfile
    for package in ("bot", "nlu", "hotline_router", "shared"):  # every package pyproject.toml ships
        assert f"COPY {package} ./{package}" in dockerfile
    makefile = (ROOT / "Makefile").read_text()
    assert "--require-hashes --no-deps -r requirements.lock" in makefile and "--no-deps -e ." in makefile


def test_compose_commands_run_here_without_docker(tmp_path: Path) -> None:
    """`migrate` runs the same module here (SQLite stands in for the server)."""
    env = {**os.environ, "HAMROH_DATABASE__URL": f"sqlite+aiosqlite:///{tmp_path / 'h.db'}"}
    for args in (["-m", "bot.ops.migrate"], ["-m", "bot.ops.migrate", "--current"]):
        done = subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True,
                              timeout=120, check=False)
        assert done.returncode == 0, done.stderr[-2000:]
    assert "(head)" in done.stdout
    assert shutil.which("hamroh", path=str(Path(sys.executable).parent)) is not None


def test_docker_compose_config_validates() -> None:
    binary = shutil.which("docker-compose")
    if binary is None:
        message = "docker-compose is not installed (Debian: apt-get install docker-compose)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{message}, and CI=true requires it")
        pytest.skip(message)
    env = {**os.environ, "HAMROH_ENV_FILE": "env.example"}
    done = subprocess.run([binary, "--env-file", str(DEPLOY / "env.example"), "-f", str(DEPLOY / "compose.yaml"),
                           "--profile", "rasa", "--profile", "monitoring", "config"],
                          cwd=DEPLOY, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    rendered = yaml.safe_load(done.stdout)
    assert {"hamroh", "migrate", "caddy", "postgres", "redis", "rasa", "prometheus", "grafana"} <= \
        set(rendered["services"])
