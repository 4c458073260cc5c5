"""The ``proofs`` command.

    proofs run INBOX/BATCH --out OUTBOX     process one day's uploads (Prefect flow)
        [--task-runner dask --dask-address tcp://HOST:PORT]   on an existing Dask cluster
    proofs server [--host H --port P]       Prefect's server and dashboard (SQLite or PostgreSQL)
    proofs serve --inbox INBOX --out OUTBOX --cron "0 2 * * *"   the daily deployment
    proofs schema [form|result|summary]     print the contract's JSON Schema
    proofs review --out OUTBOX [--host H --port P]   the clerks' review web app
    proofs users add NAME --out OUTBOX [--password-stdin]   create a clerk

Exit codes: 0 when every application was processed (unreadable files
included), 1 when the run could not finish, 2 for a wrong command line.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import json
import os
import signal
import sys
from pathlib import Path

EXIT_OK, EXIT_RUN_FAILED, EXIT_USAGE = 0, 1, 2
#: The shell's convention for a command stopped by Ctrl-C (128 + SIGINT).
EXIT_INTERRUPTED = 130

#: Set before Prefect is imported: no telemetry, room for a slow first server start,
#: one thread per Tesseract (we run one page per core instead).
_ENVIRONMENT_DEFAULTS = {
    "DO_NOT_TRACK": "1",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "90",
    "OMP_THREAD_LIMIT": "1",
    # glibc: few arenas, so that memory does not creep up over a long batch (freed page
    # images are handed back after each file: pipeline/memory.py); reaches the children
    "MALLOC_ARENA_MAX": "2",
}


def console() -> None:
    """The ``proofs`` command. After a batch run, the process ends without tearing the
    interpreter down: the atexit handlers (the temporary server, the OCR workers, Prefect's
    log and event workers) run and the output is flushed, but freeing every module of
    Prefect, WeasyPrint and OpenCV one object at a time took 0.7-2.2 s (measured) and
    wrote nothing: every file of the run is already closed and in place."""
    code = main()
    if len(sys.argv) > 1 and sys.argv[1] == "run":
        _hold_pdf_library()
        atexit._run_exitfuncs()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)


def _hold_pdf_library() -> None:
    """Take PDFium's lock for good before the exit handlers run: pypdfium2's unloads the
    library, and after Ctrl-C a read still runs in another thread for a moment (the
    read-ahead's, or a task's). A PDF page opened after the unload crashed the process
    (SIGSEGV and SIGABRT, seen in the Ctrl-C tests); now such a read waits for os._exit."""
    pages = sys.modules.get("pipeline.pages")
    if pages is not None:
        pages.PDFIUM_LOCK.acquire(timeout=30)


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    try:
        return args.handler(args)
    except KeyboardInterrupt:  # Ctrl-C: a line, not a traceback through Prefect's engine
        print(f"proofs {args.command}: interrupted.", file=sys.stderr)
        if args.command == "run":
            read_ahead = sys.modules.get("flows.read_ahead")
            if read_ahead is not None:
                read_ahead.READ_AHEAD.stop()
            print(
                "Files already read and applications already written are kept: run the same "
                "command again to finish the batch.",
                file=sys.stderr,
            )
        return EXIT_INTERRUPTED


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="proofs", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command")

    run = commands.add_parser("run", help="process one batch folder")
    run.add_argument("batch", type=Path, help="INBOX/BATCH: one folder per application inside")
    run.add_argument("--out", type=Path, required=True, help="OUTBOX: results go to OUTBOX/BATCH")
    run.add_argument("--workers", type=int, default=None, help="parallel files (default: cores)")
    run.add_argument("--no-progress", action="store_true", help="no progress bar")
    _add_runner_arguments(run)
    run.set_defaults(handler=_run)

    server = commands.add_parser(
        "server", help="start Prefect's server and dashboard (needed by `proofs serve`)"
    )
    server.add_argument("--host", default="127.0.0.1", help="address to listen on")
    server.add_argument("--port", type=int, default=4200, help="port to listen on")
    server.set_defaults(handler=_server)

    serve = commands.add_parser(
        "serve", help="serve the daily deployment: process INBOX/<date> on a schedule"
    )
    serve.add_argument("--inbox", type=Path, required=True, help="INBOX: one folder per day")
    serve.add_argument("--out", type=Path, required=True, help="OUTBOX")
    serve.add_argument("--cron", default="0 2 * * *", help='schedule (default "0 2 * * *")')
    serve.add_argument("--timezone", default="UTC", help="of the schedule and the day (IANA)")
    serve.add_argument(
        "--days-back", type=int, default=0, help="process the folder this many days before"
    )
    serve.add_argument("--workers", type=int, default=None, help="parallel files (default: cores)")
    serve.add_argument(
        "--ocr-limit", type=int, default=None, help="files in OCR at once, across all machines"
    )
    _add_runner_arguments(serve)
    serve.set_defaults(handler=_serve)

    schema = commands.add_parser("schema", help="print the JSON Schema of the contract's files")
    schema.add_argument("name", nargs="?", choices=["application_form", "result", "summary"])
    schema.set_defaults(handler=_schema)

    review = commands.add_parser("review", help="start the clerks' review web app")
    review.add_argument("--out", type=Path, required=True, help="OUTBOX (and its default store)")
    review.add_argument("--host", default="127.0.0.1", help="address to listen on")
    review.add_argument("--port", type=int, default=8000, help="port to listen on")
    review.set_defaults(handler=_review)

    users = commands.add_parser("users", help="manage the clerks who can log in")
    users_commands = users.add_subparsers(dest="users_command", required=True)
    add_user = users_commands.add_parser("add", help="create a clerk (or set a new password)")
    add_user.add_argument("name", help="the clerk's login name")
    add_user.add_argument("--out", type=Path, help="OUTBOX whose store to use (default store)")
    add_user.add_argument("--password-stdin", action="store_true", help="read it from stdin")
    add_user.set_defaults(handler=_users_add)
    return parser


def _add_runner_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--task-runner",
        choices=["thread", "dask"],
        default="thread",
        help="thread (default): this machine; dask: an existing Dask cluster",
    )
    parser.add_argument("--dask-address", default=None, help="Dask scheduler, tcp://HOST:PORT")


def _runner_arguments_ok(args: argparse.Namespace) -> bool:
    if args.task_runner == "dask" and not args.dask_address:
        print("proofs: --task-runner dask needs --dask-address tcp://HOST:PORT", file=sys.stderr)
        return False
    return True


def _server(args: argparse.Namespace) -> int:
    """Run `prefect server start` in this process's place, with our defaults."""
    from flows.temporary_server import SERVER_ENVIRONMENT_DEFAULTS

    for key, value in {**_ENVIRONMENT_DEFAULTS, **SERVER_ENVIRONMENT_DEFAULTS}.items():
        os.environ.setdefault(key, value)
    database = os.environ.get("PREFECT_API_DATABASE_CONNECTION_URL", "")
    if database.startswith("postgresql"):
        where = "PostgreSQL (PREFECT_API_DATABASE_CONNECTION_URL)"
    else:
        home = os.environ.get("PREFECT_HOME", "~/.prefect")
        where = f"SQLite ({home}/prefect.db)"
    url = f"http://{args.host}:{args.port}"
    print(f"Prefect server: dashboard {url}, database {where}")
    print(f"for `proofs serve` and `proofs run`: export PREFECT_API_URL={url}/api", flush=True)
    command = [
        sys.executable,
        "-m",
        "prefect",
        "server",
        "start",
        "--host",
        args.host,
        "--port",
        str(args.port),
    ]
    os.execv(sys.executable, command)
    return EXIT_RUN_FAILED  # not reached


