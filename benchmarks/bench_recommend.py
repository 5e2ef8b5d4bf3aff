"""Speed and memory of the recommender on a large synthetic workspace.

Usage::

    .venv/bin/python benchmarks/bench_recommend.py [--orgs 100000] [--queries 200] [--db PATH]

1. Writes a synthetic workspace (``--orgs`` organisations, one offer and one need each,
   5 chains of 10 segments, ``--orgs / 200`` known relations) to a SQLite file, in a child
   process so its memory is not counted.
2. Builds a :class:`matchmaker.recommend.recommender.Recommender` with a random-vector embedder
(fast,
   deterministic per text, 384 dimensions like the bundled model) and counts the texts
   embedded; then builds it again on the unchanged data: that count must be 0.
3. Times ``recommend(org, "both", k=20)`` for ``--queries`` random organisations (vectors
   already built) and reports p50 / p95 / max.
4. Reports the peak resident memory of the process (``resource.getrusage``). Run twice
   with the same ``--db``: the first run is cold (embeds every text, fits the ranker), the
   second warm (vectors cached, ranker loaded from ``models/`` beside the database).

Targets (issue 3): p95 < 50 ms, nothing embedded on re-run, peak memory < 2 GB.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

WORDS = [
    "battery", "cell", "cathode", "anode", "motor", "sensor", "chip", "wafer", "lidar",
    "robot", "servo", "gear", "casting", "alloy", "polymer", "film", "coating", "module",
    "inverter", "charger", "software", "vision", "laser", "optic", "valve", "pump", "drone",
    "antenna", "pcb", "resin", "fiber", "magnet", "controller", "bearing", "reducer", "mold",
]  # fmt: skip


class RandomEmbedder:
    """Random unit vectors seeded by the text's hash: deterministic, no model needed."""

    model_id, dim = "bench-random-384", 384

    def __init__(self):
        self.count = 0

    def encode(self, texts, progress=False):
        self.count += len(texts)
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            seed = int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little")
            out[i] = np.random.default_rng(seed).standard_normal(self.dim)
        return out / np.linalg.norm(out, axis=1, keepdims=True)


def make_workspace(url: str, n: int, seed: int = 0) -> None:
    """Write ``n`` synthetic organisations (one offer, one need each) into ``url``."""
    from matchmaker.store.database import Store

    rng = np.random.default_rng(seed)
    store = Store(url)
    store.init()
    segments, links = [], []
    for c in range(5):
        for s in range(10):
            stage = ("upstream", "midstream", "downstream")[min(2, s // 4)]
            segments.append({"segment_id": f"C{c}S{s}", "name": f"chain {c} step {s}",
                             "chain": f"C{c}", "stage": stage})  # fmt: skip
            if s:
                links.append({"upstream": f"C{c}S{s - 1}", "downstream": f"C{c}S{s}"})
    orgs, items = [], []
    kinds = ("company",) * 18 + ("university", "institute")
    for i in range(n):
        oid = f"O{i:06d}"
        c, s = rng.integers(5), rng.integers(1, 10)
        w = rng.choice(len(WORDS), 4, replace=False)
        orgs.append({"org_id": oid, "name": f"Org {i}", "kind": kinds[i % len(kinds)],
                     "description": f"{WORDS[w[0]]} and {WORDS[w[1]]} maker"})  # fmt: skip
        items.append({"item_id": f"{oid}-o", "org_id": oid, "side": "offer",
                      "type": "technology" if orgs[-1]["kind"] != "company" else "product",
                      "title": f"{WORDS[w[0]]} {WORDS[w[1]]} {i % 997}",
                      "segment": f"C{c}S{s}"})  # fmt: skip
        items.append({"item_id": f"{oid}-n", "org_id": oid, "side": "need", "type": "product",
                      "title": f"{WORDS[w[2]]} {WORDS[w[3]]} {i % 991}",
                      "segment": f"C{c}S{s - 1}"})  # fmt: skip
    pairs = set()
    while len(pairs) < n // 200:
        a, b = sorted(rng.integers(0, n, 2))
        if a != b:
            pairs.add((a, b))
    relations = [{"org_a": f"O{a:06d}", "org_b": f"O{b:06d}", "kind": "partner"}
                 for a, b in sorted(pairs)]  # fmt: skip
    store.upsert({"organizations": orgs, "segments": segments, "chain_links": links,
                  "items": items, "relations": relations})  # fmt: skip


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orgs", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--db", help="SQLite file to use (kept); default a temporary one")
    parser.add_argument("--make", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    tmp = tempfile.mkdtemp(prefix="bench_recommend_")
    path = Path(args.db or Path(tmp) / "bench.db")
    url = f"sqlite:///{path}"
    if args.make:
        make_workspace(url, args.orgs)
        return {}
    # Rankers are saved next to the database: a second run on the same --db is a warm start
    # (vectors cached, ranker loaded), which measures serving memory without training.
    os.environ.setdefault("MATCHMAKER_MODELS_DIR", str(path.parent / "models"))
    t0 = time.perf_counter()
    if not path.exists():
        cmd = [sys.executable, __file__, "--make", "--orgs", str(args.orgs), "--db", str(path)]
        subprocess.run(cmd, check=True)
    made = time.perf_counter() - t0

    from matchmaker.recommend.recommender import Recommender
    from matchmaker.store.database import Store

    store = Store(url)
    first = RandomEmbedder()
    t0 = time.perf_counter()
    rec = Recommender(store, first)
    build1 = time.perf_counter() - t0
    del rec
    again = RandomEmbedder()
    t0 = time.perf_counter()
    rec = Recommender(store, again)
    build2 = time.perf_counter() - t0

    rng = np.random.default_rng(1)
    ids = rec.ctx.org_ids
    queries = [ids[i] for i in rng.integers(0, len(ids), args.queries)]
    for org in queries[:5]:  # warm-up
        rec.recommend(org, "both", 20)
    times, cpu = [], []
    for org in queries:
        t0, c0 = time.perf_counter(), time.process_time()
        found = rec.recommend(org, "both", 20)
        times.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
        assert found, f"no suggestions for {org}"
    result = {
        "organisations": len(ids),
        "items": len(rec.ctx.items),
        "relations": len(rec.ctx.rel.pairs),
        "make_workspace_s": round(made, 1),
        "first_build_s": round(build1, 1),
        "first_build_embedded_texts": first.count,
        "rebuild_s": round(build2, 1),
        "rebuild_embedded_texts": again.count,
        "ranker": rec.ranker.message_,
        "queries": len(times),
        "query_ms_p50": round(float(np.percentile(times, 50)), 1),
        "query_ms_p95": round(float(np.percentile(times, 95)), 1),
        "query_ms_max": round(float(np.max(times)), 1),
        "query_cpu_ms_p50": round(float(np.percentile(cpu, 50)), 1),
        "query_cpu_ms_p95": round(float(np.percentile(cpu, 95)), 1),
        "peak_rss_mb": round(peak_rss_mb()),
    }
    print(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main()
