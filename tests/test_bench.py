"""`hrdocs bench --quick` on three generated text files: every figure is printed and written.

Timings are never asserted (they depend on the machine); the test checks that the benchmark
runs end to end and reports what it promises.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.config import Settings
from eval.bench import run_bench

PARAGRAPH = (
    "Kommunstyrelsen ska säkerställa att avslutningssamtal genomförs och att resultaten sammanställs. "
    "Personalomsättningen följs upp varje år och redovisas för nämnden tillsammans med sjukfrånvaron. "
)


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    folder = tmp_path / "archive"
    folder.mkdir()
    for n, topic in enumerate(("Rekrytering", "Arbetsmiljö", "Lönebildning"), 1):
        sections = [f"{i} {topic} del {i}\n\n" + PARAGRAPH * 4 for i in range(1, 6)]
        text = f"Protokoll {topic} {2020 + n}\n\n" + "\n\n".join(sections)
        (folder / f"dokument-{n}.txt").write_text(text, encoding="utf-8")
    return folder


def test_quick_bench_prints_every_figure_and_writes_the_reports(
    settings: Settings, archive: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "reports"
    assert run_bench(settings, archive=archive, scales=(2000,), out_dir=out, quick=True) == 0

    printed = capsys.readouterr().out
    for figure in (
        "## Ingestion",
        "pipeline throughput",
        "raw encode throughput",
        "pipeline / raw",
        "re-ingest of the unchanged archive",
        "## Query",
        "floor",
        "retrieval / floor",
        "## Memory",
        "peak RSS of the ingest",
        "peak RSS of a serving process",
        "per 1,000 chunks",
        "## Scale",
        "Synthetic indexes",
        "2,000",
        "Machine:",
        "Command: `",
    ):
        assert figure in printed, figure

    report = json.loads((out / "bench.json").read_text(encoding="utf-8"))
    ing = report["ingest"]
    assert ing["files"] == 3 and ing["failed"] == [] and ing["chunks"] > 0
    assert ing["reingest_chunks_embedded"] == 0 and ing["reingest_unchanged"] == 3
    assert ing["peak_rss_mb"] > 0 and ing["index_mb_per_1000_chunks"] > 0
    assert report["query"]["floor"]["n"] == report["query"]["questions"] > 0
    assert report["serve"]["peak_rss_mb"] > 0
    (point,) = report["scale"]["points"]
    assert point["built"] and point["chunks"] == 2000
    assert point["dense_filtered"]["n"] > 0 and "retrieve" in point
    assert report["machine"]["cpu_count"] >= 1 and "--quick" in report["command"]
    assert (out / "bench.md").stat().st_size > 0 and (out / "scale.png").stat().st_size > 0
