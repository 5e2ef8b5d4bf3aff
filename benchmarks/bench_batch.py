"""Benchmark: the batch paths of issue 12 on a synthetic workspace (bench_recommend's).

    .venv/bin/python benchmarks/bench_batch.py --orgs 10000 --db /tmp/b10k/bench.db
    .venv/bin/python benchmarks/bench_batch.py --orgs 100000 --db /tmp/b100/bench.db \
        --invite 0 --sample 2000 --ray

1. Writes the workspace of ``benchmarks/bench_recommend.py`` (``--orgs`` organisations, one
   offer and one need each) unless ``--db`` already holds it; vectors come from its
   deterministic random embedder (no model), fitted parts go to ``models/`` beside the file.
2. Builds the recommender (or loads its saved parts), then in a NEW process times loading
   the recommender and its first and second suggestion lists ("ready after set-up").
3. Times the data stamp the app's caches are keyed on (median of 20).
4. ``--invite N``: an invitation list of 300 from N candidates through the product's path:
   pair values from :func:`matchmaker.events.service.recommender_pairs` (30 best partners
   per candidate, batch scoring), then :func:`matchmaker.events.invite.choose_invitees`
   with 30 % outside / 30 % first-time quotas.
5. ``recommend_all(k=10)`` over ``--sample`` organisations on the local engine (and on Ray
   with ``--ray``, checking the lists are identical), extrapolated to all organisations.
6. Peak resident memory of this process.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from bench_recommend import RandomEmbedder, peak_rss_mb

CHILD = """
import json, sys, time
t0 = time.perf_counter()
sys.path.insert(0, {bench!r})
from bench_recommend import RandomEmbedder
from matchmaker.recommend.recommender import Recommender
from matchmaker.store.database import Store
rec = Recommender(Store({url!r}), RandomEmbedder())
t1 = time.perf_counter()
rec.recommend(rec.ctx.org_ids[1], "both", 10)
t2 = time.perf_counter()
rec.recommend(rec.ctx.org_ids[2], "both", 10)
t3 = time.perf_counter()
print(json.dumps({{"load_s": t1 - t0, "first_s": t2 - t1, "second_s": t3 - t2,
                   "parts": rec.parts_message}}))
"""


def timed(func, *args, **kwargs):
    t0, c0 = time.perf_counter(), time.process_time()
    out = func(*args, **kwargs)
    return out, round(time.perf_counter() - t0, 2), round(time.process_time() - c0, 2)


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--orgs", type=int, default=10_000)
    ap.add_argument("--db", required=True, help="SQLite file (made when missing; kept)")
    ap.add_argument("--invite", type=int, default=10_000, help="candidates (0: skip)")
    ap.add_argument("--sample", type=int, default=2_000, help="organisations for --all")
    ap.add_argument("--ray", action="store_true", help="also run recommend_all on Ray")
    args = ap.parse_args(argv)
    path = Path(args.db)
    path.parent.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{path}"
    os.environ.setdefault("MATCHMAKER_MODELS_DIR", str(path.parent / "models"))
    os.environ.setdefault("MATCHMAKER_MIN_TRAINING_PAIRS", "1000000")  # as bench_recommend
    bench = str(Path(__file__).parent)
    if not path.exists():
        make = [sys.executable, str(Path(bench) / "bench_recommend.py"), "--make"]
        subprocess.run([*make, "--orgs", str(args.orgs), "--db", str(path)], check=True)

    from matchmaker.events.invite import Candidate, Quotas, choose_invitees
    from matchmaker.events.service import recommender_pairs
    from matchmaker.recommend.recommender import Recommender
    from matchmaker.store.database import Store
    from matchmaker.views.browse import data_stamp

    store = Store(url)
    out: dict = {"orgs": args.orgs}
    rec, wall, cpu = timed(Recommender, store, RandomEmbedder())
    out["build_or_load"] = {"wall_s": wall, "cpu_s": cpu, "parts": rec.parts_message}
    child = subprocess.run(
        [sys.executable, "-c", CHILD.format(bench=bench, url=url)],
        check=True,
        capture_output=True,
        text=True,
    )
    out["new_process"] = json.loads(child.stdout.strip().splitlines()[-1])

    stamps = []
    for _ in range(20):
        t0 = time.perf_counter()
        data_stamp(store)
        stamps.append(time.perf_counter() - t0)
    out["data_stamp_ms_median"] = round(float(np.median(stamps)) * 1000, 1)

    if args.invite:
        ids = sorted(rec.ctx.org_ids)[: args.invite]
        pairs, wall, cpu = timed(recommender_pairs(store, recommender=rec), ids)
        rng = np.random.default_rng(0)
        cands = [
            Candidate(o, local=bool(rng.random() > 1 / 3), first_time=bool(rng.random() < 0.5))
            for o in ids
        ]
        quotas = Quotas(min_outside=0.3, min_new=0.3)
        chosen, wall2, cpu2 = timed(choose_invitees, cands, pairs, 300, quotas=quotas)
        out["invite"] = {
            "candidates": len(ids),
            "pair_rows": len(pairs),
            "pairs_wall_s": wall,
            "pairs_cpu_s": cpu,
            "choose_wall_s": wall2,
            "choose_cpu_s": cpu2,
            "total_wall_s": round(wall + wall2, 2),
            "invitees": len(chosen.invitees),
        }

    sample = sorted(rec.ctx.org_ids)[: args.sample]
    engines = ("local", "ray") if args.ray else ("local",)
    lists = {}
    for engine in engines:
        found, wall, cpu = timed(
            rec.recommend_all, 10, "both", progress=False, org_ids=sample, engine=engine
        )
        lists[engine] = {o: [(s.partner_id, s.reason) for s in v] for o, v in found.items()}
        scale = len(rec.ctx.org_ids) / len(sample)
        out[f"all_{engine}"] = {
            "sample": len(sample),
            "wall_s": wall,
            "cpu_s_driver": cpu,
            "per_org_ms": round(wall / len(sample) * 1000, 2),
            "extrapolated_all_min": round(wall * scale / 60, 1),
        }
    if args.ray:
        out["ray_equals_local"] = lists["ray"] == lists["local"]
    out["peak_rss_mb"] = round(peak_rss_mb())
    print(json.dumps(out, indent=2))
    return out


if __name__ == "__main__":
    main()
