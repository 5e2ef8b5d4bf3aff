"""The ``matchmaker`` command: a thin typer front end over the core.

Every command takes the global ``--db URL`` before its name::

    matchmaker --db sqlite:///data/matchmaker.db import data/demo

Errors from the core (:class:`matchmaker.errors.MatchmakerError`) are printed as one
message on stderr, with exit status 2 for bad input and 1 for anything else.
"""

from __future__ import annotations

import functools
import sys
from pathlib import Path
from typing import Annotated

import typer

from matchmaker.errors import (
    ConfigError,
    DataError,
    InfeasibleError,
    MatchmakerError,
    NotFoundError,
    TransitionError,
    ValidationError,
)
from matchmaker.store import Store

__all__ = ["app"]

app = typer.Typer(
    help="matchmaker: industry-chain matchmaking recommender.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


class _State:
    db: str | None = None
    username: str | None = None  # --user NAME
    user = None  # the matchmaker.auth.User signed in by open_store, if --user was given


state = _State()


@app.callback()
def main(
    db: Annotated[
        str | None,
        typer.Option(
            "--db", help="Database URL (default: MATCHMAKER_DB or sqlite:///data/matchmaker.db)."
        ),
    ] = None,
    user: Annotated[
        str | None,
        typer.Option(
            "--user",
            help="Act as this account (password: MATCHMAKER_PASSWORD or a hidden prompt); "
            "default: the operator, who holds the database.",
        ),
    ] = None,
) -> None:
    """matchmaker: industry-chain matchmaking recommender."""
    state.db = db
    state.username = user
    state.user = None


def _password() -> str:
    import os

    password = os.environ.get("MATCHMAKER_PASSWORD", "")
    if password:
        return password
    if not sys.stdin.isatty():
        from matchmaker.errors import AuthError

        raise AuthError(
            f"--user {state.username} needs a password: set MATCHMAKER_PASSWORD or run at a "
            "terminal"
        )
    return typer.prompt(f"password for {state.username}", hide_input=True)


def open_store(ready: bool = True) -> Store:
    """The store named by ``--db``; with ``ready``, refuse an uninitialised database.

    With ``--user NAME`` the user signs in (audited) and the store is their scoped view
    (:func:`matchmaker.access.scoped`): every command then sees and does what the role may.
    """
    store = Store(state.db)
    if ready or state.username:
        store.check_ready()
    if state.username:
        from matchmaker.auth import authenticate

        state.user = authenticate(store, state.username, _password())
        return store.as_user(state.user)
    return store


def fail(message: str, code: int = 1):
    typer.echo(message, err=True)
    raise typer.Exit(code)


BAD_INPUT = (ConfigError, DataError, InfeasibleError, NotFoundError, TransitionError)


def handle_errors(func):
    """Turn core errors into one message and an exit status (2: bad input)."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except ValidationError as exc:
            for problem in exc.problems:
                typer.echo(str(problem), err=True)
            typer.echo(f"refused: {len(exc.problems)} problem(s); nothing was written", err=True)
            raise typer.Exit(2) from None
        except MatchmakerError as exc:
            fail(f"error: {exc}", 2 if isinstance(exc, BAD_INPUT) else 1)

    return wrapper


@app.command()
@handle_errors
def init() -> None:
    """Create the database, or upgrade it to the newest schema; create the first admin.

    With no admin account yet, its password is MATCHMAKER_ADMIN_PASSWORD or typed at the
    terminal (name: MATCHMAKER_ADMIN_USER, default admin); with neither, init stops (exit 2).
    """
    from matchmaker.cli_accounts import ensure_first_admin

    store = open_store(ready=False)
    revision = store.init()
    typer.echo(f"database ready at schema revision {revision}: {store!r}")
    admin = ensure_first_admin(store)
    if admin is not None:
        typer.echo(f"first admin account created: {admin.username}")


@app.command("import")
@handle_errors
def import_(
    path: Annotated[Path, typer.Argument(help="A folder of CSV files or one .xlsx workbook.")],
) -> None:
    """Validate a workspace and import it; on any problem write nothing and exit 2."""
    from matchmaker.auth import audit
    from matchmaker.cli_accounts import cli_actor
    from matchmaker.ingest import import_workspace

    store = open_store()
    try:
        result = import_workspace(store, path)
    except ValidationError as exc:
        audit(store, cli_actor(), "import.refused", f"{path.name}: {len(exc.problems)} problem(s)")
        raise
    audit(store, cli_actor(), "import", f"{path.name}: {result}")
    for table, (added, updated) in result.items():
        typer.echo(f"{table}: {added} added, {updated} updated")


@app.command()
@handle_errors
def export(
    path: Annotated[Path, typer.Argument(help="A folder (CSV files) or a path ending in .xlsx.")],
) -> None:
    """Export every table in the workspace format."""
    from matchmaker.auth import audit
    from matchmaker.cli_accounts import cli_actor
    from matchmaker.ingest import export_workspace

    store = open_store()
    written = export_workspace(store, path)
    audit(store, cli_actor(), "export", f"{sum(written.values())} rows to {path.name}")
    typer.echo(f"exported {sum(written.values())} rows in {len(written)} tables to {path}")


@app.command()
@handle_errors
def demo(
    if_empty: Annotated[
        bool, typer.Option("--if-empty", help="Only load when the database has no organisations.")
    ] = False,
) -> None:
    """Load the demo workspace (data/demo) into the database; loading twice changes nothing."""
    from matchmaker.auth import audit
    from matchmaker.cli_accounts import cli_actor
    from matchmaker.demo import DEMO_DIR
    from matchmaker.ingest import import_workspace

    store = open_store()
    if if_empty and store.count("organizations"):
        typer.echo("the database already holds organisations; demo not loaded")
        return
    result = import_workspace(store, DEMO_DIR)
    audit(store, cli_actor(), "import", f"demo workspace: {result}")
    added = sum(a for a, _ in result.values())
    typer.echo(f"demo workspace loaded: {added} rows added")


# --- recommend (partner suggestions) ------------------------------------------------


@app.command()
@handle_errors
def recommend(
    org_id: Annotated[
        str | None, typer.Argument(help="Organisation to suggest partners for.")
    ] = None,
    direction: Annotated[
        str, typer.Option(help="suppliers, customers, technology or both.")
    ] = "both",
    top: Annotated[int, typer.Option("--top", help="Suggestions per organisation.")] = 10,
    fmt: Annotated[str, typer.Option("--format", help="table or json.")] = "table",
    all_orgs: Annotated[
        bool, typer.Option("--all", help="Every organisation, with the exposure cap.")
    ] = False,
    out: Annotated[Path | None, typer.Option("--out", help="CSV file written by --all.")] = None,
) -> None:
    """Suggested partners with reasons, for one organisation or (--all) for every one."""
    import json

    from matchmaker.explain import write_csv
    from matchmaker.recommend import Recommender

    if all_orgs == (org_id is not None):
        raise DataError("give either ORG_ID or --all (with --out FILE.csv), not both")
    if fmt not in ("table", "json"):
        raise DataError(f"--format {fmt!r} is not allowed; use table or json")
    if all_orgs and out is None:
        raise DataError("--all needs --out FILE.csv")
    from matchmaker.access import require_org

    store = open_store()
    require_org(store, org_id, "suggestions")  # refused before the model is loaded
    rec = Recommender(store, progress=all_orgs)
    typer.echo(f"ranker: {rec.ranker.message_}", err=True)
    if all_orgs:
        lists = rec.recommend_all(top, direction, progress=True)
        rows = write_csv(lists, out)
        typer.echo(f"{rows} suggestions for {len(lists)} organisations written to {out}")
        return
    found = rec.recommend(org_id, direction, top)
    if fmt == "json":
        typer.echo(json.dumps([s.to_dict() for s in found], ensure_ascii=False, indent=2))
        return
    if not found:
        typer.echo(f"no suggestions for {org_id} ({direction})")
    for rank, s in enumerate(found, start=1):
        typer.echo(
            f"{rank:>2}. {s.partner_name} ({s.partner_id}) [{s.direction}] "
            f"score {s.score:.3f}, reciprocal {s.reciprocal_score:.3f}"
        )
        typer.echo(f"    {s.reason}")


# --- evaluate (ranker quality on real supplier links; owner: evaluate.py) ------------

evaluate_app = typer.Typer(help="Quality of the ranker on real supplier links (chainkg).")
app.add_typer(evaluate_app, name="evaluate")


@evaluate_app.command("links")
@handle_errors
def evaluate_links_command(
    chainkg: Annotated[
        Path | None, typer.Option(help="chainkg folder (default ../shared/datasets/chainkg).")
    ] = None,
    train: Annotated[Path | None, typer.Option(help="Training pairs CSV.")] = None,
    test: Annotated[Path | None, typer.Option(help="Test pairs CSV.")] = None,
    top: Annotated[int, typer.Option(help="Recommendations per query written to --out.")] = 100,
    out: Annotated[Path | None, typer.Option(help="RECS.csv: query,candidate,rank,score.")] = None,
    folds: Annotated[
        int | None, typer.Option(help="Cross-validate over one file instead (e.g. 5).")
    ] = None,
    pairs: Annotated[
        Path | None,
        typer.Option(help="The one file of --folds (default: --train, else links_dev.csv)."),
    ] = None,
    embedding: Annotated[
        bool, typer.Option(help="Embedding baseline and semantic features (bundled model).")
    ] = True,
    seed: Annotated[int, typer.Option(help="Seed of sampling, folds and the random baseline.")] = 0,
) -> None:
    """Train on known supplier links, rank partners, print one JSON object of metrics."""
    import json

    from matchmaker import evaluate as ev

    embedder = ev.cached_embedder() if embedding else None
    if folds is not None:
        if test is not None or out is not None:
            raise DataError("--folds takes one file (--pairs or --train); not --test or --out")
        result = ev.cross_validate(pairs or train, chainkg, folds, embedder, seed)
    else:
        if train is None or test is None:
            raise DataError("give --train TRAIN.csv and --test TEST.csv, or --folds N")
        result = ev.evaluate_links(train, test, chainkg, top, out, embedder, seed)
    typer.echo(json.dumps(result, ensure_ascii=False))


import matchmaker.cli_accounts  # noqa: E402 - registers user, audit, backup, restore
import matchmaker.cli_events  # noqa: E402,F401 - registers deal, report, invite, schedule


def run() -> None:  # pragma: no cover - console entry for `python -m matchmaker`
    sys.exit(app())
