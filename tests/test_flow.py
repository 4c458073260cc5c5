"""The batch end to end through the real `proofs run`: Prefect flow, Tesseract, outputs.

These run the console script in a subprocess, as a user would, each run on
Prefect's embedded server (SQLite under a per-session PREFECT_HOME).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_BATCH = ROOT / "sample_docs" / "batch" / "2026-11-26"
PROOFS = Path(sys.executable).parent / "proofs"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="session")
def prefect_home(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("prefect-home")


def counting_tesseract(folder: Path, delay: float = 0.0) -> tuple[Path, Path]:
    """A tesseract that records each recognition call (and may be slow), then runs the
    real one. pytesseract's once-per-process `tesseract --version` is not recorded."""
    counter = folder / "tesseract-calls"
    counter.touch()
    script = folder / "tesseract"
    script.write_text(
        "#!/bin/sh\n"
        f"case \"$*\" in *--version*) ;; *) echo call >> '{counter}' ;; esac\n"
        + (f"sleep {delay}\n" if delay else "")
        + f'exec {shutil.which("tesseract")} "$@"\n'
    )
    script.chmod(0o755)
    return script, counter


def run_proofs(
    batch: Path, out: Path, prefect_home: Path, tesseract: Path, **popen
) -> subprocess.Popen:
    env = {
        **os.environ,
        "PREFECT_HOME": str(prefect_home),
        "PROOFS_TESSERACT_CMD": str(tesseract),
        "PROOFS_WORKERS": "2",
    }
    return subprocess.Popen(
        [str(PROOFS), "run", str(batch), "--out", str(out)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
        **popen,
    )


def uploaded_files(batch: Path) -> dict[str, set[str]]:
    return {
        app.name: {
            p.relative_to(app).as_posix()
            for p in app.rglob("*")
            if p.is_file() and p.name != "application.json"
        }
        for app in batch.iterdir()
        if app.is_dir()
    }


def assert_complete(batch: Path, out: Path) -> dict[str, dict]:
    """One result per application, every file in exactly one entry, pages disjoint."""
    results = {}
    for app, files in uploaded_files(batch).items():
        result = json.loads((out / batch.name / app / "result.json").read_text())
        entries = [doc["file"] for doc in result["documents"]]
        assert set(entries) == files, app
        for name in files:
            pages = [p for doc in result["documents"] if doc["file"] == name for p in doc["pages"]]
            assert len(pages) == len(set(pages)), (app, name)
        if result["status"] == "accepted":
            assert result["notice"]["items"] == [] and result["notice"]["issue_by"]
        assert (out / batch.name / app / "notice.pdf").stat().st_size > 1000
        results[app] = result
    return results


@pytest.fixture(scope="module")
def first_run(tmp_path_factory, prefect_home):
    work = tmp_path_factory.mktemp("run")
    batch = work / "inbox" / SAMPLE_BATCH.name
    shutil.copytree(SAMPLE_BATCH, batch, symlinks=True)
    truth = batch / "truth.json"
    truth.unlink(missing_ok=True)
    tesseract, counter = counting_tesseract(work)
    process = run_proofs(batch, work / "out", prefect_home, tesseract)
    output, _ = process.communicate(timeout=900)
    return {
        "batch": batch,
        "out": work / "out",
        "returncode": process.returncode,
        "output": output,
        "calls": len(counter.read_text().splitlines()),
        "tesseract": tesseract,
        "counter": counter,
    }


def test_sample_batch_runs_and_writes_the_contract(first_run):
    assert first_run["returncode"] == 0, first_run["output"]
    assert "results and notices:" in first_run["output"]
    results = assert_complete(first_run["batch"], first_run["out"])
    assert len(results) >= 4
    summary = json.loads((first_run["out"] / first_run["batch"].name / "summary.json").read_text())
    assert summary["applications"] == len(results)
    assert summary["files_read"] + summary["files_failed"] == sum(
        len(files) for files in uploaded_files(first_run["batch"]).values()
    )
    failed = [doc for r in results.values() for doc in r["documents"] if doc["error"]]
    assert failed, "the sample batch holds a corrupt file, which must be reported"
    assert all(
        doc["type"] == "unknown" and doc["pages"] == []
        for doc in failed
        if doc["error_code"] != "ocr_timeout"
    )
    assert first_run["calls"] > 0


def test_the_temporary_server_recorded_every_task_run_before_it_stopped(first_run, prefect_home):
    """Task-run events are written in batches (SERVER_ENVIRONMENT_DEFAULTS): the last batch
    must still reach the database when the temporary server stops with the run."""
    import sqlite3

    with sqlite3.connect(prefect_home / "prefect.db") as database:
        (flow_run,) = database.execute(
            "select id from flow_run where name = ? order by created limit 1",
            (f"batch {first_run['batch'].name}",),
        ).fetchone()
        rows = database.execute(
            "select name, state_type from task_run where flow_run_id = ?", (flow_run,)
        ).fetchall()
        # the temporary server keeps no event feed (TEMPORARY_SERVER_DEFAULTS)
        (task_run_events,) = database.execute(
            "select count(*) from events where resource_id like 'prefect.task-run.%'"
        ).fetchone()
    assert task_run_events == 0
    applications = set(uploaded_files(first_run["batch"]))
    finished = {name.removeprefix("finish ") for name, _ in rows if name.startswith("finish ")}
    read = {name.split(" file ")[0].removeprefix("read ") for name, _ in rows if " file " in name}
    assert finished == applications and read == applications
    assert {state for _, state in rows} == {"COMPLETED"}


def test_second_run_calls_tesseract_zero_times(first_run, prefect_home):
    first_run["counter"].write_text("")
    before = {p: p.read_bytes() for p in (first_run["out"]).rglob("result.json")}
    process = run_proofs(first_run["batch"], first_run["out"], prefect_home, first_run["tesseract"])
    output, _ = process.communicate(timeout=600)
    assert process.returncode == 0, output
    assert first_run["counter"].read_text() == ""
    after = {p: p.read_bytes() for p in (first_run["out"]).rglob("result.json")}
    assert after == before


def running_flow_runs(prefect_home: Path) -> set[str]:
    """Ids of the flow runs the server holds as running (a row per run in its SQLite)."""
    import sqlite3

    database = prefect_home / "prefect.db"
    if not database.exists():
        return set()
    with sqlite3.connect(database) as connection:
        rows = connection.execute("select id from flow_run where state_type = 'RUNNING'")
        return {row[0] for row in rows}


def start_slow_run(
    tmp_path: Path, prefect_home: Path, calls: int, flow_started: bool = False
) -> tuple[subprocess.Popen, Path, Path, tuple[Path, Path]]:
    """A run of a copy of the sample batch with a slow Tesseract, once it has made
    ``calls`` recognition calls (the read-ahead makes the first ones while the server
    starts) and, with ``flow_started``, once its flow runs: (process, batch, outbox,
    (tesseract, call counter))."""
    batch = tmp_path / "inbox" / SAMPLE_BATCH.name
    shutil.copytree(SAMPLE_BATCH, batch, symlinks=True)
    (batch / "truth.json").unlink(missing_ok=True)
    out = tmp_path / "out"
    slow, counter = counting_tesseract(tmp_path, delay=1.0)
    running_before = running_flow_runs(prefect_home)
    process = run_proofs(batch, out, prefect_home, slow)
    deadline = time.monotonic() + 300

    def started() -> bool:
        if len(counter.read_text().splitlines()) < calls:
            return False
        return not flow_started or bool(running_flow_runs(prefect_home) - running_before)

    while time.monotonic() < deadline and not started():
        assert process.poll() is None, process.stdout.read()
        time.sleep(0.2)
    return process, batch, out, (slow, counter)


def test_ctrl_c_stops_the_run_with_a_line_not_a_traceback(tmp_path, prefect_home, first_run):
    """Ctrl-C reaches the terminal's whole process group: the run stops, says that a rerun
    finishes the batch, exits 130, and leaves no OCR worker or server behind."""
    process, _, _, _ = start_slow_run(tmp_path, prefect_home, calls=2, flow_started=True)
    output = interrupt(process)
    assert "Crashed" in output  # the server outlived Ctrl-C long enough to record the run


def test_ctrl_c_while_the_server_starts(tmp_path, prefect_home, first_run):
    """Ctrl-C while the read-ahead reads (PDF pages too) and the server starts: the same
    line and exit code (the PDF library was unloaded under a running read: SIGSEGV)."""
    process, _, _, _ = start_slow_run(tmp_path, prefect_home, calls=1)
    interrupt(process)


def interrupt(process: subprocess.Popen) -> str:
    """Ctrl-C to the run's process group; check the exit and that no process of the run
    outlives it. Returns the run's output."""
    children = subprocess.run(["pgrep", "-P", str(process.pid)], capture_output=True, text=True)
    assert children.stdout.split(), "the run has no server or OCR worker to check"
    os.killpg(process.pid, signal.SIGINT)
    output, _ = process.communicate(timeout=120)
    assert process.returncode == 130, output
    assert "interrupted" in output and "run the same command again" in output
    assert "Traceback" not in output
    time.sleep(2)
    left = [pid for pid in children.stdout.split() if _running(int(pid))]
    assert left == [], "processes of the run outlived it"
    return output


def _running(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def test_killed_run_is_finished_by_a_rerun(tmp_path, prefect_home, first_run):
    process, batch, out, (slow, counter) = start_slow_run(tmp_path, prefect_home, calls=6)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    finished = len(list(out.rglob("result.json"))) if out.exists() else 0
    assert finished < len(uploaded_files(batch)), "killed too late to prove anything"
    calls_kept = (
        sum(
            json.loads(entry.read_text())["ocr_calls"] for entry in (out / ".cache").rglob("*.json")
        )
        if out.exists()
        else 0
    )

    counter.write_text("")
    rerun = run_proofs(batch, out, prefect_home, slow)
    output, _ = rerun.communicate(timeout=900)
    assert rerun.returncode == 0, output
    assert_complete(batch, out)
    assert not list(out.rglob("*.tmp")), "a half-written file survived"
    # nothing finished before the kill is read again, everything else is read once
    rerun_calls = len(counter.read_text().splitlines())
    assert rerun_calls == first_run["calls"] - calls_kept
