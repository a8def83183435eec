"""Ingest: files -> text -> chunks -> vectors -> the store, incrementally and crash-safely.

Unchanged files (same content hash) are skipped before extraction, so re-ingesting an
unchanged corpus embeds nothing. Chunks of several documents share embedding batches, which
keeps the model busy on folders of small documents; each document is written to the store as
soon as its last chunk is embedded, in one crash-safe replace.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from assistant.config import Settings
from assistant.embedding import Embedder
from assistant.errors import CorpusError, LoadError
from assistant.store import ChromaStore
from assistant.types import Chunk, DocumentText, IndexedDocument

from .chunking import CHUNKER_VERSION, chunk_document, section_starts
from .loaders import SUPPORTED_SUFFIXES, extract
from .manifest import MANIFEST_NAME, document_meta, load_manifest, slugify

# The corpus folder's data files for the assistant, not documents.
_SKIPPED_NAMES = {MANIFEST_NAME, "glossary.toml", "lexicon.tsv", "vocabulary.tsv"}
EMBED_BATCH = 64  # chunks per model call, across documents


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    chunks_embedded: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)

    def to_json(self) -> dict[str, object]:
        return {
            "added": len(self.added),
            "updated": len(self.updated),
            "unchanged": len(self.unchanged),
            "removed": len(self.removed),
            "chunks_embedded": self.chunks_embedded,
            "failed": [{"path": p, "error": e} for p, e in self.failed],
        }


@dataclass(frozen=True, slots=True)
class Progress:
    files_done: int
    files_total: int
    chunks_embedded: int
    current: str  # the file being worked on


@dataclass(frozen=True, slots=True)
class IngestOptions:
    chunk_size: int = 600
    chunk_overlap: int = 100
    max_file_mb: float = 50.0
    file_timeout_s: float = 120.0
    access_group: str = ""  # for files without a manifest entry (e.g. uploads to a group)

    @classmethod
    def from_settings(cls, settings: Settings, access_group: str = "") -> IngestOptions:
        return cls(
            settings.chunk_size,
            settings.chunk_overlap,
            settings.max_file_mb,
            settings.file_timeout_s,
            access_group,
        )


@dataclass
class _Pending:
    doc: DocumentText
    chunks: list[Chunk]
    content_hash: str
    is_new: bool
    vectors: list[list[float]] = field(default_factory=list)


def discover(paths: Iterable[Path]) -> list[tuple[Path, Path]]:
    """(file, the folder whose manifest applies) for every candidate file under `paths`.

    Files of unsupported types are kept: they are reported as failed, not silently skipped.
    """
    found: list[tuple[Path, Path]] = []
    for path in paths:
        path = path.resolve()
        if path.is_file():
            found.append((path, path.parent))
        elif path.is_dir():
            for file in sorted(path.rglob("*")):
                rel = file.relative_to(path).parts
                if not file.is_file() or any(p.startswith(".") for p in rel):
                    continue
                if file.name in _SKIPPED_NAMES or file.stem.upper() == "README":
                    continue
                found.append((file, file.parent))
        else:
            raise CorpusError(f"{path}: no such file or folder")
    return found


def content_hash(data: bytes, entry: dict[str, str] | None, options: IngestOptions) -> str:
    """Changes when the bytes, the manifest entry or the way we chunk changes."""
    h = hashlib.sha256(data)
    recipe = {
        "entry": entry or {},
        "chunker": CHUNKER_VERSION,
        "size": options.chunk_size,
        "overlap": options.chunk_overlap,
        "group": options.access_group,
    }
    h.update(json.dumps(recipe, sort_keys=True, ensure_ascii=False).encode())
    return h.hexdigest()


def embedding_text(doc: DocumentText, chunk: Chunk) -> str:
    """What the model reads for a chunk: the document title and section give it context."""
    return (
        f"{doc.meta.title}\n{chunk.section_label}\n{chunk.text}"
        if chunk.section
        else f"{doc.meta.title}\n{chunk.text}"
    )


def ingest(
    paths: Sequence[Path],
    store: ChromaStore,
    embedder: Embedder,
    options: IngestOptions = IngestOptions(),
    *,
    prune: bool = True,
    on_progress: Callable[[Progress], None] | None = None,
) -> IngestReport:
    """Bring the index in line with the files under `paths`.

    With `prune`, documents whose source file lay under one of the folders and is gone are
    removed. A file that fails to load is reported and its indexed version (if any) kept.
    """
    report = IngestReport()
    files = discover(paths)
    manifests: dict[Path, dict[str, dict[str, str]]] = {}
    seen_ids: dict[str, Path] = {}
    queue: list[_Pending] = []
    max_bytes = int(options.max_file_mb * 1024 * 1024)

    def flush(final: bool) -> None:
        # Embed whole batches across documents; write each document once it is complete.
        while queue:
            todo = [(p, i) for p in queue for i in range(len(p.vectors), len(p.chunks))]
            if not todo or (len(todo) < EMBED_BATCH and not final):
                break
            batch = todo[:EMBED_BATCH]
            vectors = embedder.embed_passages([embedding_text(p.doc, p.chunks[i]) for p, i in batch])
            for (pending, _), vector in zip(batch, vectors, strict=False):
                pending.vectors.append(vector)
            report.chunks_embedded += len(batch)
            while queue and len(queue[0].vectors) == len(queue[0].chunks):
                done = queue.pop(0)
                store.replace_document(done.doc, done.chunks, done.vectors, done.content_hash)
                (report.added if done.is_new else report.updated).append(done.doc.meta.doc_id)

    with store.write_lock():
        store.sweep()  # finish what an interrupted ingest left behind
        indexed = store.documents()
        by_source = {doc.meta.source: doc for doc in indexed if doc.meta.source}
        by_id = {doc.meta.doc_id: doc for doc in indexed}
        taken = {doc.meta.doc_id: doc.meta.source for doc in indexed}  # doc_id -> its source file
        entries = []
        for path, folder in files:
            if folder not in manifests:
                manifests[folder] = load_manifest(folder)  # a broken manifest stops the ingest
            entries.append((path, manifests[folder].get(path.name)))
        for n, (path, entry) in enumerate(entries):
            if on_progress:
                on_progress(Progress(n, len(entries), report.chunks_embedded, path.name))
            # What this file produced last time, found without extracting it again.
            known = by_id.get(entry["doc_id"]) if entry and entry.get("doc_id") else by_source.get(str(path))
            try:
                pending = _prepare(path, entry, known, store, options, max_bytes, report, taken)
            except LoadError as exc:
                report.failed.append((str(path), exc.reason))
                continue
            if pending is None:
                continue
            doc_id = pending.doc.meta.doc_id
            if doc_id in seen_ids:
                if seen_ids[doc_id] != path:  # two manifest entries naming the same doc_id
                    report.failed.append(
                        (str(path), f"duplicate doc_id {doc_id!r} (also {seen_ids[doc_id].name})")
                    )
                continue  # the same file named twice on the command line
            seen_ids[doc_id] = path
            taken[doc_id] = str(path)
            queue.append(pending)
            flush(final=False)
        flush(final=True)
        if on_progress:
            on_progress(Progress(len(entries), len(entries), report.chunks_embedded, ""))
        if prune:
            report.removed = _prune(paths, files, store)
    return report


def _prepare(
    path: Path,
    entry: dict[str, str] | None,
    known: IndexedDocument | None,
    store: ChromaStore,
    options: IngestOptions,
    max_bytes: int,
    report: IngestReport,
    taken: dict[str, str],
) -> _Pending | None:
    if path.suffix.lower() not in SUPPORTED_SUFFIXES:
        raise LoadError(
            str(path),
            f"unsupported file type {path.suffix or '(none)'} (supported: {' '.join(SUPPORTED_SUFFIXES)})",
        )
    size = path.stat().st_size
    if size > max_bytes:
        raise LoadError(
            str(path),
            f"file is {size / 2**20:.1f} MB, over the {max_bytes / 2**20:.0f} MB limit (HRDOCS_MAX_FILE_MB)",
        )
    data = path.read_bytes()
    digest = content_hash(data, entry, options)
    if known is not None and known.content_hash == digest:
        report.unchanged.append(known.meta.doc_id)
        return None
    extracted = extract(path, max_bytes=max_bytes, timeout_s=options.file_timeout_s)
    meta = document_meta(path, extracted.text, extracted.title_hint, entry)
    if not (entry and entry.get("doc_id")):
        # An indexed file keeps its doc_id; a new one gets its file name's, qualified by its
        # folders when another file already has it (archives hold many a "protokoll.pdf").
        wanted = known.meta.doc_id if known is not None else meta.doc_id
        meta = replace(meta, doc_id=_unique_doc_id(path, wanted, taken))
    if options.access_group and not (entry or {}).get("access_group"):
        meta = replace(meta, access_group=options.access_group)
    doc = DocumentText(meta, extracted.text, extracted.page_starts, section_starts(extracted.text))
    chunks = chunk_document(doc, chunk_size=options.chunk_size, overlap=options.chunk_overlap)
    if not chunks:
        raise LoadError(str(path), "no text to index")
    previous = store.document(meta.doc_id)
    if previous is not None and previous.content_hash == digest:
        report.unchanged.append(meta.doc_id)
        return None
    return _Pending(doc, chunks, digest, is_new=previous is None)


def _unique_doc_id(path: Path, wanted: str, taken: dict[str, str]) -> str:
    """`wanted`, or the file name qualified by its folders so that no other file has it."""
    source = str(path)
    if taken.get(wanted, source) == source:
        return wanted
    folders = [f for f in path.parent.parts if f != path.anchor]
    for depth in (2, 3, 4, 1):  # two folders say most: "socialnamnden/2026-05-18"
        candidate = slugify("-".join([*folders[-depth:], path.stem]))
        if len(candidate) < 80 and taken.get(candidate, source) == source:
            return candidate
    return f"{wanted[:60]}-{hashlib.sha256(source.encode()).hexdigest()[:10]}"


def _prune(paths: Sequence[Path], files: list[tuple[Path, Path]], store: ChromaStore) -> list[str]:
    folders = [p.resolve() for p in paths if p.is_dir()]
    present = {str(f) for f, _ in files}
    removed = []
    for doc in store.documents():
        source = Path(doc.meta.source) if doc.meta.source else None
        if source is None or str(source) in present:
            continue
        if any(source.is_relative_to(folder) for folder in folders) and not source.exists():
            store.remove_document(doc.meta.doc_id)
            removed.append(doc.meta.doc_id)
    return removed
