"""The daily deployment: every day on a schedule, process that day's upload folder.

``proofs serve --inbox INBOX --out OUTBOX --cron "0 2 * * *"`` registers the
deployment ``residence-proofs-daily/daily`` on a running Prefect server and
executes its runs in this process (``flow.serve``). A scheduled run processes
``INBOX/<scheduled date>`` (YYYY-MM-DD in the schedule's time zone, minus
``days_back``); a run started by hand with the parameter ``day`` processes
``INBOX/<day>``, any folder name.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from prefect import flow, get_run_logger
from prefect.deployments.runner import EntrypointType
from prefect.runtime import flow_run
from prefect.schedules import Cron

from flows.batch import OCR_TAG, process_batch
from flows.runners import DASK_ADDRESS_VARIABLE, RUNNER_VARIABLE, runner_from_environment
from pipeline.models import BatchSummary
from pipeline.settings import get_settings

DEPLOYMENT_NAME = "daily"
DAILY_FLOW_NAME = "residence-proofs-daily"


def batch_day(scheduled: datetime, timezone: str = "UTC", days_back: int = 0) -> str:
    """The folder name of the day a run is for: its scheduled date in ``timezone``."""
    local = scheduled.astimezone(ZoneInfo(timezone))
    return (local.date() - timedelta(days=days_back)).isoformat()


def _day_of_this_run(day: str | None, timezone: str, days_back: int) -> str:
    return day or batch_day(flow_run.get_scheduled_start_time(), timezone, days_back)


def _run_name() -> str:
    """``batch YYYY-MM-DD``, as the batch flow names its runs."""
    parameters = flow_run.get_parameters()
    day = _day_of_this_run(
        parameters.get("day"), parameters.get("timezone", "UTC"), parameters.get("days_back", 0)
    )
    return f"batch {day}"


@flow(
    name=DAILY_FLOW_NAME,
    flow_run_name=_run_name,
    persist_result=False,
    log_prints=False,
    task_runner=runner_from_environment(get_settings().workers),
)
def daily_batch(
    inbox: str,
    out: str,
    day: str | None = None,
    timezone: str = "UTC",
    days_back: int = 0,
) -> BatchSummary:
    """Process ``INBOX/<day>``; ``day`` defaults to the run's scheduled date.

    Calls the batch flow's body in this run (not as a subflow, which would add
    a second run per day to the dashboard and about a second of overhead).
    """
    name = _day_of_this_run(day, timezone, days_back)
    if Path(name).name != name or name in {"", ".", ".."}:
        raise ValueError("day must be the name of one folder in the inbox")
    batch_dir = Path(inbox) / name
    if not batch_dir.is_dir():
        get_run_logger().error("batch %s: no such folder in the inbox", name)
        raise FileNotFoundError(f"no batch folder {name} in the inbox")
    return process_batch.fn(str(batch_dir.resolve()), str(Path(out).resolve()), name)


def set_ocr_limit(limit: int) -> None:
    """A Prefect tag concurrency limit on OCR tasks: holds across processes and machines."""
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        client.create_concurrency_limit(tag=OCR_TAG, concurrency_limit=limit)


def serve_daily(
    inbox: Path,
    out: Path,
    cron: str,
    timezone: str = "UTC",
    days_back: int = 0,
    workers: int | None = None,
    task_runner: str = "thread",
    dask_address: str | None = None,
    ocr_limit: int | None = None,
) -> None:
    """Register the daily deployment and run its flow runs here until interrupted."""
    if workers:
        os.environ["PROOFS_WORKERS"] = str(workers)
    os.environ[RUNNER_VARIABLE] = task_runner
    if dask_address:
        os.environ[DASK_ADDRESS_VARIABLE] = dask_address
    if ocr_limit:
        set_ocr_limit(ocr_limit)
    get_settings.cache_clear()
    configured = daily_batch.with_options(
        task_runner=runner_from_environment(get_settings().workers)
    )
    configured.serve(
        name=DEPLOYMENT_NAME,
        schedules=[Cron(cron, timezone=timezone)],
        parameters={
            "inbox": str(inbox.resolve()),
            "out": str(out.resolve()),
            "timezone": timezone,
            "days_back": days_back,
        },
        description="Process the day's upload folder INBOX/YYYY-MM-DD into OUTBOX.",
        tags=["residence-proofs"],
        limit=1,
        entrypoint_type=EntrypointType.MODULE_PATH,
    )
