"""Text model commands: ``embeddings train`` (core: recommend.workspace_model) and
``embeddings build`` (core: recommend.prepare), which ``import`` and ``demo`` also run."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from matchmaker import config
from matchmaker.cli.state import handle_errors, open_store
from matchmaker.recommend.engine import check_engine
from matchmaker.recommend.prepare import prepare_workspace
from matchmaker.recommend.recommender import TUNING
from matchmaker.recommend.train_embed import TrainParams
from matchmaker.recommend.workspace_model import train_workspace
from matchmaker.store.access import policy_of, require_org, unscoped

__all__ = ["ENGINE_HELP", "app", "embeddings_app", "prepare"]

ENGINE_HELP = "Where the work runs: local (this process) or ray (MATCHMAKER_RAY_ADDRESS)."

app = typer.Typer()
embeddings_app = typer.Typer(help="The text model trained on the workspace (reads Chinese).")
app.add_typer(embeddings_app, name="embeddings")


@embeddings_app.command("train")
@handle_errors
def train_command(
    seed: Annotated[int, typer.Option(help="Seed of weights and batch order.")] = 0,
    epochs: Annotated[int, typer.Option(help="Passes over the training pairs.")] = 3,
    dim: Annotated[int, typer.Option(help="Length of each vector.")] = 256,
) -> None:
    """Train the workspace's text model into models/embeddings/<fingerprint>/.

    Pairs: need <-> offer texts of known relations and in-progress or signed deals, chain
    segments <-> their upstream inputs, titles <-> descriptions. Unchanged data and
    options train nothing. Select the model with MATCHMAKER_EMBEDDING_MODEL=trained.
    """
    store = open_store()
    policy = policy_of(store)
    if policy is not None and not policy.full:
        raise policy._deny("train the text model: it reads every organisation's texts")
    model, meta, trained = train_workspace(
        unscoped(store), TrainParams(dim=dim, epochs=epochs, seed=seed), True
    )
    if trained:
        typer.echo(
            f"trained {model} in {meta['training_seconds']} s: "
            f"{meta['sizes']['pairs']} pairs, vocabulary {meta['sizes']['vocab']}"
        )
    else:
        typer.echo(f"unchanged data: nothing trained; the model is {model}")
    typer.echo(json.dumps(meta, ensure_ascii=False), err=True)


def prepare(store, engine: str) -> None:
    """Embed ``store``'s texts and save its recommender's fitted parts, reporting both."""
    check_engine(engine)
    done = prepare_workspace(store, engine=engine, progress=True, **config.read(*TUNING))
    typer.echo(
        f"{done.texts} texts: {done.embedded} embedded now, {done.texts - done.embedded} "
        f"already cached; {done.parts}"
    )


@embeddings_app.command("build")
@handle_errors
def build_command(
    engine: Annotated[str, typer.Option("--engine", help=ENGINE_HELP)] = "local",
) -> None:
    """Make the workspace ready to answer: embed its texts not cached yet (progress bar,
    resumable) and save the recommender's fitted parts under models/fitted.

    import and demo do this at their end (setting prepare_on_import); run it on its own
    after setting another embedding model, or with --engine ray on a cluster.
    """
    check_engine(engine)
    store = open_store()
    require_org(store, None, "suggestions")  # the whole workspace: operators and organisers
    prepare(store, engine)
