"""The audit log: who asked what, and which documents the answer cited (opt-in, HRDOCS_AUDIT_LOG).

One JSON object per line:

    {"time": "2024-05-02T09:14:03+00:00", "user": "anna", "question": "...", "doc_ids": ["..."]}

Questions are stored with Swedish personal identity numbers masked, because people paste them
into questions ("Har 19811218-9876 rätt till ...?") and the log must not become a register of
them. Entries older than the retention period are removed: `prune()` rewrites the file
atomically, and `record()` calls it by itself at most once a day.

Several threads and processes (the app and a CLI) may write at once: every write and every
rewrite happens under an fcntl lock on a sidecar file `<log>.lock`. The lock is not on the log
itself because a rewrite replaces the log's inode, and a writer holding the old one would append
to a file that no longer has a name.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from .types import Answer

PRUNE_EVERY = timedelta(days=1)
MASK = "[personnummer]"

# 10 or 12 digits: (YY)YYMMDD, an optional separator ("-", "+" for people over 100, an en dash
# as word processors write it, or a space), then four digits. Never part of a longer digit run.
_CANDIDATE = re.compile(r"(?<![\d])(\d{2})?(\d{6})([-–+ ]?)(\d{4})(?![\d])")


def luhn_ok(digits: str) -> bool:
    """The Luhn check used for the last digit of a personal identity number (on its 10 digits)."""
    total = 0
    for i, ch in enumerate(digits):
        n = int(ch) * (2 if i % 2 == 0 else 1)
        total += n - 9 if n > 9 else n
    return total % 10 == 0


def _is_personnummer(century: str | None, date: str, last4: str) -> bool:
    if century is not None and century not in ("18", "19", "20"):
        return False
    month, day = int(date[2:4]), int(date[4:6])
    # Coordination numbers (samordningsnummer) add 60 to the day; they identify people too.
    if not 1 <= month <= 12 or not (1 <= day <= 31 or 61 <= day <= 91):
        return False
    return luhn_ok(date + last4)


def mask_personnummer(text: str) -> str:
    """`text` with every valid Swedish personal identity number replaced by "[personnummer]".

    Accepts YYYYMMDD-XXXX, YYMMDD-XXXX, YYMMDD+XXXX, with or without the separator. A number is
    masked only when its date part is plausible and its Luhn check digit is right, so dates
    ("2021-03-05"), paragraph numbers ("§ 124") and amounts are left alone.
    """

    def replace(m: re.Match[str]) -> str:
        century, date, _, last4 = m.groups()
        return MASK if _is_personnummer(century, date, last4) else m.group(0)

    return _CANDIDATE.sub(replace, text)


def cited_doc_ids(answer: Answer) -> list[str]:
    """The documents an answer cites, once each in citation order (not the related passages)."""
    return list(dict.fromkeys(c.doc_id for c in answer.citations))


class AuditLog:
    """Append-only JSONL log of questions, with masking and retention.

    Args:
        path: the log file; its folder is created when needed.
        retention_days: entries older than this are removed (at least 1).
        clock: returns the current time (UTC); tests pass their own.
    """

    def __init__(
        self,
        path: Path,
        retention_days: int = 90,
        *,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        if retention_days < 1:
            raise ValueError("retention_days must be at least 1")
        self.path = Path(path)
        self.retention = timedelta(days=retention_days)
        self._clock = clock or (lambda: datetime.now(UTC))
        self._lock_path = self.path.with_name(self.path.name + ".lock")
        self._stamp_path = self.path.with_name(self.path.name + ".pruned")
        self._thread_lock = threading.Lock()  # flock is per open file; threads also need this
        self._last_prune: datetime | None = None

    @contextmanager
    def _locked(self) -> Iterator[None]:
        with self._thread_lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with open(self._lock_path, "a") as handle:
                fcntl.flock(handle, fcntl.LOCK_EX)
                try:
                    yield
                finally:
                    fcntl.flock(handle, fcntl.LOCK_UN)

    def record(self, user: str, question: str, doc_ids: Sequence[str]) -> None:
        """Append one entry; prunes first when the last prune was a day ago or more."""
        now = _utc(self._clock())
        entry = {
            "time": now.isoformat(timespec="seconds"),
            "user": user,
            "question": mask_personnummer(question),
            "doc_ids": list(doc_ids),
        }
        line = (json.dumps(entry, ensure_ascii=False) + "\n").encode("utf-8")
        with self._locked():
            if self._prune_due(now):
                self._prune_locked(now)
            with os.fdopen(os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600), "a+b") as f:
                # A writer killed mid-line leaves a torn last line: start on a fresh line.
                if f.seek(0, os.SEEK_END) > 0:
                    f.seek(-1, os.SEEK_END)
                    if f.read(1) != b"\n":
                        line = b"\n" + line
                f.write(line)  # one write while holding the lock: lines never interleave
                f.flush()

    def record_answer(self, user: str, answer: Answer) -> None:
        """Record a question with the documents its answer cited (and no others)."""
        self.record(user, answer.question, cited_doc_ids(answer))

    def entries(self) -> list[dict[str, object]]:
        """Every readable entry, oldest first (for tests and for an administrator's export)."""
        with self._locked():
            return [e for e in (_parse(line) for line in self._lines()) if e is not None]

    def prune(self, now: datetime | None = None) -> int:
        """Remove entries older than the retention period; returns how many went.

        Lines that are not entries (a torn write) cannot be dated and go too: kept, they would
        outlive any retention period.
        """
        now = _utc(now or self._clock())
        with self._locked():
            return self._prune_locked(now)

    def _prune_due(self, now: datetime) -> bool:
        if self._last_prune is None:
            try:
                self._last_prune = _utc(datetime.fromisoformat(self._stamp_path.read_text().strip()))
            except (OSError, ValueError):
                return True
        return now - self._last_prune >= PRUNE_EVERY or now < self._last_prune

    def _prune_locked(self, now: datetime) -> int:
        cutoff = now - self.retention
        kept: list[str] = []
        removed = 0
        for line in self._lines():
            entry = _parse(line)
            when = _time(entry)
            if when is None or when < cutoff:
                removed += 1
            else:
                kept.append(line)
        if removed:
            tmp = self.path.with_name(self.path.name + ".tmp")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # questions are personal data
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.writelines(line + "\n" for line in kept)
                f.flush()
                os.fsync(f.fileno())
            tmp.replace(self.path)  # atomic: a reader sees the old log or the whole new one
        self._stamp_path.write_text(now.isoformat())
        self._last_prune = now
        return removed

    def _lines(self) -> list[str]:
        try:
            text = self.path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return []
        return [line for line in text.split("\n") if line.strip()]


def _utc(when: datetime) -> datetime:
    return when.astimezone(UTC) if when.tzinfo else when.replace(tzinfo=UTC)


def _parse(line: str) -> dict[str, object] | None:
    try:
        entry = json.loads(line)
    except json.JSONDecodeError:
        return None
    return entry if isinstance(entry, dict) else None


def _time(entry: dict[str, object] | None) -> datetime | None:
    if entry is None or not isinstance(entry.get("time"), str):
        return None
    try:
        when = datetime.fromisoformat(str(entry["time"]))
    except ValueError:
        return None
    return _utc(when)
