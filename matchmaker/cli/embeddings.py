"""Text model commands: ``embeddings train`` (core: recommend.workspace_model)."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from matchmaker.cli.state import handle_errors, open_store
from matchmaker.recommend.train_embed import TrainParams
from matchmaker.recommend.workspace_model import train_workspace
from matchmaker.store.access import policy_of, unscoped

__all__ = ["app", "embeddings_app"]

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
