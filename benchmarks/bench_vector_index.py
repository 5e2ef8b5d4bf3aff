"""Vector search for candidate retrieval: faiss IVF-Flat against the previous hand-written index.

Usage::

    .venv/bin/python benchmarks/bench_vector_index.py [--rows 100000] [--queries 200] [--dim 384]

Synthetic, seeded data: ``--rows`` unit vectors drawn around ``--centres`` random centres
(each point its centre plus Gaussian noise of ``--noise`` times the centre's scale, then
L2-normalised), so that neighbourhoods exist and an inverted file means something; the
queries are fresh draws from the same mixture, not rows of the index. One row per
organisation, as in the recommender's organisation-level indexes. With the defaults (200
centres, 500 rows each) a query's 50 nearest rows lie in its own cloud; with
``--centres 2000`` (50 rows each) most of them are near-random rows outside it, the hard
case for an inverted file.

Compared, each for the top ``--k`` (50) of every query:

- exact: a numpy product with every row, the ground truth (recall 1 by definition);
- previous: the hand-written inverted file that ``VectorIndex`` used before issue #12
  (seeded spherical k-means, every row of the probed lists scored in numpy), kept below in
  :class:`PreviousIndex` for this comparison only;
- VectorIndex: the faiss-backed :class:`matchmaker.recommend.candidates.VectorIndex`
  (IVF-Flat, inner product; same lists and probes), through its ``search``;
- faiss IVF-Flat alone: the index inside that ``VectorIndex``, searched directly;
- faiss HNSW (``IndexHNSWFlat``, M=32, efSearch 64), for reference.

Queries run on one thread (BLAS and OpenMP limited with threadpoolctl, as the recommender
does); builds use every core. Reports recall of the exact top-k, p50/p95 query time, build
seconds, the resident memory the build added and the bytes the index holds beyond the
shared vector matrix; prints a markdown table.
"""

from __future__ import annotations

import argparse
import ctypes
import gc
import os
import platform
import time

import faiss
import numpy as np
from threadpoolctl import threadpool_limits

from matchmaker.recommend.candidates import VectorIndex

MIB = 2**20
LIBC = ctypes.CDLL("libc.so.6")  # glibc, for malloc_trim
WARM_UP = 3  # queries run before timing (first-touch page faults, lazy initialisation)
HNSW_M = 32  # neighbours per node of the reference HNSW graph
HNSW_EF_SEARCH = 64  # candidate list of an HNSW query


class PreviousIndex:
    """The previous implementation: ``VectorIndex``'s hand-written inverted file before issue
    #12, copied from ``matchmaker/recommend/candidates.py`` and trimmed to the vector path this
    benchmark exercises (no lexical rows, no bonus). For comparison only."""

    def __init__(self, row_ids, owners, vectors, lists=None, probe=24, random_state=0):
        self.row_ids = np.asarray(list(row_ids), dtype=object)
        self.owners = np.asarray(list(owners), dtype=object)
        self.vectors = np.ascontiguousarray(vectors, np.float32)
        self.probe = probe
        self._cluster(lists or int(np.sqrt(len(self.row_ids))), random_state)

    def _cluster(self, lists: int, random_state: int) -> None:
        """Spherical k-means on a seeded sample, then every row to its nearest centroid."""
        rng = np.random.default_rng(random_state)
        n = len(self.row_ids)
        lists = max(1, min(lists, n))
        sample = self.vectors[np.sort(rng.choice(n, min(n, 32 * lists), replace=False))]
        centroids = sample[np.sort(rng.choice(len(sample), lists, replace=False))].copy()
        for _ in range(6):
            assign = np.argmax(sample @ centroids.T, axis=1)
            sums = np.zeros_like(centroids)
            np.add.at(sums, assign, sample)
            norms = np.linalg.norm(sums, axis=1, keepdims=True)
            centroids = np.where(norms > 0, sums / np.where(norms > 0, norms, 1), centroids)
        assign = np.concatenate(
            [np.argmax(self.vectors[i : i + 8192] @ centroids.T, axis=1) for i in range(0, n, 8192)]
        )
        self._order = np.argsort(assign, kind="stable")
        self._bounds = np.searchsorted(assign[self._order], np.arange(lists + 1))
        self.centroids = centroids.astype(np.float32)

    def nbytes(self) -> int:
        return self.centroids.nbytes + self._order.nbytes + self._bounds.nbytes

    def search(self, query, k: int = 50) -> list[str]:
        """Owners of the best rows of the probed lists, best first (ties by owner, row)."""
        near = (query @ self.centroids.T).max(axis=0)
        probe = min(self.probe, len(near))
        lists = np.argpartition(-near, probe - 1)[:probe]
        rows = np.unique(
            np.concatenate([self._order[self._bounds[c] : self._bounds[c + 1]] for c in lists])
        )
        ranking = (query @ self.vectors[rows].T).max(axis=0).astype(np.float64)
        found: list[str] = []
        size = len(rows)
        take = min(size, max(4 * k, k + 16))
        while k > 0 and size:
            top = np.argpartition(-ranking, take - 1)[:take] if take < size else np.arange(size)
            order = sorted(
                top, key=lambda i: (-ranking[i], self.owners[rows[i]], self.row_ids[rows[i]])
            )
            found = []
            for i in order:
                org = self.owners[rows[i]]
                if org not in found:
                    found.append(org)
                if len(found) == k:
                    break
            if len(found) == k or take >= size:
                break
            take = min(size, take * 4)
        return found


