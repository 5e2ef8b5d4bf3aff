"""Benchmark: 300 attendees x 12 slots (target: under 10 seconds).

    .venv/bin/python benchmarks/bench_schedule.py [--attendees 300] [--slots 12] [--tables 150]

Synthetic, seeded event: each attendee has about 30 valued partners, 200 meeting requests
(a quarter of them mutual) and 30 "do not meet" marks; fairness floor 3 meetings. Prints the
time, the meetings placed, the requests not placed and the attendees left under the floor.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from matchmaker.events.schedule import make_schedule


def event(n: int, seed: int = 11):
    rng = np.random.default_rng(seed)
    people = [f"O{i:04d}" for i in range(n)]
    pairs = []
    for i, a in enumerate(people):
        for j in rng.choice(n, size=15, replace=False):
            if j != i:
                pairs.append((a, people[j], float(rng.random()), "supply link"))
    requests = []
    for _ in range(150):
        a, b = rng.choice(n, size=2, replace=False)
        requests.append((people[a], people[b]))
        if rng.random() < 0.33:
            requests.append((people[b], people[a]))
    avoid = [tuple(people[k] for k in rng.choice(n, size=2, replace=False)) for _ in range(30)]
    return people, pairs, requests, avoid


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--attendees", type=int, default=300)
    ap.add_argument("--slots", type=int, default=12)
    ap.add_argument("--tables", type=int, default=150)
    ap.add_argument("--min-meetings", type=int, default=3)
    args = ap.parse_args()
    people, pairs, requests, avoid = event(args.attendees)
    t0, c0 = time.perf_counter(), time.process_time()
    agenda = make_schedule(
        people, pairs, requests, avoid, args.slots, args.tables, min_meetings=args.min_meetings
    )
    took, cpu = time.perf_counter() - t0, time.process_time() - c0
    counts = [0] * len(people)
    index = {p: i for i, p in enumerate(people)}
    for m in agenda.meetings:
        counts[index[m.org_a]] += 1
        counts[index[m.org_b]] += 1
    print(f"{len(people)} attendees, {args.slots} slots, {args.tables} tables, {len(pairs)} pairs")
    print(f"make_schedule: {took:.2f} s wall, {cpu:.2f} s CPU")
    print(
        f"meetings {len(agenda.meetings)}, per attendee min {min(counts)} / max {max(counts)}, "
        f"requests not placed {len(agenda.unplaced)}, under floor {len(agenda.below_floor)}"
    )


if __name__ == "__main__":
    main()