def _serve(args: argparse.Namespace) -> int:
    if not args.inbox.is_dir():
        print(f"proofs: inbox not found: {args.inbox}", file=sys.stderr)
        return EXIT_USAGE
    if not _runner_arguments_ok(args):
        return EXIT_USAGE
    for key, value in _ENVIRONMENT_DEFAULTS.items():
        os.environ.setdefault(key, value)
    from prefect.settings import get_current_settings

    api_url = get_current_settings().api.url
    if not api_url:
        print(
            "proofs: `proofs serve` needs a running Prefect server: start `proofs server` and "
            "export PREFECT_API_URL=http://127.0.0.1:4200/api",
            file=sys.stderr,
        )
        return EXIT_USAGE
    from prefect.client.orchestration import get_client

    with get_client(sync_client=True) as client:
        problem = client.api_healthcheck()
    if problem is not None:
        print(f"proofs: the Prefect server at {api_url} does not answer", file=sys.stderr)
        return EXIT_RUN_FAILED
    args.out.mkdir(parents=True, exist_ok=True)
    from flows.deploy import serve_daily

    print(f"serving the daily deployment on {api_url} (cron {args.cron!r}, {args.timezone})")
    serve_daily(
        args.inbox,
        args.out,
        args.cron,
        timezone=args.timezone,
        days_back=args.days_back,
        workers=args.workers,
        task_runner=args.task_runner,
        dask_address=args.dask_address,
        ocr_limit=args.ocr_limit,
    )
    return EXIT_OK


