"""Run per-video jobs on a local process pool or on a Dask distributed cluster.

Both yield :class:`~.job.JobResult` objects as the jobs finish, in completion order; neither
touches the index or the output folder (the coordinator does, see :mod:`.driver`).

**Local** (:func:`run_local`): a ``ProcessPoolExecutor`` with the *spawn* start method (MediaPipe
is not fork-safe), never more jobs in flight than workers. If a worker process dies (a crash in
native code), the pool is rebuilt and the videos that were in flight are tried again, each alone;
a video that crashes its worker twice is failed with that reason, the others go on.

**Dask** (:func:`run_dask`): ``Client(address)`` to an existing scheduler, ``Client.map`` of the
same job function, ``as_completed``. Requirements on every worker (documented in the README):

- the same gaitscan version installed (checked before any job is sent), with its dependencies
  (mediapipe 0.10.21 ships the pose model, so no network is needed);
- read access to the videos at the **same absolute paths** as on the coordinator (a shared or
  mounted folder); workers write nothing there — they send the outputs back to the coordinator,
  which alone writes OUT and the index.
"""
from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import os
import signal
from concurrent.futures.process import BrokenProcessPool
from typing import Callable, Iterable, Iterator

from .. import __version__
from ..cores import usable_cores
from ..errors import UsageError
from .job import JobResult, JobSpec

JobFn = Callable[[JobSpec], JobResult]

#: a video in flight during this many worker crashes is failed instead of tried again
MAX_CRASHES = 2


def _init_worker(pose_threads: str) -> None:
    """Worker initializer: the pose model's thread count (``GAITSCAN_POSE_THREADS``, see
    :func:`worker_pose_threads`), and Ctrl-C (sent to the whole process group) ends a worker with
    exit 130.

    The coordinator reports the interrupt and shuts the pool down; without this, an idle worker
    blocked on its call queue dies with a KeyboardInterrupt traceback on the user's terminal.
    ``SystemExit`` leaves a worker without a traceback (and runs its clean-up).
    """
    from ..pose.landmarker import THREADS_ENV

    os.environ[THREADS_ENV] = pose_threads

    def leave(signum, frame):  # noqa: ARG001 — signal handler signature
        raise SystemExit(130)

    signal.signal(signal.SIGINT, leave)


def worker_pose_threads(jobs: int) -> str:
    """The pose model's threads per local worker: the user's ``GAITSCAN_POSE_THREADS`` if set, else
    "2" when every worker has two cores of its own, else "1" (two workers with two model threads
    each on two cores only add a second Landmarker's memory and thread switching)."""
    from ..pose.landmarker import THREADS_ENV

    given = os.environ.get(THREADS_ENV, "").strip()
    if given:
        return given
    return "2" if usable_cores() >= 2 * jobs else "1"


def run_local(specs: Iterable[JobSpec], *, jobs: int, job_fn: JobFn) -> Iterator[JobResult]:
    """Run ``job_fn`` over ``specs`` on ``jobs`` spawned worker processes; yield results as they finish."""
    if jobs < 1:
        raise UsageError(f"--jobs must be at least 1, got {jobs}")
    queue = list(specs)[::-1]  # pop() from the end keeps the given order
    crashes: dict[str, int] = {}
    context = multiprocessing.get_context("spawn")
    while queue:
        pool = cf.ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=_init_worker,
                                      initargs=(worker_pose_threads(jobs),))
        in_flight: dict[cf.Future, JobSpec] = {}
        broken = False
        try:
            while (queue or in_flight) and not broken:
                while queue and len(in_flight) < jobs and not _suspect_waits(queue[-1], in_flight, crashes):
                    spec = queue.pop()
                    in_flight[pool.submit(job_fn, spec)] = spec
                finished, _ = cf.wait(in_flight, return_when=cf.FIRST_COMPLETED)
                for future in finished:
                    spec = in_flight.pop(future)
                    try:
                        result = future.result()
                    except BrokenProcessPool:
                        broken = True
                        _crashed(spec, crashes, queue)
                        continue
                    except Exception as exc:  # noqa: BLE001 — e.g. a result that cannot be pickled
                        result = JobResult(spec.key, False, exit_code=1,
                                           reason=f"internal error, please report it: {type(exc).__name__}: {exc}")
                    yield result
            if broken:
                for spec in in_flight.values():
                    _crashed(spec, crashes, queue)
                in_flight.clear()
            for spec in [s for s in queue if crashes.get(s.key, 0) >= MAX_CRASHES]:
                queue.remove(spec)
                yield JobResult(spec.key, False, exit_code=1,
                                reason=f"the analysis process crashed {MAX_CRASHES} times on this video")
        finally:
            pool.shutdown(wait=not in_flight, cancel_futures=True)


def _suspect_waits(next_spec: JobSpec, in_flight: dict, crashes: dict[str, int]) -> bool:
    """A video in flight during a crash runs again alone, so that a second crash is blamed on it only."""
    running_suspect = any(crashes.get(s.key, 0) for s in in_flight.values())
    return running_suspect or bool(in_flight and crashes.get(next_spec.key, 0))


def _crashed(spec: JobSpec, crashes: dict[str, int], queue: list[JobSpec]) -> None:
    """Count a crash against a video that was in flight and queue it again."""
    crashes[spec.key] = crashes.get(spec.key, 0) + 1
    queue.append(spec)


def run_dask(specs: Iterable[JobSpec], *, scheduler: str, job_fn: JobFn,
             connect_timeout_s: float = 30.0) -> Iterator[JobResult]:
    """Run ``job_fn`` over ``specs`` on the Dask cluster at ``scheduler``; yield results as they finish."""
    try:
        from distributed import Client, as_completed
    except ImportError:
        raise UsageError("--scheduler needs Dask: pip install 'gaitscan[distributed]'") from None
    specs = list(specs)
    try:
        client = Client(scheduler, timeout=connect_timeout_s, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        raise UsageError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from None
    try:
        check_workers(client, connect_timeout_s)
        futures = client.map(job_fn, specs, pure=False)
        by_key = {future.key: spec for future, spec in zip(futures, specs)}
        for future in as_completed(futures, loop=client.loop):
            spec = by_key[future.key]
            try:
                result = future.result()
            except Exception as exc:  # noqa: BLE001 — e.g. KilledWorker: fail this video, go on
                result = JobResult(spec.key, False, exit_code=1,
                                   reason=f"the Dask worker failed on this video: {type(exc).__name__}: {exc}")
            future.release()
            yield result
    finally:
        client.close()


def check_workers(client, timeout_s: float) -> None:
    """Refuse to start unless the cluster has workers running this gaitscan version."""
    try:
        client.wait_for_workers(1, timeout=timeout_s)
    except TimeoutError:
        raise UsageError(f"the Dask cluster has no workers (waited {timeout_s:g} s)") from None
    try:
        versions = client.run(worker_version)
    except Exception as exc:  # noqa: BLE001 — a worker without gaitscan fails to unpickle the function
        raise UsageError(f"a Dask worker cannot run gaitscan (is it installed there?): {exc}") from None
    wrong = {worker: v for worker, v in versions.items() if v != __version__}
    if wrong:
        raise UsageError(f"Dask workers run another gaitscan version than this {__version__}: {wrong}")


def worker_version() -> str:
    """The gaitscan version importable on the machine running this (used on Dask workers)."""
    from gaitscan import __version__ as version

    return version
