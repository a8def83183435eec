"""Crash safety for Chroma's on-disk vector index: snapshots of each HNSW segment, restored on open.

Chroma 1.5.9 (embedded) keeps each collection's vectors in an HNSW segment folder
(`<index>/<segment id>/`) that it rewrites in place every 1,000 writes ("sync_threshold"): the
graph files, then `index_metadata.pickle`, then the segment's `max_seq_id` row in
`chroma.sqlite3`, and only then does it drop the write-ahead log up to that row. A process killed
during that rewrite leaves a truncated pickle or half-written graph files, and every later open
fails ("Error deserializing pickle file: EOF while parsing"; upstream chroma-core/chroma#7238
reports segfaults for other shapes of the same damage). Our crash test hit it in CI.

Because the log is only dropped after the `max_seq_id` row moves, the log still holds every write
after the last complete flush. So a copy of the folder as it was at that flush, put back, lets
Chroma replay the rest. `VectorGuard`:

- `snapshot()`, after every write of ours: when a segment's `max_seq_id` moved (a flush completed),
  copy its folder to `<index>/.hrdocs-vectors/<segment id>/` with a manifest of the seq id and
  each file's size and mtime. The copy replaces the old one atomically (`.new` then rename).
- `recover()`, before Chroma opens the index, holding the writers' lock: a segment whose row
  still says the snapshot's seq id but whose files changed since was caught mid-flush, so its
  files are put back from the snapshot. Before the first flush (no row yet) the log holds
  everything, so a stray pickle from an interrupted first flush is removed and Chroma rebuilds.

This reads Chroma's private layout (the `segments` and `max_seq_id` tables, the file names),
which is why chromadb is pinned; it never writes Chroma's database. A Chroma server keeps its own
disk and is not guarded here.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

SNAPSHOT_DIR = ".hrdocs-vectors"
_PICKLE = "index_metadata.pickle"
_MANIFEST = "manifest.json"
_HNSW = "urn:chroma:segment/vector/hnsw-local-persisted"


@dataclass(frozen=True, slots=True)
class Segment:
    id: str
    seq: int  # Chroma's max_seq_id for the segment: 0 until its first flush


class VectorGuard:
    def __init__(self, index_dir: Path, lock_path: Path) -> None:
        self.index_dir = index_dir
        self.lock_path = lock_path
        self.snapshots = index_dir / SNAPSHOT_DIR
        self._seen: dict[str, int] = {}

    # -- reading Chroma's bookkeeping -----------------------------------------------------------

    def segments(self) -> list[Segment]:
        db = self.index_dir / "chroma.sqlite3"
        if not db.exists():
            return []
        # Read-write, though we only read: after a kill SQLite may have to roll back a hot journal.
        with closing(sqlite3.connect(db, timeout=30)) as conn:
            rows = conn.execute(
                "SELECT s.id, COALESCE(m.seq_id, 0) FROM segments s "
                "LEFT JOIN max_seq_id m ON m.segment_id = s.id WHERE s.type = ?",
                (_HNSW,),
            ).fetchall()
        return [Segment(str(i), int(seq or 0)) for i, seq in rows]

    def _files(self, folder: Path) -> dict[str, list[int]]:
        if not folder.is_dir():
            return {}
        out = {}
        for f in sorted(folder.iterdir()):
            if f.is_file() and f.name != _MANIFEST:
                st = f.stat()
                out[f.name] = [st.st_size, st.st_mtime_ns]
        return out

    def _manifest(self, segment_id: str) -> dict | None:
        self._settle(segment_id)
        path = self.snapshots / segment_id / _MANIFEST
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def _settle(self, segment_id: str) -> None:
        """Finish or undo a snapshot swap that a kill interrupted."""
        final = self.snapshots / segment_id
        new, old = final.with_name(segment_id + ".new"), final.with_name(segment_id + ".old")
        if not final.exists():
            if (new / _MANIFEST).exists():
                new.rename(final)
            elif old.exists():
                old.rename(final)
        for leftover in (new, old):
            if leftover.exists():
                shutil.rmtree(leftover, ignore_errors=True)

    # -- after writes -----------------------------------------------------------------------------

    def snapshot(self) -> int:
        """Copy every segment whose flush we have not copied yet; returns how many were copied.

        Call with the writers' lock held and no write in flight, so no flush is half done.
        """
        copied = 0
        live = set()
        for seg in self.segments():
            live.add(seg.id)
            if seg.seq == 0 or self._seen.get(seg.id) == seg.seq:
                continue
            manifest = self._manifest(seg.id)
            if manifest is None or manifest.get("seq") != seg.seq:
                if not self._copy(seg):
                    continue  # try again after the next write
                copied += 1
            self._seen[seg.id] = seg.seq
        if self.snapshots.exists():  # snapshots of dropped collections (a rebuild) go too
            for d in self.snapshots.iterdir():
                if d.name.split(".")[0] not in live:
                    shutil.rmtree(d, ignore_errors=True)
        return copied

    def _copy(self, seg: Segment) -> bool:
        source = self.index_dir / seg.id
        final = self.snapshots / seg.id
        new, old = final.with_name(seg.id + ".new"), final.with_name(seg.id + ".old")
        shutil.rmtree(new, ignore_errors=True)
        new.mkdir(parents=True)
        files = self._files(source)
        for name in files:
            shutil.copy2(source / name, new / name)  # copy2 keeps the mtime the manifest records
        if self._files(source) != files:
            # Another process flushed while we copied: keep the old snapshot.
            shutil.rmtree(new, ignore_errors=True)
            return False
        manifest = {"seq": seg.seq, "files": files}
        (new / _MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
        if final.exists():
            final.rename(old)
        new.rename(final)
        shutil.rmtree(old, ignore_errors=True)
        return True

    # -- before opening ---------------------------------------------------------------------------

    def recover(self) -> list[str]:
        """Put back the segments an interrupted flush left half written; returns what was done.

        Skipped while another process holds the writers' lock: that writer recovered when it
        opened the index, and a flush it has in flight must not be mistaken for damage.
        """
        if not (self.index_dir / "chroma.sqlite3").exists():
            return []
        self.lock_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.lock_path, "a") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return []
            try:
                return self._recover()
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _recover(self) -> list[str]:
        done = []
        for seg in self.segments():
            folder = self.index_dir / seg.id
            if seg.seq == 0:
                # Before its first flush completes the log holds every write, and Chroma
                # rebuilds the segment from it when no pickle is there.
                if (folder / _PICKLE).exists():
                    for f in folder.iterdir():
                        if f.is_file():
                            f.unlink()
                    done.append(f"vector segment {seg.id}: an interrupted first save removed")
                continue
            manifest = self._manifest(seg.id)
            if manifest is None or manifest.get("seq") != seg.seq:
                continue  # a flush completed after our last copy: its files are whole
            if self._files(folder) == manifest["files"]:
                continue
            snap = self.snapshots / seg.id
            for f in folder.iterdir():
                if f.is_file() and f.name not in manifest["files"]:
                    f.unlink()
            for name in manifest["files"]:
                tmp = folder / f".{name}.restore"
                shutil.copy2(snap / name, tmp)
                os.replace(tmp, folder / name)
            done.append(
                f"vector segment {seg.id}: restored to its last complete save; "
                "Chroma replays the writes after it from its log"
            )
        return done
