"""Runtime settings from environment variables, in one place.

Secrets (tokens, passwords) are only ever read from the environment, never from files in the
repository, and never logged.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Mapping, Optional

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# The environment every `rasa train` of this project runs in (the Makefile's TRAIN_ENV says the
# same): TensorFlow's deterministic ops and a fixed Python hash seed make training reproducible,
# so two trainings of the same data give the same model, not just the same figures on average.
TRAINING_ENV = {"TF_DETERMINISTIC_OPS": "1", "PYTHONHASHSEED": "0"}


def data_dir(env: Optional[Mapping[str, str]] = None) -> Path:
    """Where runtime data lives (SQLite files); created on first use."""
    env = os.environ if env is None else env
    path = Path(env.get("CAREERBOT_DATA_DIR") or PROJECT_ROOT / "var")
    path.mkdir(parents=True, exist_ok=True)
    return path


def database_url() -> str:
    """PostgreSQL when DATABASE_URL is set, else the conversations SQLite file under data_dir()."""
    return os.environ.get("DATABASE_URL") or f"sqlite:///{data_dir() / 'conversations.db'}"


def office_file() -> Path:
    return Path(os.environ.get("OFFICE_FILE") or PROJECT_ROOT / "office.yml")


def allowed_origins() -> list:
    """Origins allowed to embed the chat widget (WIDGET_ALLOWED_ORIGINS, comma-separated)."""
    raw = os.environ.get("WIDGET_ALLOWED_ORIGINS", "http://localhost:8080,http://127.0.0.1:8080")
    return [origin.strip().rstrip("/") for origin in raw.split(",") if origin.strip()]
