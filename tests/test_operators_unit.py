"""Operators' pieces that need no server: the day a run is for, runner choice,
command-line checks, the per-file time budget."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from conftest import image_bytes, text_image

from pipeline.settings import Settings


def test_day_folder_comes_from_the_scheduled_date_in_the_schedules_zone():
    from flows.deploy import batch_day

    scheduled = datetime(2026, 11, 26, 18, 0, tzinfo=UTC)  # 02:00 on the 27th in Shanghai
    assert batch_day(scheduled) == "2026-11-26"
    assert batch_day(scheduled, "Asia/Shanghai") == "2026-11-27"
    assert batch_day(scheduled, "Asia/Shanghai", days_back=1) == "2026-11-26"


def test_task_runner_choice():
    from prefect.task_runners import ThreadPoolTaskRunner
    from prefect_dask import DaskTaskRunner

    from flows.runners import make_task_runner

    threads = make_task_runner("thread", 3)
    assert isinstance(threads, ThreadPoolTaskRunner) and threads._max_workers == 3
    assert isinstance(make_task_runner("dask", 2, "tcp://127.0.0.1:8786"), DaskTaskRunner)
    with pytest.raises(ValueError, match="address"):
        make_task_runner("dask", 2)
    with pytest.raises(ValueError, match="unknown"):
        make_task_runner("ray", 2)


def test_cli_refuses_dask_without_an_address(tmp_path, capsys):
    from pipeline.cli import EXIT_USAGE, main

    assert (
        main(["run", str(tmp_path), "--out", str(tmp_path / "out"), "--task-runner", "dask"])
        == EXIT_USAGE
    )
    assert "--dask-address" in capsys.readouterr().err


def test_serve_needs_a_running_server(tmp_path):
    env = {**os.environ, "PREFECT_HOME": str(tmp_path / "home")}  # no profile with a URL
    env.pop("PREFECT_API_URL", None)
    process = subprocess.run(
        [
            str(Path(sys.executable).parent / "proofs"),
            "serve",
            "--inbox",
            str(tmp_path),
            "--out",
            str(tmp_path / "out"),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert process.returncode == 2
    assert "proofs server" in process.stderr and "PREFECT_API_URL" in process.stderr


class _Budgeted(Settings):
    file_timeout_seconds: float = 1e-9


def test_a_file_over_its_time_budget_is_reported_not_read_forever(tmp_path: Path):
    from pipeline.reading import read_upload

    scan = tmp_path / "scan.png"
    scan.write_bytes(image_bytes(text_image(["TENANCY AGREEMENT", "Landlord: someone"]), "PNG"))
    reading = read_upload(scan, "png", "0" * 64, "en", _Budgeted())
    assert reading.error_code == "ocr_timeout"
    assert reading.ocr_calls == 0 and not reading.transient
