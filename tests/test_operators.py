"""Operators' side, for real: a Prefect server, the daily deployment, Dask, PostgreSQL.

One real `proofs server` per session (SQLite under a temporary PREFECT_HOME).
`proofs serve` registers the daily deployment on it; the test triggers a run
through Prefect's API, watches the progress artifact move, and reads every
artifact, task-run name and log line back to find no name, ID number, address
or file name from the forms. The same batch then runs on a Dask cluster of two
worker processes and must give identical results; a crashing Tesseract must
leave a reported file and a complete batch; a real PostgreSQL holds the store.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_BATCH = ROOT / "sample_docs" / "batch" / "2026-11-26"
BIN = Path(sys.executable).parent
PROOFS = BIN / "proofs"
DAY = SAMPLE_BATCH.name
DEPLOYMENT = "residence-proofs-daily/daily"

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def stop(process: subprocess.Popen) -> None:
    """Stop a process this test started, with its process group."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def wait_until(check, timeout: float, what: str, process: subprocess.Popen | None = None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise AssertionError(f"{what}: the process ended early:\n{process.stdout.read()}")
        try:
            value = check()
        except Exception:
            value = None
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError(f"{what}: not within {timeout} s")


def recorded_task_runs(client, runs, applications: int) -> list:
    """The run's task runs once the server has recorded all of them: it writes task-run
    events in batches, flushed every second (SERVER_ENVIRONMENT_DEFAULTS)."""

    def complete():
        tasks = client.read_task_runs(flow_run_filter=runs)
        finished = [t for t in tasks if t.name.startswith("finish ") and t.state.is_final()]
        return tasks if len(finished) == applications else None

    return wait_until(complete, 15, "every task run recorded")


def copy_batch(inbox: Path) -> Path:
    batch = inbox / DAY
    shutil.copytree(SAMPLE_BATCH, batch, symlinks=True)
    (batch / "truth.json").unlink(missing_ok=True)
    return batch


def personal_strings(batch: Path) -> set[str]:
    """Names, ID numbers and addresses on the forms, and the uploaded files' names."""
    found: set[str] = set()
    for form_path in batch.glob("*/application.json"):
        form = json.loads(form_path.read_text())
        found |= {
            form["applicant"]["name"],
            form["applicant"]["id_number"],
            form["residence"]["address"],
        }
        if form.get("agent"):
            found |= {form["agent"]["name"], form["agent"]["id_number"]}
        found |= {p.name for p in form_path.parent.iterdir() if p.name != "application.json"}
    return {value for value in found if value}


