"""Prefect's temporary server for a `proofs run` with no server configured.

Prefect would start this server itself on the flow's first call, after our
process had imported Prefect, and wait for it: about 19 s of wall time before the
first task on a loaded machine (measured). Started here, first thing, it imports
and migrates in its own process while ours imports Prefect, WeasyPrint and
OpenCV. It is the server Prefect runs for this purpose (its own ASGI app, in its
temporary mode: no UI, only the services a run needs), minus what a server that
lives for one run does not need (``TEMPORARY_SERVER_DEFAULTS``: automations, the
event feed, block registration), and with task-run events written in batches
(``SERVER_ENVIRONMENT_DEFAULTS``, which ``proofs server`` uses too).

It is shielded from the terminal: Ctrl-C reaches every process of the
terminal's process group, and a server killed by it left the interrupted run
retrying its last API calls for minutes. In a process group of its own, it
records the interrupted run and is stopped at exit; if the batch process is
killed outright, the kernel stops it too (``PR_SET_PDEATHSIG``).
"""

from __future__ import annotations

import atexit
import ctypes
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

#: Prefect's terminal state types: a task run in one of them gets no further event.
TERMINAL_STATE_TYPES = ("COMPLETED", "FAILED", "CRASHED", "CANCELLED")
#: prctl(2) option: the signal a child gets when the thread that started it ends.
_PR_SET_PDEATHSIG = 1
#: How long to wait for the server to answer, unless Prefect's own setting says.
STARTUP_TIMEOUT_SECONDS = 90.0
#: Server settings for batches of hundreds of task runs. Prefect's task-run recorder writes
#: every task-run event in a transaction of its own by default: its server's CPU for the 222
#: task runs of a 40-application batch was 7.9-9.4 s, and 3.4-4.6 s with up to 100 events
#: a transaction (measured on a running server, same task-run rows and states). The
#: dashboard then shows a task's state up to a second later.
SERVER_ENVIRONMENT_DEFAULTS = {
    "PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_BATCH_SIZE": "100",
    "PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_FLUSH_INTERVAL": "1",
}


#: What a server that lives for one run and serves no dashboard can leave out:
#: - the automations trigger service: it cannot act after the server stops, and cost about
#:   6 ms of CPU per task run;
#: - the event feed: every task-run state change was also written as an event with its
#:   related resources (about 2,600 rows for a 40-application batch, 0.8 s of the server's
#:   CPU, measured); the task runs and their states are still recorded;
#: - registering the block types on start, which imports every installed Prefect
#:   collection (prefect-dask, hence Dask) to decide that there is nothing new to
#:   register: about 0.5 s of CPU (measured). A ``proofs server`` on the same database
#:   registers them.
TEMPORARY_SERVER_DEFAULTS = {
    "PREFECT_SERVER_SERVICES_TRIGGERS_ENABLED": "false",
    "PREFECT_SERVER_SERVICES_EVENT_PERSISTER_ENABLED": "false",
    "PREFECT_API_BLOCKS_REGISTER_ON_START": "false",
    "PREFECT_MEMOIZE_BLOCK_AUTO_REGISTRATION": "false",
}


class ServerDidNotStart(RuntimeError):
    """The temporary server exited or did not answer in time."""


