"""Accuracy of a whole `proofs run` against the generator's ground truth.

    python -m bench.accuracy --apps 40 --seed 7 --lang en [--bundles 0.5] [--work DIR] [--reuse]

Generates a batch (or reuses one), runs the real `proofs run` on it, and prints:
classification accuracy with confusions and accuracy by confidence band, field
precision/recall/F1 per type and overall, status accuracy, the share of
applications whose notice items equal the truth exactly, item precision and
recall, and the share flagged for review. With bundled files (``--bundles``), each
document inside a bundle is scored like a file of its own, and it also prints the share of
bundle pages assigned to the right document and type, and the notice figures of bundled
and unbundled applications apart.
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
    apps: int, seed: int, lang: str, work: Path, reuse: bool, bundles: float = 0.0
) -> Path:
    inbox = (
        work / f"inbox-{lang}-{apps}-{seed}"
        if not bundles
        else (work / f"inbox-{lang}-{apps}-{seed}-b{bundles:g}")
    )
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
    for app, file, expected in truth_entries(truth):
        docs = [d for d in results.get(app, {}).get("documents", []) if d["file"] == file]
        pages = set(expected.get("pages") or [])
        doc = matching_document(docs, pages)
        got_type = doc["type"] if doc else "missing"
        confusion[(expected["type"], got_type)] += 1
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
    args = parser.parse_args(argv)
    batch = generate(args.apps, args.seed, args.lang, args.work, args.reuse, args.bundles)
    out = args.work / f"out-{batch.parent.name.removeprefix('inbox-')}"
    seconds = run_proofs(batch, out)
    print(f"proofs run: {seconds:.1f} s")
    truth = json.loads((batch / "truth.json").read_text())
    figures = evaluate(truth, load_results(out / batch.name))
    report(figures)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
