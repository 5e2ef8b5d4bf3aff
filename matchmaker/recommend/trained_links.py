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
    """The two text models of one split, trained (or reused), and ``texts`` embedded.

    * ``chain``: trained on :func:`chainkg_pairs` without any link (products <-> upstream
      inputs, names <-> industries and products): the same model in every split, trained
      once; its vectors are the ranker's semantic features, never fitted to a training pair;
    * ``links``: trained on the same pairs plus the split's training links only (company
      text <-> partner's company text, both ways): the ``embedding_trained`` baseline.
      (Going on from the chain model with the links alone trains faster but ranked worse
      on fold 1 of links_dev: recall@10 0.057 against 0.066.)

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
    dict
        ``{"chain" | "links": {"profile" | "offer" | "need": ndarray (n, dim)}}``,
        L2-normalised rows (zero rows for empty texts).
    """
    corpus = sorted({t for side in texts.values() for t in side if t})
    chain = _model(chainkg_pairs(kg, ()), params, corpus, "chain pairs")
    out = {"chain": _embed(chain, texts)}
    links = _model(chainkg_pairs(kg, train_links), params, corpus, "chain pairs, training links")
    out["links"] = _embed(links, texts) if links != chain else out["chain"]
    return out


def _model(pairs, params, corpus, what: str):
    folder, meta, trained = ensure_model(pairs, params, corpus, progress=True, source="chainkg")
    word = "trained" if trained else "reused (same pairs)"
    print(
        f"[evaluate] text model {folder.name} ({what}) {word}: {meta['sizes']['pairs']} "
        f"pairs, {meta['training_seconds']} s",
        file=sys.stderr,
        flush=True,
    )
    return folder


def _embed(folder, texts: dict[str, list[str]]) -> dict[str, np.ndarray]:
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(folder), device="cpu", local_files_only=True)
    out = {}
    for side, values in texts.items():
        vec = np.asarray(model.encode(values, batch_size=512, convert_to_numpy=True), np.float32)
        norms = np.linalg.norm(vec, axis=1, keepdims=True)
        out[side] = vec / np.where(norms > 0, norms, 1.0)
    return out
