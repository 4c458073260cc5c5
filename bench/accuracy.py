"""Accuracy of a whole `proofs run` against the generator's ground truth.

    python -m bench.accuracy --apps 40 --seed 7 --lang en [--bundles 0.5] [--work DIR] [--reuse]
                             [--errors] [--direct] [--heldout]

Generates a batch (or reuses one), runs the real `proofs run` on it, and prints:
classification accuracy with confusions and accuracy by confidence band, field
precision/recall/F1 per type and overall, status accuracy, the share of
applications whose notice items equal the truth exactly, item precision and
recall, and the share flagged for review. With bundled files (``--bundles``), each
document inside a bundle is scored like a file of its own, and it also prints the share of
bundle pages assigned to the right document and type, and the notice figures of bundled
and unbundled applications apart.

``--errors`` also prints every wrong type and field (``type/field: expected | got``, with
the application and file), the microscope for finding what costs the most. ``--direct``
skips Prefect: it reads the uploads in a process pool with a reading cache kept between runs
(``WORK/cache``, keyed by content and OCR version, as the real run's), then builds each
result with the same functions the flow calls. A change to classification, extraction or
validation is then measured in seconds; the figures are the real run's as long as the flow
only orchestrates. Lead measurements use the default (the real ``proofs run``).

``--batch-dir DIR`` scores an existing batch folder with its ``truth.json`` instead of
generating one (e.g. a held-out batch from ``python -m bench.holdout``).
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import time
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONFIDENCE_BANDS = ((0.0, 0.6), (0.6, 0.8), (0.8, 0.95), (0.95, 1.01))


def generate(
    apps: int,
    seed: int,
    lang: str,
    work: Path,
    reuse: bool,
    bundles: float = 0.0,
    heldout: bool = False,
) -> Path:
    inbox = (
        work / f"inbox-{lang}-{apps}-{seed}"
        if not bundles
        else (work / f"inbox-{lang}-{apps}-{seed}-b{bundles:g}")
    )
    if heldout:
        inbox = inbox.with_name(inbox.name + "-heldout")
    batch = inbox / "batch"
    if reuse and (batch / "truth.json").is_file():
        return batch
    shutil.rmtree(inbox, ignore_errors=True)
    started = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "sample_docs.generate",
            "--apps",
            str(apps),
            "--seed",
            str(seed),
            "--lang",
            lang,
            "--out",
            str(inbox),
            "--batch",
            "batch",
            "--bundles",
            str(bundles),
            *(["--heldout"] if heldout else []),
        ],
        check=True,
        cwd=ROOT,
    )
    print(f"generated {apps} applications in {time.perf_counter() - started:.1f} s")
    return batch


def run_proofs(batch: Path, out: Path) -> float:
    shutil.rmtree(out, ignore_errors=True)
    proofs = Path(sys.executable).parent / "proofs"
    started = time.perf_counter()
    subprocess.run([str(proofs), "run", str(batch), "--out", str(out), "--no-progress"], check=True)
    return time.perf_counter() - started


def _read_one(job: tuple[str, str | None, str, str, str]):
    """One upload read (or taken from the cache), in a worker process."""
    from pipeline.cache import ReadingCache
    from pipeline.reading import cache_key, read_upload
    from pipeline.settings import get_settings

    path, fmt, sha256, language, cache_dir = job
    cache = ReadingCache(Path(cache_dir))
    key = cache_key(sha256, language)
    reading = cache.get(key)
    if reading is None:
        try:
            reading = read_upload(Path(path), fmt, sha256, language, get_settings())
        except Exception as error:  # a transient failure: scored as an unread file
            from pipeline.reading import FileReading

            return FileReading(
                sha256=sha256, format=fmt, language=language, error=type(error).__name__
            )
        cache.put(key, reading)
    return reading


def run_direct(batch: Path, out: Path, cache_dir: Path, workers: int = 2) -> float:
    """Results of every application without Prefect (see the module docstring)."""
    import json as _json
    from concurrent.futures import ProcessPoolExecutor

    from pipeline.application import build_result
    from pipeline.ingest import discover_applications, load_application
    from pipeline.settings import get_settings

    settings = get_settings()
    started = time.perf_counter()
    applications = [load_application(f, settings) for f in discover_applications(batch)]
    jobs = []
    for application in applications:
        language = application.language
        for upload in application.files:
            if upload.error is None:
                jobs.append((str(upload.path), upload.format, upload.sha256, language))
    with ProcessPoolExecutor(max_workers=workers) as pool:
        readings = list(pool.map(_read_one, [(*job, str(cache_dir)) for job in jobs]))
    by_path = {job[0]: reading for job, reading in zip(jobs, readings, strict=True)}
    shutil.rmtree(out, ignore_errors=True)
    for application in applications:
        found = {
            u.relative: by_path[str(u.path)] for u in application.files if str(u.path) in by_path
        }
        result = build_result(application, found, settings)
        folder = out / batch.name / application.folder.name
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "result.json").write_text(
            _json.dumps(result.model_dump(mode="json"), ensure_ascii=False, indent=1)
        )
    return time.perf_counter() - started


def normalise(value) -> str | None:
    """Comparison form: case, width, spacing and punctuation do not count."""
    if value is None:
        return None
    if isinstance(value, int | float):
        return f"{float(value):.2f}"
    text = unicodedata.normalize("NFKC", str(value)).casefold()
    text = re.sub(r"[\s,.;:·'\"()（），。]+", " ", text)
    return text.strip() or None


def load_results(out: Path) -> dict[str, dict]:
    return {p.parent.name: json.loads(p.read_text()) for p in out.rglob("result.json")}


def truth_entries(truth: dict):
    """(app, file, expected document) for every true document: a bundled file gives one per
    document it holds."""
    for key, expected in truth["files"].items():
        app, file = key.split("/", 1)
        for document in expected.get("documents") or [expected]:
            yield app, file, document


def matching_document(docs: list[dict], pages: set[int]) -> dict | None:
    """The result entry holding most of ``pages`` (the first entry when none does)."""
    if not docs:
        return None
    best = max(docs, key=lambda d: len(pages & set(d["pages"])))
    return best if pages & set(best["pages"]) else docs[0]


def bundle_pages(truth: dict, results: dict[str, dict]) -> tuple[int, int]:
    """Pages of bundled files assigned to the right document and type: ``(right, pages)``.

    A true document's match is the result entry holding most of its pages; a page is right
    when it lies in its document's match, the match has the true type, and the match holds
    more of this document's pages than of any other (a merge of two documents is wrong for
    the smaller one, a split is wrong for the pages left out of the match).
    """
    right = total = 0
    for key, expected in truth["files"].items():
        if not expected.get("documents"):
            continue
        app, file = key.split("/", 1)
        docs = [d for d in results.get(app, {}).get("documents", []) if d["file"] == file]
        true_docs = [(set(d["pages"]), d["type"]) for d in expected["documents"]]
        for pages, doc_type in true_docs:
            total += len(pages)
            match = matching_document(docs, pages)
            if match is None or match["type"] != doc_type:
                continue
            held = set(match["pages"])
            home = max(true_docs, key=lambda t: len(t[0] & held))
            if home[0] == pages:
                right += len(pages & held)
    return right, total


def evaluate(truth: dict, results: dict[str, dict]) -> dict:
    confusion: Counter = Counter()
    bands: dict[tuple, list[bool]] = defaultdict(list)
    field_counts: dict[str, Counter] = defaultdict(Counter)
    errors: list[str] = []
    for app, file, expected in truth_entries(truth):
        docs = [d for d in results.get(app, {}).get("documents", []) if d["file"] == file]
        pages = set(expected.get("pages") or [])
        doc = matching_document(docs, pages)
        got_type = doc["type"] if doc else "missing"
        confusion[(expected["type"], got_type)] += 1
        if got_type != expected["type"]:
            layout = expected.get("layout") or expected.get("kind") or ""
            errors.append(
                f"TYPE {expected['type']} -> {got_type} ({layout}, defect "
                f"{expected.get('defect')}, conf {doc['confidence'] if doc else '-'}): {app}/{file}"
            )
        if doc:
            band = next(b for b in CONFIDENCE_BANDS if b[0] <= doc["confidence"] < b[1])
            bands[band].append(got_type == expected["type"])
        if expected["type"] == "unknown":
            continue
        counts = field_counts[expected["type"]]
        got_fields = doc["fields"] if doc and got_type == expected["type"] else {}
        for name, value in expected.get("fields", {}).items():
            want, got = normalise(value), normalise(got_fields.get(name))
            if want is not None and got == want:
                counts["tp"] += 1
            else:
                if got_type == expected["type"] and (want, got) != (None, None):
                    errors.append(
                        f"{expected['type']}/{name}: {value!r} | {got_fields.get(name)!r} "
                        f"({expected.get('layout')}, defect {expected.get('defect')}): {app}/{file}"
                    )
                if want is not None:
                    counts["fn"] += 1
                if got is not None:
                    counts["fp"] += 1
    statuses = items_exact = 0
    item_counts: Counter = Counter()
    flagged = 0
    bundled_apps = {key.split("/", 1)[0] for key, f in truth["files"].items() if f.get("documents")}
    exact_by_kind: dict[str, list[bool]] = defaultdict(list)
    for app, expected in truth["applications"].items():
        result = results.get(app)
        if result is None:
            continue
        statuses += result["status"] == expected["status"]
        want = {tuple(item) for item in expected["items"]}
        got = {(i["material"], i["reason"]) for i in result["notice"]["items"]}
        items_exact += want == got
        if want != got:
            errors.append(f"NOTICE {app}: missing {sorted(want - got)} extra {sorted(got - want)}")
        exact_by_kind["bundled" if app in bundled_apps else "unbundled"].append(want == got)
        item_counts["tp"] += len(want & got)
        item_counts["fp"] += len(got - want)
        item_counts["fn"] += len(want - got)
        flagged += bool(result.get("needs_review"))
    files = sum(confusion.values())
    apps = len(truth["applications"])
    return {
        "files": files,
        "classification_accuracy": sum(n for (a, b), n in confusion.items() if a == b) / files,
        "confusions": {f"{a} -> {b}": n for (a, b), n in confusion.most_common() if a != b},
        "accuracy_by_confidence": {
            f"{low:.2f}-{min(high, 1):.2f}": (len(v), sum(v) / len(v))
            for (low, high), v in sorted(bands.items())
            if v
        },
        "fields": {t: prf(c) for t, c in sorted(field_counts.items())},
        "fields_overall": prf(sum(field_counts.values(), Counter())),
        "applications": apps,
        "status_accuracy": statuses / apps,
        "notice_exact": items_exact / apps,
        "items": prf(item_counts),
        "flagged_for_review": flagged / apps,
        "bundle_pages": bundle_pages(truth, results),
        "notice_exact_by_kind": {
            kind: (len(values), sum(values) / len(values))
            for kind, values in sorted(exact_by_kind.items())
        },
        "errors": errors,
    }


def prf(counts: Counter) -> dict[str, float]:
    tp, fp, fn = counts["tp"], counts["fp"], counts["fn"]
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4)}


def report(figures: dict) -> None:
    print(f"\nfiles: {figures['files']}   applications: {figures['applications']}")
    print(f"classification accuracy: {figures['classification_accuracy']:.4f}")
    for confusion, count in figures["confusions"].items():
        print(f"  confused {confusion}: {count}")
    print("accuracy by confidence band (files, accuracy):")
    for band, (count, accuracy) in figures["accuracy_by_confidence"].items():
        print(f"  {band}: {count:4d}  {accuracy:.3f}")
    print("fields per type (precision / recall / F1):")
    for doc_type, score in figures["fields"].items():
        print(
            f"  {doc_type:26s} {score['precision']:.3f} / {score['recall']:.3f} / {score['f1']:.3f}"
        )
    overall = figures["fields_overall"]
    print(
        f"  {'overall':26s} {overall['precision']:.3f} / {overall['recall']:.3f} / "
        f"{overall['f1']:.3f}"
    )
    print(f"status accuracy: {figures['status_accuracy']:.4f}")
    print(f"notice items exactly right: {figures['notice_exact']:.4f}")
    items = figures["items"]
    print(f"notice items precision / recall: {items['precision']:.3f} / {items['recall']:.3f}")
    print(f"flagged for review: {figures['flagged_for_review']:.3f}")
    right, pages = figures["bundle_pages"]
    if pages:
        print(
            f"bundled files: pages assigned to the right document and type: "
            f"{right / pages:.4f} ({right}/{pages})"
        )
        for kind, (count, share) in figures["notice_exact_by_kind"].items():
            print(f"notice items exactly right, {kind} applications: {share:.4f} ({count})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--apps", type=int, default=40)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--lang", default="en", choices=["en", "zh", "mixed"])
    parser.add_argument("--work", type=Path, default=ROOT / "bench" / "out")
    parser.add_argument("--reuse", action="store_true", help="reuse a generated batch")
    parser.add_argument(
        "--bundles", type=float, default=0.0, help="share of applications with a bundled file"
    )
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--errors", action="store_true", help="print every wrong type and field")
    parser.add_argument(
        "--heldout",
        action="store_true",
        help="documents in wording, fonts and layouts not used in development (sample_docs)",
    )
    parser.add_argument(
        "--direct", action="store_true", help="without Prefect, with a kept reading cache"
    )
    parser.add_argument(
        "--batch-dir",
        type=Path,
        help="score this existing batch folder (with its truth.json, e.g. from bench.holdout) "
        "instead of generating one",
    )
    args = parser.parse_args(argv)
    if args.batch_dir:
        batch = args.batch_dir.resolve()
        inbox = batch.parent.with_name(f"inbox-dir-{batch.parent.name}-{batch.name}")
    else:
        batch = generate(
            args.apps, args.seed, args.lang, args.work, args.reuse, args.bundles, args.heldout
        )
        inbox = batch.parent
    out = args.work / f"out-{inbox.name.removeprefix('inbox-')}"
    if args.direct:
        out = args.work / f"direct-{inbox.name.removeprefix('inbox-')}"
        seconds = run_direct(batch, out, args.work / "cache")
        print(f"direct run: {seconds:.1f} s")
    else:
        seconds = run_proofs(batch, out)
        print(f"proofs run: {seconds:.1f} s")
    truth = json.loads((batch / "truth.json").read_text())
    figures = evaluate(truth, load_results(out / batch.name))
    report(figures)
    if args.errors:
        print("\nerrors:")
        for line in sorted(figures["errors"]):
            print(f"  {line}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
