"""CPU per page of the reading work outside OCR, stage by stage, with OCR stubbed.

    python -m bench.pages BATCH [BATCH ...] --readings CACHE_DIR [--save FILE] [--compare FILE]
        [--repeat N] [--profile]

Reads every upload of the batches as the batch process does (``read_upload`` with a
preview folder), but ``ocr_page`` returns the words a real run read for that page (the
reading cache ``CACHE_DIR`` of such a run, e.g. ``bench/out/cache`` or ``WORK/cache`` of
``bench.accuracy --direct``), so that the decisions taken after OCR (the full photo
checks of a page read to few words) are the real ones, and OCR itself costs nothing.
Prints CPU milliseconds per page (``time.process_time``: every thread of the process,
OpenCV's included; the machine is shared, so wall time says little) for each stage:
page loading, grey copy, capture quality, portrait gate, full photo checks,
``prepare_for_ocr``, preview, and the rest of ``read_page``.

``--save FILE`` writes a fingerprint of what every page gave (its checks, imaging steps,
DPI, a hash of the prepared image and of the preview); ``--compare FILE`` checks the
run against one saved before a change and lists every page that differs: what is read
cannot change when the images handed to OCR and the measurements are identical.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

STAGES = ("load", "gray", "quality", "gate", "photo_full", "prepare", "preview", "other")
#: With ``--detail``, these functions are timed on their own too (their time is then not
#: counted in the stage that calls them).
DETAIL_IMAGING = (
    "_grey_statistics",
    "_at_sharpness_dpi",
    "_sharpness",
    "smudged_share",
    "_edge_text_components",
    "_analysis_copy",
    "drop_seal_ink",
    "noise_level",
    "find_page_outline",
    "flatten_page",
    "measure_skew",
    "rotate_small_angle",
    "_background",
    "flatten_illumination",
    "needs_contrast",
    "stretch_contrast",
    "_light_overprint_mask",
    "_drop_light_overprint",
    "ruled_lines_mask",
    "remove_rules",
    "enlarge_small_text",
)
DETAIL_PHOTO = ("detect_faces", "count_text_blobs", "_sharpness")


class Timer:
    """Per-stage CPU and wall seconds; nested stages are subtracted from their parents."""

    def __init__(self) -> None:
        self.cpu: dict[str, float] = defaultdict(float)
        self.wall: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)
        self._stack: list[list[float]] = []

    def wrap(self, stage: str, function):
        def timed(*args, **kwargs):
            self._stack.append([0.0, 0.0])
            cpu, wall = time.process_time(), time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                spent_cpu = time.process_time() - cpu
                spent_wall = time.perf_counter() - wall
                inner_cpu, inner_wall = self._stack.pop()
                self.cpu[stage] += spent_cpu - inner_cpu
                self.wall[stage] += spent_wall - inner_wall
                self.calls[stage] += 1
                if self._stack:
                    self._stack[-1][0] += spent_cpu
                    self._stack[-1][1] += spent_wall

        return timed

    def wrap_iterator(self, stage: str, function):
        def timed(*args, **kwargs):
            iterator = iter(function(*args, **kwargs))
            while True:
                try:
                    item = self.wrap(stage, next)(iterator)
                except StopIteration:
                    return
                yield item

        return timed


def _uploads(batches: list[Path]):
    from pipeline.ingest import discover_applications, load_application
    from pipeline.settings import get_settings

    settings = get_settings()
    for batch in batches:
        for folder in discover_applications(batch):
            application = load_application(folder, settings)
            for upload in application.files:
                if upload.error is None:
                    label = f"{batch.parent.name}/{folder.name}/{upload.relative}"
                    yield label, upload, application.language


def _fingerprint(page, prepared, preview: Path | None) -> dict:
    entry = {
        "source": page.source,
        "dpi": page.dpi,
        "size": [page.width, page.height],
        "checks": {k: v for k, v in sorted(page.checks.items())},
    }
    if prepared is not None:
        image = prepared[0].image
        entry["prepared"] = [list(image.shape), hashlib.md5(image.tobytes()).hexdigest()]
        entry["prepared_dpi"] = prepared[1]
    if preview is not None and preview.is_file():
        entry["preview"] = hashlib.md5(preview.read_bytes()).hexdigest()
    return entry


def run(
    batches: list[Path], readings: Path, repeat: int, detail: bool = False
) -> tuple[Timer, dict, int, int]:
    """Read every upload ``repeat`` times; returns the timer, fingerprints, pages, OCR misses."""
    import extractors.photo as photo
    from pipeline import reading as reading_module
    from pipeline.cache import ReadingCache
    from pipeline.reading import cache_key, read_upload
    from pipeline.settings import get_settings

    settings = get_settings()
    cache = ReadingCache(readings)
    timer = Timer()
    state: dict = {}
    misses = [0]

    def stub_ocr(image, *, number, dpi, **_kwargs):
        from pipeline.text import PageText

        cached = state["reading"]
        for page in cached.pages if cached is not None else []:
            if page.number == number and page.source == "ocr":
                copy = page.model_copy(deep=True)
                copy.checks = {}
                copy.image = None
                return copy
        misses[0] += 1
        height, width = image.shape[:2]
        return PageText(number=number, width=width, height=height, dpi=dpi, source="ocr")

    original_measure = photo.measure_photo

    def measure(image, *args, quick: bool = False, **kwargs):
        stage = "gate" if quick else "photo_full"
        return timer.wrap(stage, original_measure)(image, *args, quick=quick, **kwargs)

    def prepare(*args, **kwargs):
        result = timer.wrap("prepare", original_prepare)(*args, **kwargs)
        state["prepared"].append(result)
        return result

    original_prepare = reading_module.prepare_for_ocr
    patches = {
        (reading_module, "ocr_page"): stub_ocr,
        (reading_module, "load_pages"): timer.wrap_iterator("load", reading_module.load_pages),
        (reading_module, "to_gray"): timer.wrap("gray", reading_module.to_gray),
        (reading_module, "capture_quality"): timer.wrap("quality", reading_module.capture_quality),
        (reading_module, "prepare_for_ocr"): prepare,
        (reading_module, "save_preview"): timer.wrap("preview", reading_module.save_preview),
        (reading_module, "read_page"): timer.wrap("other", reading_module.read_page),
        (photo, "measure_photo"): measure,
    }
    if detail:
        from pipeline import imaging

        for module, names in ((imaging, DETAIL_IMAGING), (photo, DETAIL_PHOTO)):
            for name in names:
                label = f"  {module.__name__.rsplit('.', 1)[-1]}.{name}"
                patches[(module, name)] = timer.wrap(label, getattr(module, name))
    saved = {key: getattr(*key) for key in patches}
    for (module, name), replacement in patches.items():
        setattr(module, name, replacement)
    fingerprints: dict = {}
    pages = 0
    try:
        jobs = list(_uploads(batches))
        with tempfile.TemporaryDirectory() as temporary:
            for round_number in range(repeat):
                for label, upload, language in jobs:
                    state["reading"] = cache.get(cache_key(upload.sha256, language))
                    state["prepared"] = []
                    preview_dir = Path(temporary) / f"{round_number}-{upload.sha256}"
                    result = timer.wrap("other", read_upload)(
                        upload.path, upload.format, upload.sha256, language, settings, preview_dir
                    )
                    pages += len(result.pages)
                    if round_number:
                        continue
                    prepared = iter(state["prepared"])
                    for page in result.pages:
                        made = next(prepared) if page.source == "ocr" else None
                        preview = preview_dir / page.image if page.image else None
                        fingerprints[f"{label}#{page.number}"] = _fingerprint(page, made, preview)
                    if result.error:
                        fingerprints[f"{label}#error"] = {"error": result.error}
    finally:
        for (module, name), original in saved.items():
            setattr(module, name, original)
    return timer, fingerprints, pages, misses[0]


def compare(before: dict, after: dict) -> list[str]:
    """Every page whose fingerprint differs, with the keys that differ."""
    differences = []
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key), after.get(key)
        if old == new:
            continue
        if old is None or new is None:
            differences.append(f"{key}: only {'after' if old is None else 'before'}")
            continue
        changed = [k for k in sorted(set(old) | set(new)) if old.get(k) != new.get(k)]
        detail = []
        for k in changed:
            if k == "checks":
                a, b = old.get(k, {}), new.get(k, {})
                detail += [
                    f"{c}: {a.get(c)!r} -> {b.get(c)!r}"
                    for c in sorted(set(a) | set(b))
                    if a.get(c) != b.get(c)
                ]
            else:
                detail.append(k)
        differences.append(f"{key}: {'; '.join(detail)}")
    return differences


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("batches", type=Path, nargs="+", help="batch folders (with uploads)")
    parser.add_argument("--readings", type=Path, required=True, help="a reading cache folder")
    parser.add_argument("--repeat", type=int, default=1, help="read everything this many times")
    parser.add_argument(
        "--detail", action="store_true", help="also time the imaging and photo functions"
    )
    parser.add_argument("--save", type=Path, help="write the pages' fingerprints here")
    parser.add_argument("--compare", type=Path, help="compare with fingerprints saved before")
    parser.add_argument(
        "--profile", type=Path, help="write a pyinstrument profile here (text for .txt, else HTML)"
    )
    args = parser.parse_args(argv)
    import cv2  # noqa: F401  (imports out of the timings)

    import extractors.photo  # noqa: F401
    import pipeline.reading  # noqa: F401
    from pipeline.imaging import use_one_opencv_thread

    use_one_opencv_thread()  # as `proofs run` does (pipeline/cli.py)

    profiler = None
    if args.profile:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.001)
        profiler.start()
    cpu, wall = time.process_time(), time.perf_counter()
    timer, fingerprints, pages, misses = run(args.batches, args.readings, args.repeat, args.detail)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    if profiler is not None:
        profiler.stop()
        text = args.profile.suffix == ".txt"
        args.profile.write_text(
            profiler.output_text(show_all=False) if text else profiler.output_html()
        )
    ocr_pages = sum(1 for f in fingerprints.values() if "prepared" in f)
    image_pages = sum(1 for f in fingerprints.values() if f.get("source") in ("ocr", "none"))
    image_pages *= args.repeat
    print(
        f"{pages} pages ({image_pages // args.repeat} images, {ocr_pages} OCR'd), "
        f"{misses} without a cached reading (stubbed empty)"
    )
    print(f"{'stage':<12}{'CPU ms/page':>12}{'wall ms/page':>13}{'calls':>7}{'CPU ms/call':>12}")
    details = sorted((k for k in timer.cpu if k not in STAGES), key=lambda k: -timer.cpu[k])
    for stage in (*STAGES, *details):
        calls = timer.calls[stage]
        print(
            f"{stage:<12}{1000 * timer.cpu[stage] / pages:>12.1f}"
            f"{1000 * timer.wall[stage] / pages:>13.1f}{calls:>7}"
            f"{1000 * timer.cpu[stage] / max(1, calls):>12.1f}"
        )
    total_cpu, total_wall = sum(timer.cpu.values()), sum(timer.wall.values())
    print(f"{'total':<12}{1000 * total_cpu / pages:>12.1f}{1000 * total_wall / pages:>13.1f}")
    print(f"per image page (not a text layer): {1000 * total_cpu / max(1, image_pages):.1f} ms CPU")
    print(f"whole run: {cpu:.2f} s CPU, {wall:.2f} s wall")
    if args.save:
        args.save.write_text(json.dumps(fingerprints, indent=1, sort_keys=True))
    if args.compare:
        differences = compare(json.loads(args.compare.read_text()), fingerprints)
        print(f"{len(differences)} of {len(fingerprints)} pages differ from {args.compare}")
        for line in differences:
            print(f"  {line}")
        return 1 if differences else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
