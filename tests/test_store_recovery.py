"""A flush of Chroma's vector files cut short by a kill is put back on the next open.

Chroma rewrites a collection's HNSW files in place every 1,000 writes. The crash test once
killed an ingest inside that rewrite, and every later open failed on the truncated pickle. Here
we build that state on purpose: one flush is completed and copied by `VectorGuard`, 300 more
writes wait in Chroma's log, and then the segment's files are damaged the way a kill leaves them
(a pickle cut at 16,383 bytes, graph bytes overwritten). Each phase runs in its own process, as
Chroma keeps loaded segments in memory for the life of a process.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from assistant.vector_guard import SNAPSHOT_DIR, VectorGuard

REPO = Path(__file__).resolve().parent.parent

PHASES = r"""
import json, math, random, sys
from pathlib import Path
from assistant.store import ChromaStore
from assistant.types import Chunk, DocumentMeta, DocumentText

DIMS = 16
index = Path(sys.argv[2])

def vector(doc, i):
    rng = random.Random(f"{doc}{i}")
    v = [rng.gauss(0, 1) for _ in range(DIMS)]
    n = math.sqrt(sum(x * x for x in v))
    return [x / n for x in v]

def put(store, doc, n):
    text = " ".join(f"{doc}{i}" for i in range(n))
    meta = DocumentMeta(doc_id=doc, title=doc)
    chunks = [Chunk(doc_id=doc, ordinal=i, text=f"{doc}{i}", section="", page=None) for i in range(n)]
    store.replace_document(DocumentText(meta, text), chunks, [vector(doc, i) for i in range(n)], doc * 12)

store = ChromaStore(embedder_id="test", index_dir=index)
if sys.argv[1] == "write":
    put(store, "a", 1200)  # past Chroma's sync threshold of 1,000: one flush, copied
    put(store, "b", 300)  # below the next one: these wait in Chroma's log
else:
    hits = {}
    for doc, n in (("a", 1200), ("b", 300)):
        for i in range(0, n, 37):
            top = store.query(vector(doc, i), 1)[0].chunk
            hits[f"{doc}{i}"] = f"{top.doc_id}{top.ordinal}"
    print(json.dumps({"hits": hits, "chunks": store.chunk_count(), "check": store.check()}))
"""


def _run(phase: str, index: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", PHASES, phase, str(index)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _damage(folder: Path) -> None:
    with open(folder / "index_metadata.pickle", "r+b") as f:
        f.truncate(min(16383, f.seek(0, 2) // 2))
    with open(folder / "data_level0.bin", "r+b") as f:
        f.seek(1000)
        f.write(b"\xff" * 5000)


def test_a_flush_cut_short_is_restored_and_the_log_replayed(tmp_path: Path) -> None:
    index = tmp_path / "index"
    wrote = _run("write", index)
    assert wrote.returncode == 0, wrote.stderr[-2000:]
    guard = VectorGuard(index, index / ".write.lock")
    flushed = [s for s in guard.segments() if s.seq > 0]
    assert len(flushed) == 1, guard.segments()  # the chunks' segment; the registry never flushed
    segment = flushed[0]
    manifest = json.loads((index / SNAPSHOT_DIR / segment.id / "manifest.json").read_text())
    assert manifest["seq"] == segment.seq

    _damage(index / segment.id)
    read = _run("read", index)
    assert read.returncode == 0, read.stderr[-2000:]
    got = json.loads(read.stdout.strip().splitlines()[-1])
    assert got["chunks"] == 1500
    assert got["check"] == []
    # Vectors from before the flush come from the snapshot, those after it from Chroma's log.
    assert got["hits"] == {key: key for key in got["hits"]}
    assert "restored to its last complete save" in read.stderr


def test_without_the_snapshot_the_damage_is_what_chroma_reports(tmp_path: Path) -> None:
    """The state built above is the one the crash test met: Chroma alone cannot open it."""
    index = tmp_path / "index"
    assert _run("write", index).returncode == 0
    segment = next(s for s in VectorGuard(index, index / ".write.lock").segments() if s.seq > 0)
    _damage(index / segment.id)
    (index / SNAPSHOT_DIR / segment.id / "manifest.json").unlink()
    read = _run("read", index)
    assert read.returncode != 0
    assert "pickle" in read.stderr


def test_an_interrupted_first_save_is_dropped_and_rebuilt_from_the_log(tmp_path: Path) -> None:
    index = tmp_path / "index"
    wrote = _run("write", index)
    assert wrote.returncode == 0, wrote.stderr[-2000:]
    guard = VectorGuard(index, index / ".write.lock")
    registry = next(s for s in guard.segments() if s.seq == 0)
    # A kill inside the registry's first flush: files written, the seq id row not yet.
    chunks = next(s for s in guard.segments() if s.seq > 0)
    folder = index / registry.id
    (folder / "index_metadata.pickle").write_bytes(
        (index / chunks.id / "index_metadata.pickle").read_bytes()[:5000]
    )
    read = _run("read", index)
    assert read.returncode == 0, read.stderr[-2000:]
    got = json.loads(read.stdout.strip().splitlines()[-1])
    assert got["chunks"] == 1500 and got["check"] == []
    assert "interrupted first save removed" in read.stderr
