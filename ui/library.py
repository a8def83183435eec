"""The document library's actions: list, upload (checked, sanitised, stored, ingested) and remove.

Uploads are untrusted: only the supported types, at most settings.max_file_mb, and the stored file
name is rebuilt from safe characters so no name can leave settings.upload_dir. The upload folder
is never served by the web app (serve.py blocks it); "show in context" reads the cleaned text
from the index instead.
"""

from __future__ import annotations

import re
import shutil
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath, PureWindowsPath

from assistant.config import Settings
from assistant.errors import AccessDeniedError

from .auth import User
from .i18n import t

MAX_NAME = 120
_UNSAFE = re.compile(r"[^\w.\- ]+")
_RESERVED = re.compile(r"^(con|prn|aux|nul|com\d|lpt\d)(\..*)?$", re.I)

Progress = Callable[[float, str], None]


def sanitize_filename(name: str) -> str:
    """A safe file name from an uploaded one: no folders, no "..", no control or shell characters.

    Letters of any script are kept (Swedish names stay readable); the suffix is lower-cased.
    """
    base = PureWindowsPath(PurePosixPath(name.replace("\x00", "")).name).name  # both separators
    base = unicodedata.normalize("NFC", base)
    base = _UNSAFE.sub("_", base)
    base = re.sub(r"\s+", " ", base).strip(" .")  # no hidden files, no trailing dots
    base = re.sub(r"_+", "_", base)
    stem, dot, suffix = base.rpartition(".")
    if not dot:
        stem, suffix = base, ""
    stem = stem.strip(" ._") or "upload"
    if _RESERVED.match(stem):
        stem = f"upload_{stem}"
    suffix = suffix.lower()[:10]
    stem = stem[: MAX_NAME - len(suffix) - 1]
    return f"{stem}.{suffix}" if suffix else stem


def stored_path(upload_dir: Path, name: str) -> Path:
    """Where an upload called `name` is kept; always directly inside `upload_dir`."""
    folder = upload_dir.resolve()
    target = (folder / sanitize_filename(name)).resolve()
    if target.parent != folder:  # cannot happen after sanitising; checked because it must not
        raise AccessDeniedError(f"refused file name {name!r}")
    return target


def check_upload(path: Path, display_name: str, settings: Settings, lang: str) -> str | None:
    """Why an uploaded file is refused, or None when it may be ingested."""
    from ingest.loaders import SUPPORTED_SUFFIXES

    suffix = Path(display_name).suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        allowed = ", ".join(s.lstrip(".").upper() for s in SUPPORTED_SUFFIXES)
        return t(lang, "upload_bad_type", suffix=suffix or "(–)", allowed=allowed)
    size = path.stat().st_size
    if size > settings.max_file_mb * 1024 * 1024:
        return t(lang, "upload_too_big", size=size / 2**20, limit=settings.max_file_mb)
    if size == 0:
        return t(lang, "upload_empty")
    return None


@dataclass
class UploadOutcome:
    lines: list[str] = field(default_factory=list)  # one per file, in the order given
    doc_ids: list[str] = field(default_factory=list)  # added or updated


def require_admin(user: User, lang: str) -> None:
    if not user.is_admin:
        raise AccessDeniedError(t(lang, "denied_admin"))