def mixture(rows: int, queries: int, dim: int, centres: int, noise: float, seed: int):
    """``rows`` index vectors and ``queries`` query vectors, unit length, float32."""
    rng = np.random.default_rng(seed)
    middle = rng.standard_normal((centres, dim), dtype=np.float32)

    def draw(n: int) -> np.ndarray:
        x = middle[rng.integers(centres, size=n)]
        x += noise * rng.standard_normal((n, dim), dtype=np.float32)
        x /= np.linalg.norm(x, axis=1, keepdims=True)
        return x

    return draw(rows), draw(queries)


def rss_bytes() -> int:
    """Current resident memory of this process (Linux ``/proc/self/statm``)."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def built(make):
    """``(index, seconds, resident bytes added)`` of ``make()``."""
    gc.collect()
    LIBC.malloc_trim(0)  # freed memory back to the system, so the next build cannot reuse it
    before = rss_bytes()
    start = time.perf_counter()
    index = make()
    took = time.perf_counter() - start
    gc.collect()
    return index, took, rss_bytes() - before


def timed(search, queries) -> tuple[list, np.ndarray]:
    """Results and per-query milliseconds of ``search(q)`` for every query, one thread."""
    with threadpool_limits(limits=1):
        for q in queries[:WARM_UP]:
            search(q)
        results, ms = [], []
        for q in queries:
            start = time.perf_counter()
            results.append(search(q))
            ms.append((time.perf_counter() - start) * 1000)
    return results, np.array(ms)


def recall(found, truth) -> float:
    return float(
        np.mean([len(set(f) & set(t)) / len(t) for f, t in zip(found, truth, strict=True)])
    )


def cpu_model() -> str:
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--dim", type=int, default=384)
    ap.add_argument("--k", type=int, default=50, help="top-k compared with the exact top-k")
    ap.add_argument("--centres", type=int, default=200, help="mixture components")
    ap.add_argument("--noise", type=float, default=1.5, help="noise scale around a centre")
    ap.add_argument("--probe", type=int, default=24, help="lists probed (both inverted files)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    print(
        f"machine: {os.cpu_count()} cores ({cpu_model()}), load average "
        f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}; faiss {faiss.__version__}"
    )
    vectors, queries = mixture(
        args.rows, args.queries, args.dim, args.centres, args.noise, args.seed
    )
    ids = [f"O{i:06d}" for i in range(args.rows)]
    q2 = [q[None, :] for q in queries]
    k = args.k
    table = []

    def report(name, found, ms, build, rss, nbytes):
        table.append((name, recall(found, truth), *np.percentile(ms, [50, 95]), build, rss, nbytes))
        print(f"  done: {name}", flush=True)

    def exact(q):
        sims = vectors @ q
        top = np.argpartition(-sims, k - 1)[:k]
        return [ids[i] for i in top[np.lexsort((top, -sims[top]))]]

    truth, ms = timed(exact, queries)
    report("exact (numpy, every row)", truth, ms, 0.0, 0, 0)

    old, took, rss = built(lambda: PreviousIndex(ids, ids, vectors, probe=args.probe))
    found, ms = timed(lambda q: old.search(q, k), q2)
    report("previous hand-written IVF", found, ms, took, rss, old.nbytes())
    old = None  # freed before the next build, so its memory is not counted there

    new, took, rss = built(lambda: VectorIndex(ids, ids, vectors, probe=args.probe))
    found, ms = timed(lambda q: [c.org_id for c in new.search(q, k=k)], q2)
    nbytes = len(faiss.serialize_index(new.ivf))
    report(f"VectorIndex (faiss IVF-Flat, {new.ivf.nlist} lists)", found, ms, took, rss, nbytes)

    params = faiss.SearchParametersIVF(nprobe=args.probe)
    found, ms = timed(lambda q: [ids[i] for i in new.ivf.search(q, k, params=params)[1][0]], q2)
    report("faiss IVF-Flat alone (same index)", found, ms, took, rss, nbytes)
    new = None

    def hnsw_index():
        index = faiss.IndexHNSWFlat(args.dim, HNSW_M, faiss.METRIC_INNER_PRODUCT)
        index.add(vectors)
        index.hnsw.efSearch = HNSW_EF_SEARCH
        return index

    hnsw, took, rss = built(hnsw_index)
    found, ms = timed(lambda q: [ids[i] for i in hnsw.search(q, k)[1][0]], q2)
    nbytes = len(faiss.serialize_index(hnsw))
    report(f"faiss HNSW (M={HNSW_M}, efSearch {HNSW_EF_SEARCH})", found, ms, took, rss, nbytes)

    print(
        f"\n{args.rows:,} rows x {args.dim} dims, {args.centres} centres, {args.queries} "
        f"queries, top {k}, {args.probe} lists probed; vector matrix "
        f"{vectors.nbytes / MIB:,.0f} MiB (shared, not counted below); load average after "
        f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}\n"
    )
    print(f"| index | recall@{k} | p50 ms | p95 ms | build s | RSS added MiB | index MiB |")
    print("|---|---|---|---|---|---|---|")
    for name, rec, p50, p95, build, rss, nbytes in table:
        print(
            f"| {name} | {rec:.3f} | {p50:.1f} | {p95:.1f} | {build:.1f} "
            f"| {rss / MIB:,.0f} | {nbytes / MIB:,.1f} |"
        )


if __name__ == "__main__":
    main()
