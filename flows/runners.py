"""Which task runner carries the per-file work: threads here, or a Dask cluster.

Threads (the default) suit one machine: OCR runs in Tesseract subprocesses, so
the GIL is no bottleneck. ``dask`` sends each task to an existing Dask cluster
(``tcp://HOST:PORT``) through prefect-dask; its workers must see the same
inbox and outbox paths (a shared filesystem) and the same Prefect server
(``PREFECT_API_URL``), because tasks report their states from the worker.
"""

from __future__ import annotations

import os

from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner

TASK_RUNNERS = ("thread", "dask")
#: How ``proofs serve`` passes its runner choice to the flow runs it starts (they load
#: the flow afresh from its module, so options set on the object would be lost).
RUNNER_VARIABLE = "PROOFS_TASK_RUNNER"
DASK_ADDRESS_VARIABLE = "PROOFS_DASK_ADDRESS"


def make_task_runner(
    kind: str = "thread", workers: int = 1, dask_address: str | None = None
) -> TaskRunner:
    """A bounded thread pool, or a DaskTaskRunner on the cluster at ``dask_address``."""
    if kind == "thread":
        return ThreadPoolTaskRunner(max_workers=max(1, workers))
    if kind == "dask":
        if not dask_address:
            raise ValueError("the dask task runner needs the scheduler address (tcp://HOST:PORT)")
        try:
            from prefect_dask import DaskTaskRunner
        except ImportError as error:  # optional dependency
            raise RuntimeError("the dask task runner needs prefect-dask installed") from error
        return DaskTaskRunner(address=dask_address)
    raise ValueError(f"unknown task runner {kind!r}: choose one of {', '.join(TASK_RUNNERS)}")


def runner_from_environment(workers: int) -> TaskRunner:
    """The runner named by ``PROOFS_TASK_RUNNER`` / ``PROOFS_DASK_ADDRESS`` (default threads)."""
    return make_task_runner(
        os.environ.get(RUNNER_VARIABLE) or "thread",
        workers,
        os.environ.get(DASK_ADDRESS_VARIABLE) or None,
    )
