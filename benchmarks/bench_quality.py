"""Quality of the ranker: k-fold cross-validation on the real supplier links.

Usage::

    .venv/bin/python benchmarks/bench_quality.py [--folds 5] [--pairs FILE] [--chainkg DIR]
        [--no-embedding] [--no-trained] [--json OUT.json]

Runs :func:`matchmaker.recommend.evaluate.cross_validate` (the same code as
``matchmaker evaluate links --folds 5``) over ``../shared/datasets/supplier_links/links_dev.csv``
and prints a Markdown table: every method's recall@10, recall@50, MRR and AUC as
mean ± standard deviation over the folds, then the ranker's ratio to the character TF-IDF
baseline of the same run, and the trained text model's (``embedding_trained``, trained on
each fold's training links only). Targets (issue 11): embedding_trained >= TF-IDF on
recall@10; the ranker at 4x TF-IDF on recall@10 and MRR.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

from matchmaker.recommend import evaluate
from matchmaker.recommend.train_embed import TrainParams

COLUMNS = (
    ("recall_at_10", "recall@10"),
    ("recall_at_50", "recall@50"),
    ("mrr", "MRR"),
    ("auc", "AUC"),
)


def table(result: dict) -> str:
    """The Markdown table of a cross-validation result."""
    lines = [
        "| method | " + " | ".join(t for _, t in COLUMNS) + " |",
        "|---" * (len(COLUMNS) + 1) + "|",
    ]
    for method, values in result["methods"].items():
        cells = [f"{values[k]['mean']:.4f} ± {values[k]['std']:.4f}" for k, _ in COLUMNS]
        lines.append(f"| {method} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--pairs", type=Path, default=None)
    parser.add_argument("--chainkg", type=Path, default=None)
    parser.add_argument("--no-embedding", action="store_true")
    parser.add_argument("--no-trained", action="store_true", help="no trained text model")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path, default=None, help="also write the full result")
    args = parser.parse_args(argv)
    chainkg = args.chainkg or evaluate.default_chainkg()
    if not chainkg.is_dir():
        print(f"no chainkg folder at {chainkg}: the real data is not present", file=sys.stderr)
        return 2
    embedder = None if args.no_embedding else evaluate.cached_embedder()
    t0 = time.time()
    trained = None if args.no_trained else TrainParams(seed=args.seed)
    result = evaluate.cross_validate(args.pairs, chainkg, args.folds, embedder, args.seed, trained)
    seconds = time.time() - t0
    if args.json:
        args.json.write_text(json.dumps(result, indent=1, ensure_ascii=False))
    m = result["methods"]
    print(
        f"{args.folds}-fold CV over {result['pairs']} pairs; {platform.machine()}, "
        f"{seconds:.0f} s; ranker: {result['ranker']['message']}\n"
    )
    print(table(result))
    for method in ("ranker", "embedding_trained"):
        for key, name in (("recall_at_10", "recall@10"), ("mrr", "MRR")):
            if method in m:
                ratio = m[method][key]["mean"] / max(m["tfidf"][key]["mean"], 1e-12)
                print(f"\n{method} / tfidf {name}: {ratio:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
