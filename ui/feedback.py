"""Thumbs up/down and comments on answers, kept in SQLite so wrong answers can become eval questions.

`export_jsonl` writes one JSON object per line with the question, the answer, the rating, the
comment and the cited documents: add the expected sections by hand and the line is a gold question.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from assistant.audit_log import mask_personnummer

_SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created TEXT NOT NULL,
    user TEXT NOT NULL DEFAULT '',
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    rating INTEGER NOT NULL,      -- 1 helpful, -1 wrong or unhelpful, 0 comment only
    comment TEXT NOT NULL DEFAULT '',
    doc_ids TEXT NOT NULL DEFAULT '[]'
)
"""


@dataclass(frozen=True, slots=True)
class FeedbackEntry:
    id: int
    created: str  # ISO timestamp, UTC
    user: str
    question: str
    answer: str
    rating: int
    comment: str
    doc_ids: tuple[str, ...]


class FeedbackStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.execute(_SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        # One connection per call: Gradio runs handlers on worker threads.
        return sqlite3.connect(self.path, timeout=10)

    def add(
        self,
        question: str,
        answer_text: str,
        rating: int,
        comment: str = "",
        doc_ids: Sequence[str] = (),
        user: str = "",
    ) -> int:
        """Store one piece of feedback; returns its id. `rating`: 1 up, -1 down, 0 comment only."""
        if rating not in (-1, 0, 1):
            raise ValueError(f"rating must be -1, 0 or 1, not {rating!r}")
        created = datetime.now(UTC).isoformat(timespec="seconds")
        with self._lock, self._connect() as db:
            cursor = db.execute(
                "INSERT INTO feedback (created, user, question, answer, rating, comment, doc_ids)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    created,
                    user,
                    mask_personnummer(question),  # a personnummer has no place in an evaluation set
                    answer_text,
                    rating,
                    mask_personnummer(comment.strip()),
                    json.dumps(list(doc_ids)),
                ),
            )
            return int(cursor.lastrowid or 0)

    def all(self) -> list[FeedbackEntry]:
        with self._connect() as db:
            rows = db.execute(
                "SELECT id, created, user, question, answer, rating, comment, doc_ids"
                " FROM feedback ORDER BY id"
            ).fetchall()
        return [
            FeedbackEntry(
                id=row[0],
                created=row[1],
                user=row[2],
                question=row[3],
                answer=row[4],
                rating=row[5],
                comment=row[6],
                doc_ids=tuple(json.loads(row[7])),
            )
            for row in rows
        ]

    def export_jsonl(self, path: Path) -> int:
        """Write every entry as one JSON line; returns how many."""
        entries = self.all()
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", encoding="utf-8") as out:
            for entry in entries:
                record = asdict(entry)
                record["doc_ids"] = list(entry.doc_ids)
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
        return len(entries)
