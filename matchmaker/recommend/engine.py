"""Where embarrassingly parallel work runs: in this process (``local``) or on Ray (``ray``).

Two jobs outgrow one process at province scale: embedding a workspace's texts and ranking
partners for every organisation (``recommend --all``). Both split into independent blocks
(of texts, of organisations) that share one large read-only object (the embedding model,
the fitted recommender). :func:`map_blocks` runs ``func(shared, block)`` over the blocks and
returns the results in block order, so the caller's result does not depend on the engine:

- ``local``: one block after the other in this process;
- ``ray``: one Ray task per block. ``shared`` is put into the object store once
  (``ray.put``) and every task receives the reference, so it is sent to each worker node
  once, not once per block. Ray joins the cluster named by the setting ``ray_address``
  (``MATCHMAKER_RAY_ADDRESS``) or starts a local one on demand with the setting
  ``ray_cpus`` CPUs.

Ray is an optional extra (``pip install 'matchmaker[ray]'``, installed by ``make install``);
it is imported only when the ``ray`` engine is asked for, because importing it costs a
second or two that every other command would pay.

>>> map_blocks(lambda shared, block: [shared + x for x in block], 10, [[1, 2], [3]])
[[11, 12], [13]]
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from threadpoolctl import ThreadpoolController
from tqdm import tqdm

from matchmaker import config
from matchmaker.errors import ConfigError, DataError

__all__ = ["ENGINES", "check_engine", "map_blocks", "one_thread", "ray_session"]

ENGINES = ("local", "ray")


_THREADS: list = []


def one_thread():
    """Limit BLAS/OpenMP to one thread: a query is many small products, for which thread
    start-up costs 10-30x the work on a busy machine (gradient-boosting predict above all);
    parallel work comes from running blocks side by side (Ray), not from threads."""
    if not _THREADS:
        _THREADS.append(ThreadpoolController())
    return _THREADS[0].limit(limits=1)


def check_engine(engine: str) -> str:
    """``engine`` if it is one of :data:`ENGINES`, else :class:`DataError`."""
    if engine not in ENGINES:
        raise DataError(f"engine {engine!r} is not allowed; use one of {', '.join(ENGINES)}")
    return engine


def ray_session():
    """The ``ray`` module, connected: to ``ray_address`` when set, else a local Ray started
    on demand with ``ray_cpus`` CPUs (kept for the rest of the process).

    Raises
    ------
    ConfigError
        When Ray is not installed, or the cluster at ``ray_address`` cannot be joined.
    """
    try:
        import ray  # optional extra, heavy to import: only when asked for
    except ImportError:
        raise ConfigError(
            "the ray engine needs Ray: pip install 'matchmaker[ray]' (make install does)"
        ) from None
    if not ray.is_initialized():
        address = config.get("ray_address")
        try:
            if address:
                ray.init(address=address, log_to_driver=False)
            else:
                ray.init(
                    num_cpus=config.get("ray_cpus"),
                    include_dashboard=False,
                    log_to_driver=False,
                )
        except Exception as exc:  # a cluster that cannot be reached: a settings problem
            where = address or "a local Ray"
            raise ConfigError(f"cannot start or join Ray ({where}): {exc}") from exc
    return ray


def map_blocks(
    func: Callable, shared, blocks: Sequence, engine: str = "local", progress: str | None = None
) -> list:
    """``[func(shared, block) for block in blocks]`` on ``engine``, in block order.

    Parameters
    ----------
    func : callable
        A module-level function (Ray pickles it by reference).
    shared : object
        Read-only input every block needs; sent once per worker under Ray.
    blocks : sequence
        Independent pieces of work.
    engine : {"local", "ray"}
    progress : str, optional
        A label: show a progress bar counting blocks done.
    """
    check_engine(engine)
    bar = tqdm(total=len(blocks), desc=progress, unit="block", disable=progress is None)
    if engine == "local":
        out = []
        for block in blocks:
            out.append(func(shared, block))
            bar.update()
        bar.close()
        return out
    ray = ray_session()
    remote = ray.remote(func)
    ref = ray.put(shared)
    pending = {remote.remote(ref, block): i for i, block in enumerate(blocks)}
    out = [None] * len(blocks)
    while pending:
        done, _ = ray.wait(list(pending), num_returns=1)
        for task in done:
            out[pending.pop(task)] = ray.get(task)
            bar.update()
    bar.close()
    return out
