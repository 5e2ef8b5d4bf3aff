"""Precision of the suggestions on a hand-labelled workspace, and peers on the demo workspace.

Usage::

    .venv/bin/python benchmarks/bench_precision.py [--lang en zh] [--no-demo] [--k 10]

The labelled set (``benchmarks/labelled/``) was written by hand, independently of the demo
generator: two chains (EV batteries, household compressors), 24 organisations per language
(``en/`` and ``zh/``, the workspace CSV format of docs/data-format.md, same ids) and
``labels.csv`` (``org_id, direction, good``: every good partner of each list, ``;``-separated).
Its traps: competitors with near-identical catalogues (E02/E03, E04/E05, E07/E11, H03/H04,
H05/H10), downstream customers whose offers share words with a need (E08 for E07, H06 for
H07, H05 for H04), technology needs only a university or institute answers (E04, H03; a
sodium-ion institute E12 is the wrong technology) and capital needs only a bank or a leasing
company answers (E05, E06, H04).

Per direction it prints, over the labelled lists (``k`` suggestions asked for):

- **P@1, P@3**: good partners among the first 1 / 3 suggestions shown, divided by the number
  shown (at most 1 / 3); an empty list counts 0. A shorter honest list is not penalised.
- **R@5**: good partners in the first 5, divided by the number of good partners.
- **competitors**: share of the top-3 suggestions whose offers sit in a segment of the
  organisation's own offers (peers), in supplier and customer lists.
- **wrong side**: share of the top-3 that are labelled good for the opposite direction
  (a customer shown as supplier and vice versa); for technology lists a partner without a
  technology offer, for finance lists one that is not a finance organisation.
- **order violations**: lists where a lower score sits above a higher one.
- **zero scores**: suggestions shown whose score rounds to 0.00.

With the demo workspace (``data/demo``; skip with ``--no-demo``) it runs
``recommend_all(k, "suppliers")`` (what ``matchmaker recommend --all --direction suppliers``
does) and reports the competitor share of company -> company suggestions in the top 3 and at
rank 1, order violations and zero scores.

The baseline is the same script run against an export of the code before the change
(``git archive <rev> | tar -x -C DIR``; ``PYTHONPATH=DIR``); a direction the code does not
know (``finance`` before issue 10) is asked as ``suppliers`` and marked so.
"""

from __future__ import annotations

import argparse
import csv
import inspect
import itertools
import os
import platform
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
LABELLED = HERE / "labelled"
OPPOSITE = {"suppliers": "customers", "customers": "suppliers"}


def read_labels(path: Path = LABELLED / "labels.csv") -> dict:
    """``{(org_id, direction): set of good partner ids}``."""
    with open(path, encoding="utf-8") as fh:
        return {
            (r["org_id"], r["direction"]): set(r["good"].split(";")) for r in csv.DictReader(fh)
        }


def open_workspace(folder: Path, tmp: Path):
    """A fresh SQLite store holding the workspace in ``folder``."""
    from matchmaker.ingest.workspace import import_workspace
    from matchmaker.store.database import Store

    store = Store(f"sqlite:///{tmp / (folder.name + '.db')}")
    store.init()
    import_workspace(store, folder)
    return store


def recommender(store, embedder):
    from matchmaker import config
    from matchmaker.recommend.recommender import TUNING, Recommender

    return Recommender(store, embedder, **{n: config.default(n) for n in TUNING})


def peers_of(store) -> dict:
    """``{org_id: set of segments of its offers}``."""
    out = defaultdict(set)
    for item in store.rows("items"):
        if item["side"] == "offer" and item["segment"]:
            out[item["org_id"]].add(item["segment"])
    return out


def _violations(scores: list[float]) -> bool:
    return any(later > earlier + 1e-9 for earlier, later in itertools.pairwise(scores))


def labelled_metrics(rec, store, labels: dict, k: int) -> dict:
    """Per direction: the metrics of the module docstring over the labelled lists."""
    from matchmaker.recommend.explain import DIRECTIONS

    segments = peers_of(store)
    kinds = {o["org_id"]: o["kind"] for o in store.rows("organizations")}
    tech = {i["org_id"] for i in store.rows("items")
            if i["side"] == "offer" and i["type"] == "technology"}  # fmt: skip
    acc = defaultdict(lambda: defaultdict(float))
    for (org, direction), good in sorted(labels.items()):
        asked = direction if direction in DIRECTIONS else "suppliers"
        found = rec.recommend(org, asked, k)
        ids = [s.partner_id for s in found]
        scores = [s.score for s in found]
        m = acc[direction]
        m["lists"] += 1
        m["asked"] = asked
        m["shown"] += len(found)
        for n in (1, 3):
            top = ids[:n]
            m[f"p{n}"] += sum(p in good for p in top) / len(top) if top else 0.0
        m["r5"] += sum(p in good for p in ids[:5]) / len(good)
        top3 = ids[:3]
        m["top3"] += len(top3)
        if direction in OPPOSITE:
            m["competitors"] += sum(bool(segments[p] & segments[org]) for p in top3)
            wrong = labels.get((org, OPPOSITE[direction]), set())
            m["wrong"] += sum(p in wrong for p in top3)
        elif direction == "technology":
            m["wrong"] += sum(p not in tech for p in top3)
        else:
            m["wrong"] += sum(kinds[p] != "finance" for p in top3)
        m["violations"] += _violations(scores)
        m["zeros"] += sum(round(s, 2) == 0 for s in scores)
    return acc