def upload_documents(
    files: Sequence[Path],
    *,
    user: User,
    settings: Settings,
    store,  # type: ignore[no-untyped-def]
    embedder,  # type: ignore[no-untyped-def]
    lang: str,
    access_group: str = "",
    progress: Progress | None = None,
) -> UploadOutcome:
    """Check, store and ingest uploaded files; every file gets a line saying what happened.

    Raises:
        AccessDeniedError: the user is not an administrator.
    """
    from ingest.pipeline import IngestOptions, ingest
    from ingest.pipeline import Progress as IngestProgress

    require_admin(user, lang)
    outcome = UploadOutcome()
    if not files:
        outcome.lines.append(t(lang, "upload_none"))
        return outcome
    settings.upload_dir.mkdir(parents=True, exist_ok=True)
    accepted: list[tuple[str, Path, bool]] = []  # (shown name, stored path, existed before)
    lines: dict[int, str] = {}
    for n, source in enumerate(files):
        source = Path(source)
        name = sanitize_filename(source.name)
        if progress:
            progress(0.05 * n / len(files), t(lang, "upload_saving", name=name))
        reason = check_upload(source, name, settings, lang)
        if reason:
            lines[n] = t(lang, "upload_failed", name=name, reason=reason)
            continue
        target = stored_path(settings.upload_dir, name)
        existed = target.exists()
        shutil.copyfile(source, target)
        accepted.append((name, target, existed))
        lines[n] = ""  # filled in after ingest
    if accepted:

        def on_progress(p: IngestProgress) -> None:
            if progress and p.files_total:
                current = p.current or accepted[-1][0]
                progress(0.05 + 0.95 * p.files_done / p.files_total, t(lang, "upload_indexing", name=current))

        options = IngestOptions.from_settings(settings, access_group=access_group.strip())
        report = ingest(
            [p for _, p, _ in accepted], store, embedder, options, prune=False, on_progress=on_progress
        )
        failed = {Path(path).resolve(): reason for path, reason in report.failed}
        by_source = {d.meta.source: d.meta.doc_id for d in store.documents()}
        results = iter(accepted)
        for n in sorted(k for k, v in lines.items() if v == ""):
            name, target, existed = next(results)
            if target in failed:
                lines[n] = t(lang, "upload_failed", name=name, reason=failed[target])
                if not existed:
                    target.unlink(missing_ok=True)
                continue
            doc_id = by_source.get(str(target), "?")
            key = (
                "upload_ok_added"
                if doc_id in report.added
                else ("upload_ok_updated" if doc_id in report.updated else "upload_ok_unchanged")
            )
            lines[n] = t(lang, key, name=name, doc_id=doc_id)
            if doc_id in report.added or doc_id in report.updated:
                outcome.doc_ids.append(doc_id)
    if progress:
        progress(1.0, t(lang, "upload_done"))
    outcome.lines = [lines[n] for n in sorted(lines)]
    return outcome


def remove_document(doc_id: str, *, user: User, settings: Settings, store, lang: str) -> str:  # type: ignore[no-untyped-def]
    """Remove a document from the index (and its uploaded file); returns what happened.

    Raises:
        AccessDeniedError: the user is not an administrator.
    """
    require_admin(user, lang)
    if not doc_id:
        return t(lang, "remove_none")
    indexed = store.document(doc_id)
    if indexed is None or not store.remove_document(doc_id):
        return t(lang, "remove_missing", doc_id=doc_id)
    source = Path(indexed.meta.source) if indexed.meta.source else None
    uploads = settings.upload_dir.resolve()
    if source is not None and source.resolve().parent == uploads:
        source.unlink(missing_ok=True)
        return t(lang, "remove_done", doc_id=doc_id)
    if source is not None and source.exists():
        return t(lang, "remove_done_corpus", doc_id=doc_id)
    return t(lang, "remove_done", doc_id=doc_id)


def document_rows(docs: Sequence, lang: str) -> dict[str, list]:  # type: ignore[type-arg]
    """The library table (Gradio Dataframe value) for IndexedDocuments."""
    headers = [
        t(lang, k)
        for k in (
            "col_title",
            "col_doc_id",
            "col_municipality",
            "col_type",
            "col_date",
            "col_author",
            "col_group",
            "col_chunks",
        )
    ]
    data = [
        [
            d.meta.title,
            d.meta.doc_id,
            d.meta.municipality,
            d.meta.doc_type,
            d.meta.date,
            d.meta.author,
            d.meta.access_group,
            d.chunk_count,
        ]
        for d in docs
    ]
    return {"headers": headers, "data": data}
