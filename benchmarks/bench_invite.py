"""Benchmark: choose 300 invitees from 10,000 candidates (target: under 3 seconds).

    .venv/bin/python benchmarks/bench_invite.py [--candidates 10000] [--capacity 300]

Synthetic, seeded workspace: 10,000 candidates in 5 chains x 3 stages x 8 segments, a third
from outside the city, half first-time; each candidate has about 20 valued partners, mostly
one stage up or down its chain (the shape the recommender's pair table has). Quotas: 30 %
outside, 30 % first-time, at most 12 per segment, full upstream-to-downstream coverage.
Prints the time and the list's figures next to the "re-invite last attendees" habit, here a
random 300 of the candidates that are not first-time.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from matchmaker.events.invite import Candidate, Quotas, choose_invitees, compare_lists

STAGES = ("upstream", "midstream", "downstream")


def workspace(n: int, seed: int = 7):
    rng = np.random.default_rng(seed)
    chains = [f"c{i}" for i in range(5)]
    cands, where = [], {}
    for i in range(n):
        chain = chains[rng.integers(len(chains))]
        stage = int(rng.integers(3))
        seg = f"{chain}-{STAGES[stage]}-{rng.integers(8)}"
        org = f"O{i:05d}"
        cands.append(
            Candidate(
                org,
                local=bool(rng.random() > 1 / 3),
                first_time=bool(rng.random() < 0.5),
                segment=seg,
                groups=(f"{chain}:{STAGES[stage]}",),
            )
        )
        where.setdefault((chain, stage), []).append(org)
    pairs = []
    for c in cands:
        chain, stage = c.groups[0].split(":")
        s = STAGES.index(stage)
        for _ in range(10):
            t = s + int(rng.choice([-1, 1])) if rng.random() < 0.8 else s
            pool = where.get((chain, min(max(t, 0), 2)), [])
            other = pool[rng.integers(len(pool))]
            if other != c.org_id:
                pairs.append((c.org_id, other, float(rng.random()), "supply link"))
    cover = [f"{c}:{s}" for c in chains for s in STAGES]
    return cands, pairs, cover


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--candidates", type=int, default=10_000)
    ap.add_argument("--capacity", type=int, default=300)
    args = ap.parse_args()
    cands, pairs, cover = workspace(args.candidates)
    quotas = Quotas(min_outside=0.3, min_new=0.3, max_per_segment=12)
    t0, c0 = time.perf_counter(), time.process_time()
    inv = choose_invitees(cands, pairs, args.capacity, quotas, cover=cover)
    took, cpu = time.perf_counter() - t0, time.process_time() - c0
    rng = np.random.default_rng(1)
    known = [c.org_id for c in cands if not c.first_time]
    habit = sorted(rng.choice(known, size=args.capacity, replace=False).tolist())
    print(f"{len(cands)} candidates, {len(pairs)} pair rows -> {len(inv.ids)} invitees")
    print(f"choose_invitees: {took:.2f} s wall, {cpu:.2f} s CPU")
    for row in compare_lists(cands, pairs, {"chosen": inv.ids, "habit": habit}, cover):
        print(
            f"{row['list']:>7}: value {row['value']:.1f}, valuable pairs "
            f"{row['valuable_pairs']}, coverage {row['chain_coverage']:.0%}, new faces "
            f"{row['new_faces']:.0%}, outside {row['outside']:.0%}"
        )


if __name__ == "__main__":
    main()