def labelled_table(acc: dict) -> str:
    lines = [
        "| direction | lists | mean shown | P@1 | P@3 | R@5 | competitors top 3 | "
        "wrong side/kind top 3 | order violations | zero scores |",
        "|---" * 10 + "|",
    ]
    for direction in ("suppliers", "customers", "technology", "finance"):
        m = acc.get(direction)
        if not m:
            continue
        n, top3 = m["lists"], max(m["top3"], 1)
        note = "" if m["asked"] == direction else f" (asked as {m['asked']})"
        comp = f"{m['competitors'] / top3:.1%}" if direction in OPPOSITE else "-"
        lines.append(
            f"| {direction}{note} | {n:.0f} | {m['shown'] / n:.1f} | {m['p1'] / n:.2f} | "
            f"{m['p3'] / n:.2f} | {m['r5'] / n:.2f} | {comp} | {m['wrong'] / top3:.1%} | "
            f"{m['violations']:.0f} | {m['zeros']:.0f} |"
        )
    return "\n".join(lines)


def demo_metrics(rec, store, k: int) -> dict:
    """Competitor share of company -> company supplier suggestions on the demo workspace."""
    segments = peers_of(store)
    kinds = {o["org_id"]: o["kind"] for o in store.rows("organizations")}
    lists = rec.recommend_all(k, "suppliers", progress=False)
    out = defaultdict(int)
    for org, found in lists.items():
        out["lists"] += 1
        out["shown"] += len(found)
        out["violations"] += _violations([s.score for s in found])
        out["zeros"] += sum(round(s.score, 2) == 0 for s in found)
        if kinds[org] != "company":
            continue
        for rank, s in enumerate(found[:3], start=1):
            if kinds[s.partner_id] != "company":
                continue
            peer = bool(segments[s.partner_id] & segments[org])
            out["top3"] += 1
            out["top3_peers"] += peer
            if rank == 1:
                out["rank1"] += 1
                out["rank1_peers"] += peer
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lang", nargs="+", default=["en", "zh"], choices=["en", "zh"])
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--no-demo", action="store_true")
    args = parser.parse_args(argv)
    from matchmaker.recommend import evaluate
    from matchmaker.recommend.recommender import Recommender

    embedder = evaluate.cached_embedder()
    labels = read_labels()
    has_lang = "lang" in inspect.signature(Recommender.recommend).parameters
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores; k={args.k}; "
          f"reasons by language: {has_lang}")  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        for lang in args.lang:
            t0 = time.time()
            store = open_workspace(LABELLED / lang, Path(tmp))
            rec = recommender(store, embedder)
            acc = labelled_metrics(rec, store, labels, args.k)
            print(f"\n### labelled set, {lang} ({time.time() - t0:.0f} s)\n")
            print(labelled_table(acc))
            store.engine.dispose()
        if not args.no_demo:
            from matchmaker.demo import DEMO_DIR

            t0 = time.time()
            store = open_workspace(Path(DEMO_DIR), Path(tmp))
            rec = recommender(store, embedder)
            m = demo_metrics(rec, store, args.k)
            print(f"\n### demo workspace, recommend_all(k={args.k}, 'suppliers') "
                  f"({time.time() - t0:.0f} s)\n")  # fmt: skip
            print("| lists | mean shown | company->company top 3 | competitors top 3 | "
                  "competitors at rank 1 | order violations | zero scores |")  # fmt: skip
            print("|---" * 7 + "|")
            print(
                f"| {m['lists']} | {m['shown'] / max(m['lists'], 1):.1f} | {m['top3']} | "
                f"{m['top3_peers'] / max(m['top3'], 1):.1%} | "
                f"{m['rank1_peers'] / max(m['rank1'], 1):.1%} | {m['violations']} | "
                f"{m['zeros']} |"
            )
            store.engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
