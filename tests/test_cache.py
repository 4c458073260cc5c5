"""The reading cache: atomic, content-addressed, and never remembering transient failures."""

from __future__ import annotations

from pipeline.cache import ReadingCache, write_atomic
from pipeline.reading import FileReading, cache_key


def test_round_trip_and_miss(tmp_path):
    cache = ReadingCache(tmp_path)
    key = cache_key("ab" * 32, "en")
    assert cache.get(key) is None
    reading = FileReading(sha256="ab" * 32, format="png", language="en", ocr_calls=2)
    cache.put(key, reading)
    assert cache.get(key) == reading
    assert cache.get(cache_key("ab" * 32, "zh")) is None


def test_transient_failures_are_not_cached(tmp_path):
    cache = ReadingCache(tmp_path)
    key = cache_key("cd" * 32, "en")
    cache.put(
        key,
        FileReading(
            sha256="cd" * 32,
            format="png",
            language="en",
            error="crash",
            error_code="ocr_failed",
            transient=True,
        ),
    )
    assert cache.get(key) is None


def test_damaged_entry_is_a_miss(tmp_path):
    cache = ReadingCache(tmp_path)
    key = cache_key("ef" * 32, "en")
    cache.put(key, FileReading(sha256="ef" * 32, format="png", language="en"))
    next(tmp_path.rglob("*.json")).write_text('{"sha256": ')
    assert cache.get(key) is None


def test_atomic_write_leaves_no_temporary_files(tmp_path):
    target = tmp_path / "a" / "result.json"
    write_atomic(target, b"{}")
    write_atomic(target, b'{"x": 1}')
    assert target.read_bytes() == b'{"x": 1}'
    assert [p.name for p in target.parent.iterdir()] == ["result.json"]


def test_stale_temporaries_of_a_killed_run_are_removed(tmp_path):
    from pipeline.cache import remove_stale_temporaries

    (tmp_path / "A1").mkdir()
    (tmp_path / "A1" / ".result.json.abc.tmp").write_bytes(b"{half")
    (tmp_path / "A1" / "result.json").write_bytes(b"{}")
    assert remove_stale_temporaries(tmp_path) == 1
    assert [p.name for p in (tmp_path / "A1").iterdir()] == ["result.json"]