class TemporaryServer:
    """A Prefect API server process for the length of one run."""

    def __init__(self, process: subprocess.Popen, port: int, flush_seconds: float = 0.0) -> None:
        self.process = process
        self.port = port
        #: how often the server writes the task-run events it holds (see stop)
        self.flush_seconds = flush_seconds
        self.api_url = f"http://127.0.0.1:{port}/api"
        #: (flow run id, task runs it submitted) of the run, once it has ended (see stop)
        self._expected: tuple[str, int] | None = None

    def expect_task_runs(self, flow_run_id: str, count: int) -> None:
        """The run's flow run submitted ``count`` task runs: ``stop`` need not wait longer
        than until the server holds them all in a final state."""
        self._expected = (flow_run_id, count)

    def wait_until_ready(self, timeout: float | None = None) -> None:
        """Return once the server answers its health check."""
        limit = timeout or float(
            os.environ.get("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS")
            or STARTUP_TIMEOUT_SECONDS
        )
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ServerDidNotStart(
                    f"the temporary Prefect server exited with code {self.process.returncode}"
                )
            try:
                with urllib.request.urlopen(f"{self.api_url}/health", timeout=2) as answer:
                    if answer.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.1)
        raise ServerDidNotStart(f"the temporary Prefect server did not answer in {limit:.0f} s")

    def stop(self) -> None:
        """Stop the server once it has written the run's last task-run events: stopped in
        the middle of a periodic write, it logged a traceback of the cancelled write (and
        wrote the events again on its way out). The write comes within ``flush_seconds``
        of the last event; when the run said how many task runs it submitted, the server
        is asked instead, and stopped as soon as it holds them all finished (stopping took
        1.27 s of the command's wall time, now 0.29 s: measured on 214 task runs)."""
        if self.process.poll() is None:
            deadline = time.monotonic() + (self.flush_seconds + 0.1 if self.flush_seconds else 0)
            while time.monotonic() < deadline and not self.recorded_all():
                time.sleep(0.05)
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def recorded_all(self) -> bool:
        """Whether the server holds every task run the run expects in a final state."""
        if self._expected is None:
            return False
        flow_run_id, count = self._expected
        query = {
            "flow_runs": {"id": {"any_": [flow_run_id]}},
            "task_runs": {"state": {"type": {"any_": list(TERMINAL_STATE_TYPES)}}},
        }
        request = urllib.request.Request(
            f"{self.api_url}/task_runs/count",
            data=json.dumps(query).encode(),
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=1) as answer:
                return int(json.load(answer)) >= count
        except (urllib.error.URLError, OSError, ValueError):
            return False


def start_early() -> TemporaryServer | None:
    """Start the temporary server and point this process's Prefect at it, before Prefect is
    imported; None when a server is configured (``PREFECT_API_URL``) or Prefect's temporary
    server is switched off (``PREFECT_SERVER_EPHEMERAL_ENABLED=false``)."""
    if os.environ.get("PREFECT_API_URL"):
        return None
    if os.environ.get("PREFECT_SERVER_EPHEMERAL_ENABLED", "").lower() in {"0", "false", "no"}:
        return None
    port = _free_port()
    env = {key: value for key, value in os.environ.items() if key != "PREFECT_API_URL"}
    env.update(
        PREFECT_UI_ENABLED="0",
        PREFECT__SERVER_EPHEMERAL="1",  # Prefect's temporary mode: the services a run needs
        PREFECT__SERVER_FINAL="1",
    )
    for key, value in TEMPORARY_SERVER_DEFAULTS.items():
        env.setdefault(key, value)
    for key, value in SERVER_ENVIRONMENT_DEFAULTS.items():
        env.setdefault(key, value)
    prctl = _prctl()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "prefect.server.api.server:create_app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "error",
            "--lifespan",
            "on",
        ],
        env=env,
        stdin=subprocess.DEVNULL,
        process_group=0,
        preexec_fn=(lambda: prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)) if prctl else None,
    )
    flush = env.get("PREFECT_SERVER_SERVICES_TASK_RUN_RECORDER_FLUSH_INTERVAL", "")
    server = TemporaryServer(process, port, _seconds(flush))
    atexit.register(server.stop)
    os.environ["PREFECT_API_URL"] = server.api_url
    # it serves no dashboard: no "View at" link to a page that does not exist
    os.environ.setdefault("PREFECT_UI_URL", "")
    return server


def _seconds(text: str) -> float:
    try:
        return max(0.0, float(text))
    except ValueError:
        return 0.0


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _prctl():
    try:
        function = ctypes.CDLL("libc.so.6", use_errno=True).prctl
    except (OSError, AttributeError):  # not Linux/glibc: the group alone shields the server
        return None
    function.argtypes = [ctypes.c_int, ctypes.c_ulong]
    return function
