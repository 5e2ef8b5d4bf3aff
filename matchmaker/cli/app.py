"""The ``matchmaker`` command: one typer app, thin over the core.

Every command takes the global options before its name::

    matchmaker --db sqlite:///data/matchmaker.db import data/demo
    matchmaker --lang zh recommend C0147 --format json

Commands live in one module per group of the flow and are registered here, in the order
``matchmaker --help`` lists them: :mod:`~matchmaker.cli.workspace` (init, import, export,
demo), :mod:`~matchmaker.cli.recommend` (recommend, evaluate),
:mod:`~matchmaker.cli.embeddings` (embeddings train), :mod:`~matchmaker.cli.events`
(invite, schedule), :mod:`~matchmaker.cli.followup` (deal, report) and
:mod:`~matchmaker.cli.accounts` (user, audit, backup, restore). What they share (the store,
the actor, error handling) is :mod:`matchmaker.cli.state`.

Errors from the core (:class:`matchmaker.errors.MatchmakerError`) are printed as one
message on stderr, with exit status 2 for bad input and 1 for anything else.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from matchmaker import config
from matchmaker.cli import accounts, embeddings, events, followup, recommend, workspace
from matchmaker.cli.state import fail, state
from matchmaker.errors import ConfigError

__all__ = ["app"]

app = typer.Typer(
    help="matchmaker: industry-chain matchmaking recommender.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


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
    lang: Annotated[
        str | None,
        typer.Option(
            "--lang",
            help="Language of list output, reasons, exported headers and agenda files: "
            "en or zh (default: MATCHMAKER_LANG, else en).",
        ),
    ] = None,
) -> None:
    """matchmaker: industry-chain matchmaking recommender."""
    state.db = db
    state.username = user
    state.user = None
    try:
        state.lang = config.get("lang") if lang is None else config.check("lang", lang)
    except ConfigError as exc:
        fail(f"error: {exc}", 2)


for _group in (workspace, recommend, embeddings, events, followup, accounts):
    app.add_typer(_group.app)


def run() -> None:  # pragma: no cover - console entry for `python -m matchmaker`
    sys.exit(app())
