"""Speed of `proofs run` against the plain `tesseract` command on the same pages.

    python -m bench.speed --apps 40 --seed 7 --lang en [--workers 2] [--reuse]
        [--running-server]

Both sides use the same parallelism (one single-threaded Tesseract per
worker). The baseline OCRs every page image of the batch (PDF pages rendered
at 300 DPI, TIFF frames split) with `tesseract PAGE - --psm 3`; the pipeline
may beat it by not OCR'ing text-layer PDFs and portraits. Prints both wall
times, their ratio, pages per minute and the peak memory (RSS summed over the
process tree, sampled every 50 ms) of the run.

Prefect's share: the same per-file and per-application work (``flows.work``)
is then run again as plain functions on a thread pool of the same size, in a
process that never imports Prefect, from an empty outbox; the share is
(proofs run - plain run) / proofs run. Without ``PREFECT_API_URL`` the run
pays for Prefect's temporary server; ``--running-server`` starts `proofs
server` first (as operators do) and runs against it, and the CPU the server spends
during the run is counted in the run's (it shares the machine). The peak memory is
broken down by process: batch process, Prefect server, OCR workers.

``--prefect-repeats N`` measures Prefect's cost again, more precisely: the share above
is the difference of two runs of about a minute whose CPU varies by ±5 % from one run
to the next, as much as the share itself. With the run's reading cache copied into a
fresh outbox, the flow and the plain functions do only the finishing work (the tasks,
their states and logs, the server, the imports are all there), so N alternating runs
of each side differ by Prefect's cost; it is printed with its spread and as a share of
the full run above. It is a lower bound: what grows with the run's length is missing
(over a minute the server writes the same task-run events in more, smaller batches,
and a running server's own services spend about 2 % of a core, idle or not).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import deque
from pathlib import Path

from bench.accuracy import ROOT, generate
from pipeline.cache import CACHE_DIR_NAME

PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


def export_pages(batch: Path, folder: Path) -> list[tuple[Path, str]]:
    """Every page of every readable upload as a PNG, with its Tesseract language."""
    from PIL import Image

    from pipeline.errors import ReadError
    from pipeline.ingest import discover_applications, load_application
    from pipeline.pages import PDF_POINTS_PER_INCH, load_pages
    from pipeline.settings import Settings

    settings = Settings()
    pages: list[tuple[Path, str]] = []
    for app_dir in discover_applications(batch):
        application = load_application(app_dir, settings)
        lang = "chi_sim+eng" if application.form and application.form.language == "zh" else "eng"
        for number, upload in enumerate(application.files):
            if upload.error is not None:
                continue
            try:
                for page in load_pages(upload.path, upload.format, settings):
                    image = page.image
                    if image is None:  # a text-layer page: the plain command must OCR it
                        image = _render_pdf_page(
                            upload.path, page.number - 1, page.dpi / PDF_POINTS_PER_INCH
                        )
                    target = folder / f"{app_dir.name}-{number}-{page.number}.png"
                    Image.fromarray(image).save(target, dpi=(page.dpi, page.dpi))
                    pages.append((target, lang))
            except ReadError:
                continue
    return pages


def _render_pdf_page(path: Path, index: int, scale: float):
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(path)
    try:
        return document[index].render(scale=scale).to_numpy()[:, :, :3][:, :, ::-1].copy()
    finally:
        document.close()


def baseline(pages: list[tuple[Path, str]], workers: int) -> float:
    """Wall time of plain `tesseract` over the pages, `workers` at a time."""
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    queue = list(pages)
    lock = threading.Lock()

    def worker() -> None:
        while True:
            with lock:
                if not queue:
                    return
                path, lang = queue.pop()
            subprocess.run(
                ["tesseract", str(path), "-", "--psm", "3", "-l", lang],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                check=False,
            )

    cpu = _children_cpu()
    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    CPU_SECONDS["baseline"] = _children_cpu() - cpu
    return time.perf_counter() - started


def _process_table() -> tuple[dict[int, list[int]], dict[int, tuple[int, float, str]]]:
    """Children of every process, and each one's (RSS bytes, CPU seconds of itself and its
    reaped children, command line), from /proc."""
    children: dict[int, list[int]] = {}
    facts: dict[int, tuple[int, float, str]] = {}
    ticks = os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            fields = stat[stat.rindex(")") + 2 :].split()
            children.setdefault(int(fields[1]), []).append(int(entry.name))
            rss = int((entry / "statm").read_text().split()[1]) * PAGE_SIZE
            cpu = sum(int(value) for value in fields[11:15]) / ticks  # utime stime cutime cstime
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            facts[int(entry.name)] = (rss, cpu, command)
        except (OSError, ValueError, IndexError):
            continue
    return children, facts


def _descendants(pid: int, children: dict[int, list[int]]) -> list[int]:
    found, stack = [], [pid]
    while stack:
        current = stack.pop()
        found.append(current)
        stack.extend(children.get(current, []))
    return found


def _role(pid: int, root: int, command: str) -> str:
    """Which part of a run a process is, for the memory breakdown."""
    if pid == root:
        return "batch process"
    if "uvicorn" in command or ("prefect" in command and "server" in command):
        return "Prefect server"
    if "ocr_worker" in command:
        return "OCR workers"
    return "other"


def tree_memory(pid: int) -> dict[str, int]:
    """Resident memory in bytes of a process and all its descendants, by role."""
    children, facts = _process_table()
    by_role: dict[str, int] = {}
    for current in _descendants(pid, children):
        if current in facts:
            rss, _, command = facts[current]
            role = _role(current, pid, command)
            by_role[role] = by_role.get(role, 0) + rss
    return by_role


def tree_rss(pid: int) -> int:
    """Resident memory in bytes of a process and all its descendants (from /proc)."""
    return sum(tree_memory(pid).values())


def tree_cpu(pid: int) -> float:
    """CPU seconds so far of a running process tree (e.g. a running Prefect server)."""
    children, facts = _process_table()
    return sum(facts[p][1] for p in _descendants(pid, children) if p in facts)


#: CPU seconds (user + system) of every finished child process, per measurement name:
#: on a machine shared with other work, CPU time is the steadier figure of the two.
CPU_SECONDS: dict[str, float] = {}
#: The memory of each process role at the peak of the tree, per measurement name.
PEAK_BY_ROLE: dict[str, dict[str, int]] = {}


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _watched(command: list[str], env: dict[str, str], name: str) -> tuple[float, int, int]:
    """(wall seconds, peak tree RSS in bytes, exit code) of a command; its CPU seconds
    (its own and its reaped children's) go to CPU_SECONDS[name]."""
    cpu = _children_cpu()
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
    peak = 0
    while process.poll() is None:
        by_role = tree_memory(process.pid)
        if sum(by_role.values()) > peak:
            peak, PEAK_BY_ROLE[name] = sum(by_role.values()), by_role
        time.sleep(0.05)
    seconds = time.perf_counter() - started
    CPU_SECONDS[name] = _children_cpu() - cpu
    return seconds, peak, process.returncode


def timed_run(
    batch: Path, out: Path, workers: int, api_url: str | None = None
) -> tuple[float, int, dict]:
    shutil.rmtree(out, ignore_errors=True)
    seconds, peak, code = _flow_run(batch, out, workers, api_url, "proofs")
    summary_path = out / batch.name / "summary.json"
    if code not in (0, 1) or not summary_path.is_file():  # 1: some application crashed
        raise SystemExit(f"proofs run failed with exit code {code}")
    return seconds, peak, json.loads(summary_path.read_text())


def timed_plain_run(batch: Path, out: Path, workers: int) -> tuple[float, int]:
    """The same work as plain functions, in a fresh process (see ``plain_run``)."""
    shutil.rmtree(out, ignore_errors=True)
    return _plain_run_into(batch, out, workers)


def _plain_run_into(batch: Path, out: Path, workers: int) -> tuple[float, int]:
    """(wall seconds, peak RSS) of ``plain_run`` in a fresh process, into ``out`` as it is."""
    command = [sys.executable, "-m", "bench.speed", "--plain-run", str(batch), str(out)]
    env = {**os.environ, "PROOFS_WORKERS": str(workers), "OMP_THREAD_LIMIT": "1"}
    seconds, peak, code = _watched([*command, "--workers", str(workers)], env, "plain")
    if code != 0:
        raise SystemExit(f"the plain run failed with exit code {code}")
    return seconds, peak


def plain_run(batch: Path, out: Path, workers: int) -> None:
    """What ``flows.batch.process_batch`` does, without Prefect: every file read and every
    application finished by the same functions its tasks call (``flows.work``), on a
    thread pool of ``workers``, then duplicates flagged. No dashboard, no task states."""
    from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait

    import weasyprint  # noqa: F401  (as flows.batch.warm_up)

    from flows.work import (
        READ_WINDOW_MIN,
        READ_WINDOW_PER_WORKER,
        finish_one_application,
        read_arguments,
        read_one_file,
        register_secrets,
    )
    from pipeline.application import input_fingerprint
    from pipeline.cache import CACHE_DIR_NAME
    from pipeline.duplicates import document_prints, flag_outbox, readings_text_of
    from pipeline.imaging import use_one_opencv_thread
    from pipeline.ingest import discover_applications, load_application
    from pipeline.ocr import persistent_engine_available, start_ocr_workers
    from pipeline.privacy import install_redaction
    from pipeline.reporting import compact_result
    from pipeline.settings import get_settings

    install_redaction()
    use_one_opencv_thread()  # as `proofs run`
    settings = get_settings()
    if persistent_engine_available(settings.tesseract_cmd):
        start_ocr_workers(workers)
    batch_out, cache_dir = out / batch.name, str(out / CACHE_DIR_NAME)
    applications = [load_application(f, settings) for f in discover_applications(batch)]
    results, prints, left, readings, finishing = [], [], {}, {}, {}
    reads = deque()
    for index, application in enumerate(applications):
        register_secrets(application)
        readings[index], left[index] = {}, 0
        for number, upload in enumerate(application.files, start=1):
            if upload.error is None:
                reads.append((index, number, upload))
                left[index] += 1
    window = max(READ_WINDOW_MIN, READ_WINDOW_PER_WORKER * workers)  # as the flow
    with ThreadPoolExecutor(max_workers=workers) as pool:
        pending = {}

        def submit_reads() -> None:
            while reads and sum(kind == "read" for kind, _, _ in pending.values()) < window:
                index, number, upload = reads.popleft()
                future = pool.submit(
                    read_one_file, *read_arguments(applications[index], number, upload, cache_dir)
                )
                pending[future] = ("read", index, upload.relative)

        def finish(index: int) -> None:
            application = applications[index]
            finishing[index] = readings.pop(index)
            future = pool.submit(
                finish_one_application,
                application.application_id,
                application,
                finishing[index],
                str(batch_out / application.folder.name),
                input_fingerprint(application),
            )
            pending[future] = ("finish", index, "")

        for index in [i for i, count in left.items() if count == 0]:
            finish(index)
        while pending or reads:
            submit_reads()
            done, _ = wait(list(pending), return_when=FIRST_COMPLETED)
            for future in done:
                kind, index, relative = pending.pop(future)
                try:
                    value = future.result()
                except Exception:  # as the flow: a crashed application is reported, not fatal
                    value = None
                if kind == "finish":  # as the flow: keep a compact result and prints
                    finished = finishing.pop(index)
                    if value is not None:
                        prints += document_prints(value, readings_text_of(finished))
                        results.append(compact_result(value))
                    continue
                if value is not None:
                    readings[index][relative] = value[0]
                left[index] -= 1
                if left[index] == 0:
                    finish(index)
    by_id = {a.application_id: a for a in applications}
    flag_outbox(results, prints, {key: batch_out / a.folder.name for key, a in by_id.items()})


def prefect_cost(
    batch: Path,
    cache: Path,
    work: Path,
    workers: int,
    repeats: int,
    api_url: str | None,
    server_pid: int | None,
) -> tuple[list[float], list[float]]:
    """Prefect's (wall, CPU) seconds per repetition: a flow run minus a plain run over
    the same batch, both with every reading in the cache (copied from ``cache``),
    alternating so that a change in the machine's load hits both sides alike. A running
    server's CPU during each flow run is counted in the run's."""
    walls: list[float] = []
    cpus: list[float] = []
    for repetition in range(repeats):
        out = work / f"prefect-cost-{repetition}"
        seeded = {"flow": out / "flow", "plain": out / "plain"}
        for folder in seeded.values():
            shutil.rmtree(folder, ignore_errors=True)
            shutil.copytree(cache, folder / cache.name)
        before = tree_cpu(server_pid) if server_pid is not None else 0.0
        flow_seconds, _, code = _flow_run(batch, seeded["flow"], workers, api_url, "cached flow")
        if code not in (0, 1):  # 1: some application crashed
            raise SystemExit(f"proofs run failed with exit code {code}")
        if server_pid is not None:
            time.sleep(2)  # the server records the last task runs after the flow returns
            CPU_SECONDS["cached flow"] += tree_cpu(server_pid) - before
        plain_seconds, _ = _plain_run_into(batch, seeded["plain"], workers)
        walls.append(flow_seconds - plain_seconds)
        cpus.append(CPU_SECONDS["cached flow"] - CPU_SECONDS["plain"])
        shutil.rmtree(out, ignore_errors=True)
    return walls, cpus


def _flow_run(
    batch: Path, out: Path, workers: int, api_url: str | None, name: str
) -> tuple[float, int, int]:
    """``_watched`` `proofs run` into ``out`` as it is, on ``api_url`` or its temporary
    server; its CPU goes to CPU_SECONDS[name]."""
    proofs = Path(sys.executable).parent / "proofs"
    env = {**os.environ, "PROOFS_WORKERS": str(workers)}
    if api_url:
        env["PREFECT_API_URL"] = api_url
    else:
        env.pop("PREFECT_API_URL", None)
    command = [str(proofs), "run", str(batch), "--out", str(out), "--no-progress"]
    return _watched(command, env, name)


def _spread(values: list[float]) -> str:
    """Median and range of a few measurements."""
    ordered = sorted(values)
    return f"{statistics.median(ordered):.2f} s (range {ordered[0]:.2f} to {ordered[-1]:.2f})"


def running_server(port: int = 4299):
    """Start `proofs server` on ``port`` and return (process, api_url) once it answers."""
    import httpx

    proofs = Path(sys.executable).parent / "proofs"
    process = subprocess.Popen(
        [str(proofs), "server", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    api_url = f"http://127.0.0.1:{port}/api"
    for _ in range(600):
        try:
            if httpx.get(f"{api_url}/health", timeout=1).status_code == 200:
                return process, api_url
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    process.kill()
    raise SystemExit("proofs server did not come up")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--apps", type=int, default=40)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--lang", default="en", choices=["en", "zh", "mixed"])
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--work", type=Path, default=ROOT / "bench" / "out")
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--running-server", action="store_true", help="run against `proofs server`")
    parser.add_argument("--skip-baseline", action="store_true", help="no plain tesseract run")
    parser.add_argument("--skip-plain", action="store_true", help="no plain-function run")
    parser.add_argument("--plain-run", nargs=2, type=Path, metavar=("BATCH", "OUT"))
    parser.add_argument(
        "--prefect-repeats",
        type=int,
        default=0,
        metavar="N",
        help="measure Prefect's cost N times more on cached readings (see above)",
    )
    args = parser.parse_args(argv)
    if args.plain_run:
        plain_run(*args.plain_run, args.workers)
        return 0
    batch = generate(args.apps, args.seed, args.lang, args.work, args.reuse)
    plain = None
    if not args.skip_baseline:  # (exporting a 1,000-file batch's pages takes minutes)
        with tempfile.TemporaryDirectory() as folder:
            pages = export_pages(batch, Path(folder))
            plain = baseline(pages, args.workers)
    server, api_url = running_server() if args.running_server else (None, None)
    server_cpu = 0.0
    try:
        before = tree_cpu(server.pid) if server is not None else 0.0
        run_seconds, peak, summary = timed_run(
            batch, args.work / "speed-out", args.workers, api_url
        )
        if server is not None:
            time.sleep(2)  # the server records the last task runs after the flow returns
            server_cpu = tree_cpu(server.pid) - before
        cost = prefect_cost(
            batch,
            args.work / "speed-out" / CACHE_DIR_NAME,
            args.work,
            args.workers,
            args.prefect_repeats,
            api_url,
            server.pid if server is not None else None,
        )
    finally:
        if server is not None:
            server.terminate()
            server.wait()
    # a running server shares the machine: the CPU it spent on this run is the run's
    CPU_SECONDS["proofs"] += server_cpu
    files = summary["files_read"] + summary["files_failed"]
    page_count = len(pages) if plain is not None else summary["pages"]
    print(
        f"batch: {summary['applications']} applications, {files} files, "
        f"{page_count} pages; workers: {args.workers}; load average "
        f"{os.getloadavg()[0]:.1f}"
    )
    print(f"Prefect server: {'running (' + api_url + ')' if api_url else 'temporary'}")
    if server is not None:
        print(f"running server's CPU during the run (counted in the run's CPU): {server_cpu:.1f} s")
    if plain is not None:
        print(
            f"plain tesseract: {plain:8.1f} s  ({page_count / plain * 60:.1f} pages/min), "
            f"CPU {CPU_SECONDS['baseline']:.1f} s"
        )
    print(
        f"proofs run:      {run_seconds:8.1f} s  ({page_count / run_seconds * 60:.1f} pages/min), "
        f"CPU {CPU_SECONDS['proofs']:.1f} s"
    )
    if plain is not None:
        print(
            f"ratio proofs/plain: {run_seconds / plain:.2f} wall, "
            f"{CPU_SECONDS['proofs'] / CPU_SECONDS['baseline']:.2f} CPU"
        )
    roles = ", ".join(
        f"{role} {size / 2**20:.0f}" for role, size in sorted(PEAK_BY_ROLE["proofs"].items())
    )
    print(f"peak memory of the run (process tree RSS): {peak / 2**20:.0f} MiB ({roles})")
    if not args.skip_plain:
        work_seconds, work_peak = timed_plain_run(batch, args.work / "plain-out", args.workers)
        share = (run_seconds - work_seconds) / run_seconds
        cpu_share = (CPU_SECONDS["proofs"] - CPU_SECONDS["plain"]) / CPU_SECONDS["proofs"]
        print(
            f"same work as plain functions: {work_seconds:8.1f} s, CPU "
            f"{CPU_SECONDS['plain']:.1f} s (peak {work_peak / 2**20:.0f} MiB); "
            f"Prefect's share of the run: {share:.1%} wall, {cpu_share:.1%} CPU"
        )
    walls, cpus = cost
    if walls:
        print(
            f"Prefect's cost on cached readings (a lower bound), {len(walls)} runs of each side: "
            f"wall {_spread(walls)}, CPU {_spread(cpus)}; share of the run: "
            f"{statistics.median(walls) / run_seconds:.1%} wall, "
            f"{statistics.median(cpus) / CPU_SECONDS['proofs']:.1%} CPU"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
