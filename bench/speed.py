"""Speed of `proofs run` against the plain `tesseract` command on the same pages.

    python -m bench.speed --apps 40 --seed 7 --lang en [--workers 2] [--reuse]

Both sides use the same parallelism (one single-threaded Tesseract per
worker). The baseline OCRs every page image of the batch (PDF pages rendered
at 300 DPI, TIFF frames split) with `tesseract PAGE - --psm 3`; the pipeline
may beat it by not OCR'ing text-layer PDFs and portraits. Prints both wall
times, their ratio, pages per minute and the peak memory (RSS summed over the
process tree, sampled every 50 ms) of the run.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench.accuracy import ROOT, generate

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

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started


def tree_rss(pid: int) -> int:
    """Resident memory in bytes of a process and all its descendants (from /proc)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            fields = stat[stat.rindex(")") + 2 :].split()
            children.setdefault(int(fields[1]), []).append(int(entry.name))
            rss[int(entry.name)] = int((entry / "statm").read_text().split()[1]) * PAGE_SIZE
        except (OSError, ValueError, IndexError):
            continue
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        total += rss.get(current, 0)
        stack.extend(children.get(current, []))
    return total


def timed_run(batch: Path, out: Path, workers: int) -> tuple[float, int, dict]:
    shutil.rmtree(out, ignore_errors=True)
    proofs = Path(sys.executable).parent / "proofs"
    env = {**os.environ, "PROOFS_WORKERS": str(workers)}
    started = time.perf_counter()
    process = subprocess.Popen(
        [str(proofs), "run", str(batch), "--out", str(out), "--no-progress"],
        env=env,
        stdout=subprocess.DEVNULL,
    )
    peak = 0
    while process.poll() is None:
        peak = max(peak, tree_rss(process.pid))
        time.sleep(0.05)
    seconds = time.perf_counter() - started
    if process.returncode != 0:
        raise SystemExit(f"proofs run failed with exit code {process.returncode}")
    summary = json.loads((out / batch.name / "summary.json").read_text())
    return seconds, peak, summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--apps", type=int, default=40)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--lang", default="en", choices=["en", "zh", "mixed"])
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--work", type=Path, default=ROOT / "bench" / "out")
    parser.add_argument("--reuse", action="store_true")
    args = parser.parse_args(argv)
    batch = generate(args.apps, args.seed, args.lang, args.work, args.reuse)
    with tempfile.TemporaryDirectory() as folder:
        pages = export_pages(batch, Path(folder))
        plain = baseline(pages, args.workers)
    run_seconds, peak, summary = timed_run(batch, args.work / "speed-out", args.workers)
    files = summary["files_read"] + summary["files_failed"]
    print(
        f"batch: {summary['applications']} applications, {files} files, "
        f"{len(pages)} page images; workers: {args.workers}"
    )
    print(f"plain tesseract: {plain:8.1f} s  ({len(pages) / plain * 60:.1f} pages/min)")
    print(f"proofs run:      {run_seconds:8.1f} s  ({len(pages) / run_seconds * 60:.1f} pages/min)")
    print(f"ratio proofs/plain: {run_seconds / plain:.2f}")
    print(f"peak memory of the run (process tree RSS): {peak / 2**20:.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