@pytest.fixture(scope="session")
def prefect_server(tmp_path_factory):
    """A real Prefect server started by `proofs server`; yields the environment to reach it."""
    home = tmp_path_factory.mktemp("prefect-server-home")
    port = free_port()
    env = {**os.environ, "PREFECT_HOME": str(home)}
    env.pop("PREFECT_API_URL", None)
    process = subprocess.Popen(
        [str(PROOFS), "server", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}/api"
    try:
        wait_until(
            lambda: urllib.request.urlopen(f"{url}/health", timeout=2).read() == b"true",
            120,
            "prefect server health",
            process,
        )
        yield {**env, "PREFECT_API_URL": url, "PROOFS_WORKERS": "2"}
    finally:
        stop(process)


@pytest.fixture(scope="session")
def client_env(prefect_server):
    """Point this test process's Prefect client at the session server."""
    previous = os.environ.get("PREFECT_API_URL")
    os.environ["PREFECT_API_URL"] = prefect_server["PREFECT_API_URL"]
    yield prefect_server
    if previous is None:
        os.environ.pop("PREFECT_API_URL", None)
    else:
        os.environ["PREFECT_API_URL"] = previous


def prefect_client():
    """A client of the session server, whatever Prefect read from the environment at import."""
    from prefect.client.orchestration import SyncPrefectClient

    return SyncPrefectClient(os.environ["PREFECT_API_URL"])


def final_state(client, run_id):
    """The run's state once it is final, else None."""
    state = client.read_flow_run(run_id).state
    return state if state is not None and state.is_final() else None


@pytest.fixture(scope="module")
def served_run(client_env, tmp_path_factory):
    """`proofs serve`, then a run of the deployment triggered through the API with a day."""
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    work = tmp_path_factory.mktemp("serve")
    batch = copy_batch(work / "inbox")
    env = {
        **client_env,
        "PROOFS_REVIEW_URL": "http://127.0.0.1:8000/",
        "PREFECT_RUNNER_POLL_FREQUENCY": "2",  # pick up triggered runs sooner (default 10 s)
    }
    process = subprocess.Popen(
        [
            str(PROOFS),
            "serve",
            "--inbox",
            str(work / "inbox"),
            "--out",
            str(work / "out"),
            "--cron",
            "0 2 * * *",
            "--timezone",
            "Asia/Shanghai",
            "--ocr-limit",
            "2",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        with prefect_client() as client:
            deployment = wait_until(
                lambda: client.read_deployment_by_name(DEPLOYMENT),
                90,
                "deployment registered",
                process,
            )
            run = client.create_flow_run_from_deployment(deployment.id, parameters={"day": DAY})
            progress_seen: list[float] = []
            key = ArtifactFilter(key=ArtifactFilterKey(any_=[f"proofs-{DAY}-progress"]))

            def finished():
                for artifact in client.read_artifacts(artifact_filter=key):
                    if artifact.flow_run_id == run.id:
                        progress_seen.append(float(artifact.data))
                return final_state(client, run.id)

            state = wait_until(finished, 600, "the deployment's run", process)
            limit = client.read_concurrency_limit_by_tag("ocr")
            # as the schedule starts it: no day given, so the folder is named by the date
            scheduled = client.create_flow_run_from_deployment(deployment.id)
            scheduled_state = wait_until(
                lambda: final_state(client, scheduled.id), 120, "the run without a day", process
            )
            scheduled = client.read_flow_run(scheduled.id)
    finally:
        stop(process)
    return {
        "batch": batch,
        "out": work / "out",
        "run_id": run.id,
        "state": state,
        "deployment": deployment,
        "progress": progress_seen,
        "ocr_limit": limit,
        "scheduled": scheduled,
        "scheduled_state": scheduled_state,
        "output": process.stdout.read(),
    }


def test_serve_registers_a_daily_schedule_and_runs_a_day_by_hand(served_run):
    assert served_run["state"].is_completed(), served_run["output"]
    schedules = served_run["deployment"].schedules
    assert [s.schedule.cron for s in schedules] == ["0 2 * * *"]
    assert schedules[0].schedule.timezone == "Asia/Shanghai"
    assert served_run["ocr_limit"].concurrency_limit == 2
    summary = json.loads((served_run["out"] / DAY / "summary.json").read_text())
    assert summary["status"] == "complete" and summary["applications"] == 5
    with prefect_client() as client:
        run = client.read_flow_run(served_run["run_id"])
    assert run.name == f"batch {DAY}"


def test_a_run_without_a_day_takes_its_folder_from_the_scheduled_date(served_run):
    from flows.deploy import batch_day

    run = served_run["scheduled"]
    day = batch_day(run.expected_start_time, "Asia/Shanghai")
    assert run.name == f"batch {day}"
    if day != DAY:  # the inbox holds only 2026-11-26: the day's folder is missing
        assert served_run["scheduled_state"].is_failed()


def test_dashboard_shows_progress_tables_and_clerk_list(served_run):
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    seen = served_run["progress"]
    assert seen and seen[-1] == 100.0
    assert any(0.0 < value < 100.0 for value in seen), f"never moved: {seen}"
    runs = FlowRunFilter(id=FlowRunFilterId(any_=[served_run["run_id"]]))
    applications = sum(1 for p in served_run["batch"].iterdir() if p.is_dir())
    with prefect_client() as client:
        artifacts = {a.key: a for a in client.read_artifacts(flow_run_filter=runs)}
        tasks = recorded_task_runs(client, runs, applications)
    assert {
        f"proofs-{DAY}-{kind}"
        for kind in ("progress", "overview", "failed-files", "clerks", "review-app")
    } <= set(artifacts)
    overview = json.loads(artifacts[f"proofs-{DAY}-overview"].data)
    counts = {(row["section"], row["item"]): row["count"] for row in overview}
    summary = json.loads((served_run["out"] / DAY / "summary.json").read_text())
    for status, count in summary["by_status"].items():
        assert counts[("applications", status)] == count
    assert (
        sum(c for (section, _), c in counts.items() if section == "files failed")
        == (summary["files_failed"])
    )
    failed = json.loads(artifacts[f"proofs-{DAY}-failed-files"].data)
    assert failed and all(isinstance(row["file"], int) and row["error_code"] for row in failed)
    clerks = artifacts[f"proofs-{DAY}-clerks"].data
    flagged = [json.loads(p.read_text()) for p in (served_run["out"] / DAY).glob("*/result.json")]
    for result in flagged:
        assert (result["application_id"] in clerks) == (
            result["needs_review"] or result["status"] == "rejected"
        )
    assert "http://127.0.0.1:8000/" in clerks
    names = {task.name for task in tasks}
    assert {n.split(" file ")[0] for n in names if n.startswith("read ")} == {
        f"read {p.name}" for p in served_run["batch"].iterdir() if p.is_dir()
    }
    assert all(n.startswith(("read A", "finish A")) for n in names), names
    # the server holds the OCR limit (--ocr-limit 2): every read asks it for a slot
    assert all(("ocr" in t.tags) == t.name.startswith("read ") for t in tasks)


def test_reads_are_tagged_for_the_ocr_limit_only_when_the_server_has_one(client_env):
    """A tagged task costs two more calls to the server; without a limit they buy nothing."""
    from prefect.exceptions import ObjectNotFound

    from flows.batch import OCR_TAG, ocr_tags

    with prefect_client() as client:
        try:
            kept = client.read_concurrency_limit_by_tag(OCR_TAG).concurrency_limit
        except ObjectNotFound:
            kept = None
        with contextlib.suppress(ObjectNotFound):
            client.delete_concurrency_limit_by_tag(OCR_TAG)
        assert ocr_tags() == []
        client.create_concurrency_limit(tag=OCR_TAG, concurrency_limit=3)
        assert ocr_tags() == [OCR_TAG]
        client.delete_concurrency_limit_by_tag(OCR_TAG)
        if kept is not None:
            client.create_concurrency_limit(tag=OCR_TAG, concurrency_limit=kept)


def test_nothing_personal_reaches_prefect(served_run):
    from prefect.client.schemas.filters import (
        FlowRunFilter,
        FlowRunFilterId,
        LogFilter,
        LogFilterFlowRunId,
    )

    runs = FlowRunFilter(id=FlowRunFilterId(any_=[served_run["run_id"]]))
    with prefect_client() as client:
        artifacts = client.read_artifacts(flow_run_filter=runs)
        tasks = client.read_task_runs(flow_run_filter=runs)
        run = client.read_flow_run(served_run["run_id"])
        logs = client.read_logs(
            log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[served_run["run_id"]]))
        )
    assert len(artifacts) >= 4 and logs
    shown = [json.dumps(a.data) + (a.description or "") for a in artifacts]
    shown += [task.name for task in tasks] + [run.name, json.dumps(run.parameters)]
    shown += [log.message for log in logs]
    text = "\n".join(shown).lower()
    secrets = personal_strings(served_run["batch"])
    assert len(secrets) > 15
    leaked = sorted(s for s in secrets if s.lower() in text)
    assert not leaked, f"{len(leaked)} personal values reached Prefect"


def test_dask_cluster_gives_the_same_results(served_run, client_env, tmp_path):
    from distributed import LocalCluster

    batch = copy_batch(tmp_path / "inbox")
    with LocalCluster(
        n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None
    ) as cluster:
        process = subprocess.run(
            [
                str(PROOFS),
                "run",
                str(batch),
                "--out",
                str(tmp_path / "out"),
                "--no-progress",
                "--task-runner",
                "dask",
                "--dask-address",
                cluster.scheduler_address,
            ],
            env=client_env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        workers = len(cluster.workers)
    assert process.returncode == 0, process.stdout + process.stderr
    assert workers == 2
    expected = sorted((served_run["out"] / DAY).glob("*/result.json"))
    assert len(expected) == 5
    for path in expected:
        other = tmp_path / "out" / DAY / path.parent.name / path.name
        mine, theirs = json.loads(other.read_text()), json.loads(path.read_text())
        if mine["pipeline_version"] == theirs["pipeline_version"]:
            assert mine == theirs, path.parent.name
        else:  # the source changed between the two runs (someone edited the tree meanwhile):
            for field in ("pipeline_version", "input_fingerprint"):  # hashes of the code
                del mine[field], theirs[field]
            assert mine == theirs, path.parent.name
        assert (other.parent / "notice.html").read_bytes() == (
            path.parent / "notice.html"
        ).read_bytes()


def small_batch(inbox: Path, application: str = "A2026112600105", files: int = 1) -> Path:
    """One application of the sample batch with its form and its first ``files`` uploads."""
    source = SAMPLE_BATCH / application
    target = inbox / DAY / application
    target.mkdir(parents=True)
    shutil.copy(source / "application.json", target)
    uploads = sorted(p for p in source.iterdir() if p.suffix.lower() in {".jpg", ".png", ".tif"})
    for upload in uploads[:files]:
        shutil.copy(upload, target)
    return inbox / DAY


def test_a_crashing_tesseract_is_retried_reported_and_the_batch_completes(client_env, tmp_path):
    calls = tmp_path / "calls"
    crash = tmp_path / "tesseract"
    crash.write_text(  # answers --version like Tesseract 5, then crashes on every page
        "#!/bin/sh\n"
        'if [ "$1" = "--version" ]; then echo "tesseract 5.3.0"; exit 0; fi\n'
        f"echo call >> '{calls}'\necho 'Segmentation fault' >&2\nkill -SEGV $$\n"
    )
    crash.chmod(0o755)
    batch = small_batch(tmp_path / "inbox", files=2)
    env = {**client_env, "PROOFS_TESSERACT_CMD": str(crash)}
    process = subprocess.run(
        [str(PROOFS), "run", str(batch), "--out", str(tmp_path / "out"), "--no-progress"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert process.returncode == 0, process.stdout + process.stderr
    result = json.loads((tmp_path / "out" / DAY / "A2026112600105" / "result.json").read_text())
    failed = [doc for doc in result["documents"] if doc["error_code"] == "ocr_failed"]
    assert failed, result["documents"]
    assert all(doc["pages"] == [] and doc["error"] for doc in failed)
    summary = json.loads((tmp_path / "out" / DAY / "summary.json").read_text())
    assert summary["status"] == "complete"
    assert summary["failures"].get("ocr_failed") == len(failed)
    # each crashing file was tried three times (two retries), not more
    assert len(calls.read_text().splitlines()) == 3 * len(failed)


# ------------------------------------------------------------------ PostgreSQL


def _postgres_binaries() -> Path | None:
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).resolve().parent
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
    return versions[-1].parent if versions else None


@pytest.fixture
def postgres():
    """A throwaway PostgreSQL on a loopback port, with databases `proofs` and `prefect`;
    run as the `postgres` user when we are root. Yields the server's URL (no database)."""
    binaries = _postgres_binaries()
    if binaries is None:
        pytest.skip("PostgreSQL is not installed (make install adds the Debian package)")
    as_user: list[str] = []
    data = Path(tempfile.mkdtemp(prefix="proofs-pg-"))
    if os.geteuid() == 0:
        if shutil.which("runuser") is None:
            pytest.skip("running as root without runuser: cannot start PostgreSQL")
        as_user = ["runuser", "-u", "postgres", "--"]
        shutil.chown(data, "postgres", "postgres")
    port = free_port()

    def run(*command: str) -> None:
        subprocess.run([*as_user, *command], check=True, capture_output=True, timeout=120)

    try:
        run(
            str(binaries / "initdb"),
            "-D",
            str(data / "db"),
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-locale",
        )
        run(
            str(binaries / "pg_ctl"),
            "-D",
            str(data / "db"),
            "-l",
            str(data / "log"),
            "-w",
            "-o",
            f"-p {port} -k {data} -c listen_addresses=127.0.0.1",
            "start",
        )
        for database in ("proofs", "prefect"):
            run(
                str(binaries / "createdb"),
                "-h",
                "127.0.0.1",
                "-p",
                str(port),
                "-U",
                "postgres",
                database,
            )
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}"
    finally:
        subprocess.run(
            [
                *as_user,
                str(binaries / "pg_ctl"),
                "-D",
                str(data / "db"),
                "-m",
                "fast",
                "-w",
                "stop",
            ],
            capture_output=True,
            timeout=60,
        )
        shutil.rmtree(data, ignore_errors=True)


def test_prefect_and_the_store_on_a_real_postgresql(postgres, tmp_path):
    """`proofs server` on PostgreSQL, and a batch whose results store is PostgreSQL too."""
    from sqlalchemy import create_engine, text

    port = free_port()
    server_env = {
        **os.environ,
        "PREFECT_HOME": str(tmp_path / "prefect-home"),
        "PREFECT_API_DATABASE_CONNECTION_URL": postgres.replace("psycopg", "asyncpg") + "/prefect",
    }
    server_env.pop("PREFECT_API_URL", None)
    server = subprocess.Popen(
        [str(PROOFS), "server", "--port", str(port)],
        env=server_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}/api"
    try:
        wait_until(
            lambda: urllib.request.urlopen(f"{url}/health", timeout=2).read() == b"true",
            120,
            "prefect server on PostgreSQL",
            server,
        )
        batch = small_batch(tmp_path / "inbox", files=2)
        env = {
            **os.environ,
            "PREFECT_API_URL": url,
            "PREFECT_HOME": str(tmp_path / "prefect-home"),
            "PROOFS_WORKERS": "2",
            "PROOFS_DATABASE_URL": f"{postgres}/proofs",
        }
        process = subprocess.run(
            [str(PROOFS), "run", str(batch), "--out", str(tmp_path / "out"), "--no-progress"],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
    finally:
        stop(server)
    assert process.returncode == 0, process.stdout + process.stderr
    assert "PostgreSQL" in server.stdout.read()
    result = json.loads((tmp_path / "out" / DAY / "A2026112600105" / "result.json").read_text())
    assert not (tmp_path / "out" / "proofs.sqlite3").exists(), "the store ignored the URL"
    store = create_engine(f"{postgres}/proofs")
    prefect_db = create_engine(f"{postgres}/prefect")
    try:
        with store.connect() as connection:
            rows = connection.execute(
                text("select batch, application_id, status, needs_review from applications")
            ).all()
            version = connection.execute(text("select version()")).scalar()
        with prefect_db.connect() as connection:
            runs = connection.execute(text("select name from flow_run")).scalars().all()
            tasks = connection.execute(text("select count(*) from task_run")).scalar()
    finally:
        store.dispose()
        prefect_db.dispose()
    assert "PostgreSQL" in version
    assert rows == [(DAY, "A2026112600105", result["status"], result["needs_review"])]
    assert runs == [f"batch {DAY}"] and tasks == 3  # two files read, one application finished