def _review(args: argparse.Namespace) -> int:
    if not args.out.is_dir():
        print(f"proofs: outbox not found: {args.out}", file=sys.stderr)
        return EXIT_USAGE
    from review.app import serve

    serve(args.out, host=args.host, port=args.port)
    return EXIT_OK


def _users_add(args: argparse.Namespace) -> int:
    import getpass

    from pipeline.store import add_user, open_store

    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass(f"password for {args.name}: ")
        if getpass.getpass("again: ") != password:
            print("proofs: the passwords differ", file=sys.stderr)
            return EXIT_USAGE
    try:
        add_user(open_store(None, args.out), args.name, password)
    except ValueError as error:
        print(f"proofs: {error}", file=sys.stderr)
        return EXIT_USAGE
    print(f"clerk {args.name.strip()} can log in")
    return EXIT_OK


def _schema(args: argparse.Namespace) -> int:
    from pipeline.models import SCHEMA_MODELS

    names = [args.name] if args.name else list(SCHEMA_MODELS)
    schemas = {name: SCHEMA_MODELS[name].model_json_schema() for name in names}
    print(json.dumps(schemas[args.name] if args.name else schemas, indent=2, ensure_ascii=False))
    return EXIT_OK


@contextlib.contextmanager
def _ctrl_c_after_imports():
    """Hold Ctrl-C back while Prefect, WeasyPrint and OpenCV are imported, and act on it
    when they are: raised inside pydantic's compiled code during Prefect's import, it came
    out as a serialisation error, with a traceback and exit code 1 (seen in a test)."""
    pressed: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda number, frame: pressed.append(number))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if pressed:
        raise KeyboardInterrupt


def _run(args: argparse.Namespace) -> int:
    batch: Path = args.batch
    if not batch.is_dir():
        print(f"proofs: batch folder not found: {batch}", file=sys.stderr)
        return EXIT_USAGE
    if not _runner_arguments_ok(args):
        return EXIT_USAGE
    show = not args.no_progress and sys.stderr.isatty()
    for key, value in _ENVIRONMENT_DEFAULTS.items():
        os.environ.setdefault(key, value)
    if show:  # the bar tells progress; the console shows only problems, the dashboard all
        os.environ.setdefault("PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL", "WARNING")
    from pipeline.memory import limit_arenas

    limit_arenas()
    with _ctrl_c_after_imports():
        from flows.temporary_server import ServerDidNotStart, start_early

        server = start_early()  # before Prefect is imported: it reads PREFECT_API_URL once
        from pipeline.imaging import use_one_opencv_thread

        use_one_opencv_thread()  # pages are read in parallel already: no OpenCV thread pool
        if args.task_runner == "thread":  # OCR while Prefect is imported and the server starts
            from flows.read_ahead import READ_AHEAD

            READ_AHEAD.start(batch, args.out, args.workers)

        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

        from flows.batch import run_batch, warm_up

        warm_up(args.workers)
    if server is not None:
        try:
            server.wait_until_ready()
        except ServerDidNotStart as error:
            print(f"proofs: {error}", file=sys.stderr)
            return EXIT_RUN_FAILED

    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        disable=not show,
        transient=False,
    ) as bar:
        files = bar.add_task(f"batch {batch.name}", total=None)
        try:
            summary = run_batch(
                batch,
                args.out,
                workers=args.workers,
                task_runner=args.task_runner,
                dask_address=args.dask_address,
                progress=lambda done, total: bar.update(files, completed=done, total=total),
            )
        except Exception as error:  # the run itself failed: say so, exit non-zero
            print(f"proofs: the batch run failed: {type(error).__name__}", file=sys.stderr)
            return EXIT_RUN_FAILED
    if server is not None:  # it stops at exit, as soon as it has recorded the run's tasks
        from flows.batch import SUBMITTED_RUNS

        for run in SUBMITTED_RUNS[-1:]:
            server.expect_task_runs(run.flow_run_id, run.task_runs)
    counts = ", ".join(f"{count} {status.value}" for status, count in summary.by_status.items())
    where = (args.out / batch.name).resolve()
    print(
        f"{summary.applications} applications ({counts}); {summary.files_read} files read, "
        f"{summary.files_failed} failed, {summary.files_from_cache} reused; "
        f"{summary.timings.get('total_seconds', 0):.1f} s"
    )
    print(f"results and notices: {where}")
    if summary.status != "complete":
        print(
            f"proofs: {len(summary.crashed_applications)} applications could not be checked",
            file=sys.stderr,
        )
        return EXIT_RUN_FAILED
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
