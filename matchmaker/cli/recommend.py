"""Suggestion commands: ``recommend`` (one organisation or all) and ``evaluate links``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from matchmaker import config
from matchmaker.cli.state import handle_errors, open_store, state
from matchmaker.errors import DataError
from matchmaker.recommend import evaluate as ev
from matchmaker.recommend.engine import ENGINES, check_engine
from matchmaker.recommend.explain import DIRECTIONS, write_csv
from matchmaker.recommend.recommender import TUNING, Recommender
from matchmaker.recommend.train_embed import TrainParams
from matchmaker.store.access import require_org
from matchmaker.views.browse import org_names

__all__ = ["app", "evaluate_app"]

app = typer.Typer()


@app.command()
@handle_errors
def recommend(
    org_id: Annotated[
        str | None, typer.Argument(help="Organisation to suggest partners for.")
    ] = None,
    direction: Annotated[
        str, typer.Option(help="suppliers, customers, technology, finance or both.")
    ] = "both",
    top: Annotated[int, typer.Option("--top", help="Suggestions per organisation.")] = 10,
    fmt: Annotated[str, typer.Option("--format", help="table or json.")] = "table",
    all_orgs: Annotated[
        bool, typer.Option("--all", help="Every organisation, with the exposure cap.")
    ] = False,
    out: Annotated[Path | None, typer.Option("--out", help="CSV file written by --all.")] = None,
    weak: Annotated[
        bool, typer.Option("--weak", help="Also show matches below the evidence floor.")
    ] = False,
    engine: Annotated[
        str,
        typer.Option(
            "--engine",
            help="With --all: local (this process) or ray (MATCHMAKER_RAY_ADDRESS, else a "
            "local Ray); both give the same lists.",
        ),
    ] = "local",
) -> None:
    """Suggested partners with reasons, for one organisation or (--all) for every one.

    Only partners with enough evidence are listed; a shorter list says how many weaker
    ones were hidden (--weak shows them). Lists are sorted by the score shown.
    """
    if all_orgs == (org_id is not None):
        raise DataError("give either ORG_ID or --all (with --out FILE.csv), not both")
    if fmt not in ("table", "json"):
        raise DataError(f"--format {fmt!r} is not allowed; use table or json")
    if all_orgs and out is None:
        raise DataError("--all needs --out FILE.csv")
    check_engine(engine)
    if engine != ENGINES[0] and not all_orgs:
        raise DataError("--engine is for --all; one organisation's list runs in this process")
    lang = state.lang  # the global --lang (MATCHMAKER_LANG), checked by the callback
    if direction not in DIRECTIONS:
        raise DataError(f"--direction {direction!r} is not allowed; use one of {DIRECTIONS}")
    store = open_store()
    require_org(store, org_id, "suggestions")  # refused before the model is loaded
    rec = Recommender(store, progress=all_orgs, **config.read(*TUNING))
    typer.echo(f"{rec.parts_message}; ranker: {rec.ranker.message_}", err=True)
    if all_orgs:
        lists = rec.recommend_all(top, direction, progress=True, lang=lang, engine=engine)
        rows = write_csv(lists, out)
        typer.echo(f"{rows} suggestions for {len(lists)} organisations written to {out}")
        return
    found = rec.recommend(org_id, direction, top, lang=lang, weak=weak)
    if found.short:
        typer.echo(
            f"{len(found)} partners pass; {found.hidden} weaker ones hidden (--weak shows them)",
            err=fmt == "json",
        )
    if fmt == "json":
        typer.echo(json.dumps([s.to_dict() for s in found], ensure_ascii=False, indent=2))
        return
    if not found:
        typer.echo(f"no suggestions for {org_id} ({direction})")
    names = org_names(store, state.lang)
    for rank, s in enumerate(found, start=1):
        typer.echo(
            f"{rank:>2}. {names.get(s.partner_id, s.partner_name)} ({s.partner_id}) "
            f"[{s.direction}] "
            f"score {s.score:.3f}, reciprocal {s.reciprocal_score:.3f}"
            + (f" (pair value {s.value:.3f}, spread)" if s.value > s.score + 0.0005 else "")
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
    trained: Annotated[
        bool,
        typer.Option(
            help="Train the text model on each split's training links (embedding_trained "
            "baseline; the ranker's semantic features then come from a model trained on the "
            "chain alone)."
        ),
    ] = True,
    seed: Annotated[
        int, typer.Option(help="Seed of sampling, folds, the random baseline and training.")
    ] = 0,
) -> None:
    """Train on known supplier links, rank partners, print one JSON object of metrics."""
    embedder = ev.cached_embedder() if embedding else None
    params = TrainParams(seed=seed) if trained else None
    if folds is not None:
        if test is not None or out is not None:
            raise DataError("--folds takes one file (--pairs or --train); not --test or --out")
        result = ev.cross_validate(pairs or train, chainkg, folds, embedder, seed, params)
    else:
        if train is None or test is None:
            raise DataError("give --train TRAIN.csv and --test TEST.csv, or --folds N")
        result = ev.evaluate_links(train, test, chainkg, top, out, embedder, seed, params)
    typer.echo(json.dumps(result, ensure_ascii=False))
