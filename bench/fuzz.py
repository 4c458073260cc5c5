"""A longer fuzz run of the hostile-input properties; prints cases run and failures.

    .venv/bin/python bench/fuzz.py [--cases 3000] [--seed 1]

Three properties, as in tests/test_properties.py but with many more cases and
with the committed sample documents as extra seeds:

- pages: damaged copies of real files (bytes flipped, cut, garbage inserted)
  give pages or a ReadError, never another exception;
- ingest: random names and bytes are listed once each, never raise;
- form: damaged forms parse or give errors that echo no value.

Exit status 1 when any case failed; the first traceback of each kind is printed.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import random
import sys
import tempfile
import time
import traceback
import warnings
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]
os.environ.setdefault("OMP_THREAD_LIMIT", "1")

from pipeline.errors import ReadError  # noqa: E402
from pipeline.ingest import FORM_NAME, list_uploads, read_form, sniff_format  # noqa: E402
from pipeline.pages import load_pages  # noqa: E402
from pipeline.settings import Settings  # noqa: E402

LIMITS = Settings(max_pixels=4_000_000, render_dpi=60, max_pages=8)
SAMPLES = ROOT / "sample_docs" / "batch"
MARK = "QZX"


def seeds() -> list[tuple[str, bytes]]:
    """Generated files of every format plus the committed sample uploads under 400 kB."""
    from test_properties import SEEDS

    found = list(SEEDS.values())
    for path in sorted(SAMPLES.rglob("*")):
        if path.is_file() and path.name != FORM_NAME and path.stat().st_size < 400_000:
            data = path.read_bytes()
            fmt = sniff_format(data[:2048])
            if fmt is not None:
                found.append((fmt, data))
    return found


def damage(rng: random.Random, data: bytes) -> bytes:
    damaged = bytearray(data)
    for _ in range(rng.randint(0, 24)):
        damaged[rng.randrange(len(damaged))] = rng.randrange(256)
    if rng.random() < 0.3:
        damaged = damaged[: rng.randrange(len(damaged) + 1)]
    if rng.random() < 0.3:
        at = rng.randrange(len(damaged) + 1)
        damaged[at:at] = rng.randbytes(rng.randint(1, 256))
    return bytes(damaged)


def case_pages(rng: random.Random, folder: Path, pool: list[tuple[str, bytes]]) -> None:
    fmt, data = rng.choice(pool)
    path = folder / "upload"
    path.write_bytes(damage(rng, data))
    try:
        for page in load_pages(path, fmt, LIMITS):
            assert page.image is not None or page.text_lines is not None
    except ReadError:
        pass


def random_name(rng: random.Random) -> str:
    odd = "".join(chr(rng.randrange(0x20, 0x3000)) for _ in range(4))
    alphabet = "ab .-_\n\t\\'\"身份证 é" + odd
    while True:
        name = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 30)))
        if "/" not in name and name not in (".", "..", FORM_NAME) and "\x00" not in name:
            try:
                name.encode("utf-8")
            except UnicodeEncodeError:
                continue
            return name


def case_ingest(rng: random.Random, folder: Path, pool: list[tuple[str, bytes]]) -> None:
    app = folder / "app"
    app.mkdir()
    names = {random_name(rng) for _ in range(rng.randint(0, 6))}
    for name in names:
        content = damage(rng, rng.choice(pool)[1])[: rng.randint(0, 3000)]
        (app / name).write_bytes(content)
    listed = list_uploads(app, LIMITS)
    assert sorted(u.relative for u in listed) == sorted(names), "files lost or doubled"


def case_form(rng: random.Random, folder: Path, pool: list[tuple[str, bytes]]) -> None:
    from test_properties import VALID_FORM

    form = json.loads(json.dumps(VALID_FORM))
    values = [None, True, 0, -1, 1e308, [], {}, MARK + "x", MARK + " 1990-01-01", MARK * 40]
    for _ in range(rng.randint(1, 5)):
        target = form if rng.random() < 0.5 else form.get(rng.choice(["applicant", "residence"]))
        if not isinstance(target, dict):
            continue
        key = rng.choice([*target.keys(), MARK + "new"])
        if rng.random() < 0.3:
            target.pop(key, None)
        else:
            target[key] = copy.deepcopy(rng.choice(values))
    raw = json.dumps(form).encode()
    if rng.random() < 0.2:
        raw = damage(rng, raw)
    path = folder / FORM_NAME
    path.write_bytes(raw)
    parsed, errors = read_form(path, LIMITS)
    assert (parsed is None) == bool(errors)
    assert not any(MARK in error or "Li Wei" in error for error in errors), "value echoed"


CASES = {"pages": case_pages, "ingest": case_ingest, "form": case_form}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=3000, help="cases per property")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    pool = seeds()
    failures: Counter[str] = Counter()
    first_trace: dict[str, str] = {}
    started = time.perf_counter()
    for kind, run_case in CASES.items():
        rng = random.Random(f"{args.seed}-{kind}")
        for _ in range(args.cases):
            with tempfile.TemporaryDirectory() as temporary:
                try:
                    run_case(rng, Path(temporary), pool)
                except Exception as error:
                    key = f"{kind}: {type(error).__name__}: {str(error)[:80]}"
                    failures[key] += 1
                    first_trace.setdefault(key, traceback.format_exc())
        print(
            f"{kind}: {args.cases} cases, "
            f"{sum(n for k, n in failures.items() if k.startswith(kind))} failures",
            flush=True,
        )
    seconds = time.perf_counter() - started
    print(
        f"{len(CASES) * args.cases} cases in {seconds:.1f} s ({len(pool)} seed files), "
        f"{sum(failures.values())} failures"
    )
    for key, count in failures.most_common():
        print(f"\n{count} x {key}\n{first_trace[key]}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
