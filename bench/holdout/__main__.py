"""Make a held-out batch from documents drawn independently of ``sample_docs``.

    python -m bench.holdout --apps 20 --seed 301 --lang en --out /tmp/holdout --batch en301

writes ``OUT/BATCH/<application>/{application.json, uploads}`` and ``OUT/BATCH/truth.json``
(the format ``bench.accuracy`` reads); then ``python -m bench.accuracy --batch-dir OUT/BATCH``
scores ``proofs run`` on it. Same arguments, same bytes.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from bench.holdout.make import make_batch


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--apps", type=int, default=20)
    parser.add_argument("--seed", type=int, default=301)
    parser.add_argument("--lang", choices=["en", "zh"], default="en")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--batch", default="holdout", help="batch folder name")
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    batch = make_batch(args.out, args.apps, args.seed, args.lang, args.batch, args.workers)
    files = sum(1 for p in batch.rglob("*") if p.is_file()) - 1
    print(
        f"wrote {args.apps} applications, {files} files to {batch} in "
        f"{time.perf_counter() - started:.1f} s",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
