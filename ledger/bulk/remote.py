"""What Ray runs for a bulk registration, and how the job reaches Ray.

A Ray task computes one file's fingerprints from its path and returns them: a pure function of
the file and the embeddings settings, with no database, log, media store or index anywhere near
it. So a worker that dies mid-file (killed, out of memory, a lost machine) costs nothing but the
work: Ray runs the task again on another worker (``max_retries``), and only the driver writes.
Workers read the files by path, so on a cluster every node must see the list's files at the same
paths (a shared file system), and have Clearance installed.

This module imports Ray only inside :class:`RayFingerprinting`, and nothing of the ledger beyond
its errors: a Ray worker imports it to run :func:`fingerprint_path`.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from ledger.errors import ConfigurationError

if TYPE_CHECKING:
    from embeddings import EmbeddingsConfig, Fingerprinter, MediaFingerprints

LOCAL_START_ATTEMPTS = 2

TASK_NAME = "clearance-fingerprint"
"""The name Ray gives each fingerprinting task: a worker running one is titled ``ray::clearance-fingerprint``."""


@dataclass(frozen=True)
class Fingerprinted:
    """One file's fingerprints, or why it cannot be fingerprinted, from the worker ``worker_pid``."""

    path: str
    fingerprints: MediaFingerprints | None
    refusal: str | None
    worker_pid: int


_fingerprinter: tuple[EmbeddingsConfig, Fingerprinter] | None = None
"""The worker process's fingerprinter (its models load once, on the first file), with the settings it was built for."""


def fingerprint_path(path: str, config: EmbeddingsConfig) -> Fingerprinted:
    """The fingerprints of the file at ``path`` for registration (purpose ``reference``).

    What makes the file unusable (undecodable, over a limit, unreadable) is answered as a refusal,
    not raised: it is the file's fault, and running the task again would not help."""
    from embeddings import EmbeddingsError, Fingerprinter

    global _fingerprinter
    if config.decode_threads == 0:  # a task holds one CPU: FFmpeg's threads would compete with the other workers
        config = config.with_(decode_threads=1, fingerprint_threads=1)
    if _fingerprinter is None or _fingerprinter[0] != config:
        _fingerprinter = (config, Fingerprinter(config))
    try:
        fingerprints = _fingerprinter[1].fingerprint_file(Path(path), purpose="reference")
    except EmbeddingsError as exc:
        return Fingerprinted(path, None, exc.diagnostics(), os.getpid())
    except OSError as exc:
        return Fingerprinted(path, None, f"{path}: cannot be read ({exc.strerror or exc})", os.getpid())
    return Fingerprinted(path, fingerprints, None, os.getpid())


def local_cpus() -> int:
    """The CPUs this process may run on (a container's or taskset's limit, not the machine's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


class RayFingerprinting:
    """A connection to Ray for one job, as a context manager, made when the first file is submitted.

    With no ``address`` it starts a Ray instance of its own on this machine (``num_cpus`` worker
    slots, default every CPU this process may use) and stops it at the end; with one, it joins that
    cluster and only disconnects. Ray already started in this process (a test, a notebook) is used
    as it is and left running."""

    def __init__(self, address: str | None = None, num_cpus: int | None = None, max_retries: int = 3) -> None:
        self.address = address
        self.num_cpus = num_cpus
        self.max_retries = max_retries
        self._started = False
        self._cpus = 1
        self._task: Any = None
        self._config_ref: Any = None

    def __enter__(self) -> RayFingerprinting:
        return self

    @property
    def connected(self) -> bool:
        return self._task is not None

    def _connect(self) -> None:
        """Start or join Ray, on the first file to fingerprint (a job with nothing left to do never does)."""
        import ray

        if not ray.is_initialized():
            self._init_ray()
            self._started = True
        resources: dict[str, float] = ray.cluster_resources()  # type: ignore[no-untyped-call]  # Ray leaves it unannotated
        if resources.get("CPU", 0) < 1:  # its tasks would wait for ever
            raise ConfigurationError(f"the Ray cluster at {self.address or 'this machine'} has no CPU to "
                                     "fingerprint on (every node lost, or none started with CPUs)")
        self._cpus = int(resources["CPU"])
        self._task = ray.remote(fingerprint_path).options(name=TASK_NAME, num_cpus=1,
                                                            max_retries=self.max_retries, retry_exceptions=False)

    def _init_ray(self) -> None:
        """``ray.init``: join the cluster at ``address``, or start an instance here. A starting instance
        has fixed time limits (its raylet waits 15 s for its agents, Python processes, to report their
        ports; the driver waits 30 s for the raylet), which a busy machine can miss: a local start is
        tried twice."""
        import ray

        # Ray would report usage to its makers from a cluster it starts; a ledger keeps to itself.
        os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
        attempts = 1 if self.address else LOCAL_START_ATTEMPTS
        for attempt in range(1, attempts + 1):
            try:
                ray.init(address=self.address or "local",
                         num_cpus=None if self.address else (self.num_cpus or local_cpus()),
                         include_dashboard=False, log_to_driver=False, logging_level=logging.ERROR)
                return
            except Exception as exc:  # noqa: BLE001  (Ray raises bare Exception for a start that timed out)
                ray.shutdown()  # whatever of it did start
                if attempt == attempts:
                    where = f"the Ray cluster at {self.address}" if self.address else "a local Ray instance"
                    raise ConfigurationError(f"cannot start or reach {where}: {exc} (--ray-address, or the "
                                             "ray_address setting / CLEARANCE_RAY_ADDRESS)") from None

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        if self._started:
            import ray

            ray.shutdown()

    @property
    def cpus(self) -> int:
        """The CPUs of the cluster when the job joined it, which bounds how many files are fingerprinted at
        once (1 until then)."""
        return self._cpus

    def submit(self, path: Path, config: EmbeddingsConfig) -> Any:
        """Start fingerprinting ``path`` on a worker; the answer is a Ray object reference."""
        import ray

        if not self.connected:
            self._connect()
        if self._config_ref is None:
            self._config_ref = ray.put(config)  # one copy in the object store for every task
        return self._task.remote(str(path), self._config_ref)

    def finished(self, pending: list[Any], timeout_s: float) -> list[Any]:
        """Those of ``pending`` that are done (or failed), waiting at most ``timeout_s`` for the first."""
        import ray

        if not pending:
            return []
        first, rest = ray.wait(pending, num_returns=1, timeout=timeout_s)
        if not first or not rest:
            return list(first)
        more, _ = ray.wait(rest, num_returns=len(rest), timeout=0)
        return [*first, *more]

    def answer(self, ref: Any, path: Path) -> Fingerprinted:
        """The finished task's answer; a task Ray gave up on (its worker died ``max_retries + 1`` times,
        or it failed in a way the file did not cause) is answered as the file's refusal."""
        import ray
        from ray.exceptions import RayError, WorkerCrashedError

        try:
            answer: Fingerprinted = ray.get(ref)
            return answer
        except WorkerCrashedError:
            return Fingerprinted(str(path), None, f"{path}: the Ray worker fingerprinting it died "
                                 f"{self.max_retries + 1} times (a crash in decoding, or out of memory); "
                                 "not registered", -1)
        except RayError as exc:
            first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            return Fingerprinted(str(path), None, f"{path}: fingerprinting failed on Ray ({first_line})", -1)
