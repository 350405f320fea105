"""Driving the Rasa CLI in `.venv-rasa` from the bot's environment: write training files,
train per evaluation fold, predict offline, serve. Nothing here imports Rasa itself."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Final

import yaml

from nlu.rasa_backend import ranking_from_body
from nlu.training_data import Example

RASA_DIR: Final = Path("nlu/rasa")
VENV: Final = Path(".venv-rasa")
MODELS_DIR: Final = Path(".cache/rasa-models")


class RasaUnavailable(RuntimeError):
    """`.venv-rasa` is missing or a Rasa command failed."""


def rasa_executable(root: Path = Path()) -> Path | None:
    path = root / VENV / "bin" / "rasa"
    return path if path.exists() else None


def _require(root: Path) -> Path:
    exe = rasa_executable(root)
    if exe is None:
        raise RasaUnavailable(f"{root / VENV} not found: run nlu/rasa/setup.sh first")
    return exe


def write_nlu_yaml(examples: Sequence[Example], path: Path) -> None:
    """Examples as one Rasa 3.1 NLU file, grouped by intent."""
    by_intent: dict[str, list[str]] = {}
    for ex in examples:
        by_intent.setdefault(ex.intent, []).append(" ".join(ex.text.split()))
    lines = ['version: "3.1"', "nlu:"]
    for intent, texts in sorted(by_intent.items()):
        lines.append(f"- intent: {intent}")
        lines.append("  examples: |")
        lines.extend(f"    - {t}" for t in texts)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_domain(intents: Sequence[str], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    body = {"version": "3.1", "intents": list(intents)}
    path.write_text(yaml.safe_dump(body, allow_unicode=True, sort_keys=False), encoding="utf-8")


def _env() -> dict[str, str]:
    # Quiet TensorFlow, no telemetry prompt, CPU only.
    return {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "RASA_TELEMETRY_ENABLED": "false",
            "CUDA_VISIBLE_DEVICES": ""}  # fmt: skip


def train(nlu_path: Path, out_dir: Path, name: str, root: Path = Path()) -> Path:
    """Train a Rasa NLU model on `nlu_path` (file or folder); the model archive's path."""
    exe = _require(root)
    out_dir.mkdir(parents=True, exist_ok=True)
    domain = out_dir / "domain.yml"
    intents = sorted({line.split(":", 1)[1].strip() for line in _intent_lines(nlu_path)})
    write_domain(intents, domain)
    cmd = [str(exe), "train", "nlu", "--config", str(root / RASA_DIR / "config.yml"),
           "--domain", str(domain), "--nlu", str(nlu_path), "--out", str(out_dir),
           "--fixed-model-name", name]  # fmt: skip
    proc = subprocess.run(cmd, capture_output=True, text=True, env=_env(), check=False)
    model = out_dir / f"{name}.tar.gz"
    if proc.returncode != 0 or not model.exists():
        raise RasaUnavailable(f"rasa train failed ({proc.returncode}): {proc.stderr[-1500:]}")
    return model


def _intent_lines(nlu_path: Path) -> list[str]:
    files = sorted(nlu_path.rglob("*.yml")) if nlu_path.is_dir() else [nlu_path]
    return [
        line.strip().removeprefix("- ")
        for f in files
        for line in f.read_text("utf-8").splitlines()
        if line.strip().startswith("- intent:")
    ]


def predict(model: Path, texts: Sequence[str], root: Path = Path()) -> list[tuple[tuple[str, float], ...]]:
    """Rankings of `texts` by a trained model, loaded once, without a server."""
    _require(root)
    python = root / VENV / "bin" / "python"
    feed = "".join(json.dumps({"text": t}, ensure_ascii=False) + "\n" for t in texts)
    cmd = [str(python), str(root / RASA_DIR / "predict.py"), str(model)]
    proc = subprocess.run(cmd, input=feed, capture_output=True, text=True, env=_env(), check=False)
    rows = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if proc.returncode != 0 or len(rows) != len(texts):
        raise RasaUnavailable(f"rasa predict failed ({proc.returncode}): {proc.stderr[-1500:]}")
    return [ranking_from_body(json.loads(row), keep_fallback=False) for row in rows]


def latest_model(root: Path = Path()) -> Path | None:
    models = sorted((root / MODELS_DIR).glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    return models[-1] if models else None


def serve_command(port: int, model: Path, root: Path = Path()) -> list[str]:
    exe = _require(root)
    return [str(exe), "run", "--enable-api", "-i", "127.0.0.1", "-p", str(port), "-m", str(model)]
