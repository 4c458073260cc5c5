"""The temporary Prefect server stops once it holds a run's task runs, on a real server.

The run's flow and tasks run in a subprocess with its own PREFECT_HOME, against the
temporary server as `proofs run` starts it (``flows.temporary_server.start_early``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.slow

SCRIPT = """
import json, time
from flows.temporary_server import start_early

server = start_early()
server.wait_until_ready()

from prefect import flow, task
from prefect.context import FlowRunContext


@task
def double(value: int) -> int:
    return 2 * value


@flow
def two_tasks() -> str:
    for value in (1, 2):
        double(value)
    return str(FlowRunContext.get().flow_run.id)


flow_run_id = two_tasks()
answers = {"more than it ran": None, "as many as it ran": None}
server.expect_task_runs(flow_run_id, 3)
answers["more than it ran"] = server.recorded_all()
server.expect_task_runs(flow_run_id, 2)
deadline = time.monotonic() + 10  # the server writes task-run events every second
while time.monotonic() < deadline and not server.recorded_all():
    time.sleep(0.1)
answers["as many as it ran"] = server.recorded_all()
server.expect_task_runs("00000000-0000-0000-0000-000000000000", 1)
answers["another flow run"] = server.recorded_all()
server.stop()
answers["stopped"] = server.process.poll() is not None
print(json.dumps(answers))
"""


def test_the_server_is_stopped_once_it_holds_every_task_run_of_the_run(tmp_path):
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("PREFECT_") or key == "PREFECT_LOGGING_LEVEL"
    }
    env.update(PREFECT_HOME=str(tmp_path / "prefect"), PYTHONPATH=str(ROOT))
    finished = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert finished.returncode == 0, finished.stderr[-2000:]
    answers = json.loads(finished.stdout.strip().splitlines()[-1])
    assert answers == {
        "more than it ran": False,
        "as many as it ran": True,
        "another flow run": False,
        "stopped": True,
    }
    assert "Traceback" not in finished.stderr
