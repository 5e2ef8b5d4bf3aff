"""The trained text model on the real supplier links: training pairs of one split, vectors.

:mod:`matchmaker.recommend.evaluate` calls :func:`split_vectors` once per train/test split:
it trains the model of :mod:`matchmaker.recommend.train_embed` on the split's TRAINING links
only (plus what the chain graph itself knows, :func:`chainkg_pairs`) and embeds every
company's texts with it. The test links never reach this module.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable

import numpy as np

from matchmaker.recommend.train_embed import TrainParams, ensure_model

__all__ = ["chainkg_pairs", "company_texts", "split_vectors"]


def chainkg_pairs(kg, links: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """Training pairs from a chainkg graph and the known supplier ``links`` (training only).

    * each link ``(a, b)``: company text ``kg.text(a)`` <-> ``kg.text(b)``, both ways (the
      need <-> offer texts of known relations);
    * products <-> upstream inputs: every product with upstream materials (``上游材料``)
      against the materials' names;
    * title <-> description: each company's full name against its industry and products.

    Parameters
    ----------
    kg : matchmaker.ingest.chainkg.ChainKG
    links : iterable of (code, code)
        Known supplier links; never pass test pairs.

    Returns
    -------
    list of (str, str)
        Deduplicated and sorted.
    """
    pairs: set[tuple[str, str]] = set()
    for a, b in links:
        if a in kg.companies and b in kg.companies:
            ta, tb = kg.text(a), kg.text(b)
            pairs.update({(ta, tb), (tb, ta)})
    for product, materials in kg.upstream.items():
        pairs.add((product, " ".join(sorted(set(materials)))))
    for code, company in kg.companies.items():
        body = " ".join(p for p in (kg.industry.get(code), *kg.products.get(code, [])) if p)
        pairs.add((company["fullname"], body))
    return sorted(p for p in pairs if p[0] and p[1] and p[0] != p[1])


def company_texts(kg, codes: list[str], items: list[dict]) -> dict[str, list[str]]:
    """Per company (``codes`` order): ``profile`` (:meth:`ChainKG.text`), ``offer`` (its
    products) and ``need`` (its upstream materials, from the workspace ``items`` rows)."""
    sides: dict[str, dict[str, list[str]]] = {c: {"offer": [], "need": []} for c in codes}
    for item in items:
        sides[item["org_id"]][item["side"]].append(item["title"])
    return {
        "profile": [kg.text(c) for c in codes],
        "offer": [" ".join(sides[c]["offer"]) for c in codes],
        "need": [" ".join(sides[c]["need"]) for c in codes],
    }


def split_vectors(kg, texts: dict[str, list[str]], train_links, params: TrainParams | None = None):
    """Train (or reuse) the model of one split and embed ``texts`` with it.

    Parameters
    ----------
    kg : matchmaker.ingest.chainkg.ChainKG
    texts : dict
        :func:`company_texts` of every company.
    train_links : iterable of (code, code)
        The split's training links only.
    params : TrainParams, optional

    Returns
    -------
    (dict, dict)
        ``{"profile" | "offer" | "need": ndarray (n, dim)}`` (L2-normalised, zero rows for
        empty texts) and the model's metadata.
    """
    from sentence_transformers import SentenceTransformer

    pairs = chainkg_pairs(kg, train_links)
    corpus = [t for side in texts.values() for t in side if t]
    folder, meta, trained = ensure_model(pairs, params, corpus, progress=True, source="chainkg")
    word = "trained" if trained else "reused (same training pairs)"
    print(
        f"[evaluate] text model {folder.name} {word}: {meta['sizes']['pairs']} pairs, "
        f"{meta['training_seconds']} s",
        file=sys.stderr,
        flush=True,
    )
    model = SentenceTransformer(str(folder), device="cpu", local_files_only=True)
    out = {}
    for side, values in texts.items():
        vec = model.encode(values, batch_size=512, convert_to_numpy=True)
        vec = np.asarray(vec, dtype=np.float32)
        norms = np.linalg.norm(vec, axis=1, keepdims=True)
        out[side] = vec / np.where(norms > 0, norms, 1.0)
    return out, meta
