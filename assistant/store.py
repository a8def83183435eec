"""The index: Chroma, embedded on disk or as a server. The only module that imports chromadb.

Two collections:

- `<name>` holds one record per chunk, with our own vectors (never Chroma's default embedding
  function, which would download a model) in a cosine space. Chunk ids carry the document's
  version: `<doc_id>@<version>#<ordinal>`.
- `<name>_docs` is the registry: one record per document with its metadata, content hash,
  current version, chunk count and cleaned text (for "show in context" and for the tracker).

Replacing a document is crash-safe without transactions: (1) add the new version's chunks,
(2) upsert the registry record, which flips the document to the new version in one write,
(3) delete the chunks of every other version. Queries only return chunks whose version is the
registry's current one, so a process killed between any two steps leaves each document wholly
old or wholly new; `repair()` (and the next ingest) sweeps up the leftovers.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from .errors import AssistantError, IndexMismatchError
from .types import Chunk, DocumentMeta, DocumentText, Filters, IndexedDocument, Passage
from .vector_guard import VectorGuard

log = logging.getLogger(__name__)

_EF_SEARCH = 400  # HNSW search breadth: see ChromaStore._open_collections
_PAGE = 5000  # records per get() page: Chroma's SQLite limits variables per statement
_REGISTRY_TTL_S = 2.0  # another process (an ingest) may change the registry under a server


class ChromaStore:
    def __init__(
        self,
        *,
        embedder_id: str,
        index_dir: Path | None = None,
        chroma_url: str = "",
        collection: str = "hr_docs",
        lock_dir: Path | None = None,
        check_embedder: bool = True,
    ) -> None:
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        if not chroma_url and index_dir is None:
            raise AssistantError("The store needs an index directory or HRDOCS_CHROMA_URL")
        chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
        if chroma_url:
            url = urlparse(chroma_url)
            if not url.hostname:
                raise AssistantError(f"HRDOCS_CHROMA_URL={chroma_url!r} is not a URL like http://host:8000")
            try:
                self._client = chromadb.HttpClient(
                    host=url.hostname,
                    port=url.port or (443 if url.scheme == "https" else 8000),
                    ssl=url.scheme == "https",
                    settings=chroma_settings,
                )
                self._client.heartbeat()
            except Exception as exc:
                raise AssistantError(f"Cannot reach the Chroma server at {chroma_url}: {exc}") from exc
            self.location = chroma_url
            key = hashlib.sha1(chroma_url.encode()).hexdigest()[:12]
            self._lock_path = (lock_dir or Path.home() / ".cache" / "hrdocs") / f"chroma-{key}.lock"
            self._guard: VectorGuard | None = None
        else:
            assert index_dir is not None
            index_dir.mkdir(parents=True, exist_ok=True)
            self._lock_path = index_dir / ".write.lock"
            # Before Chroma loads anything: put back vector files a killed flush left half written.
            self._guard = VectorGuard(index_dir, self._lock_path)
            for done in self._guard.recover():
                log.warning("Index at %s: %s", index_dir, done)
            self._client = chromadb.PersistentClient(path=str(index_dir), settings=chroma_settings)
            self.location = str(index_dir)
        self.embedder_id = embedder_id
        self._name = self.name = collection
        self._open_collections()
        built_with = (self._chunks.metadata or {}).get("hrdocs_embedder")
        if check_embedder and built_with and built_with != embedder_id and self._registry.count():
            raise IndexMismatchError(
                f"The index at {self.location} was built with the embedder {built_with!r}, but "
                f"{embedder_id!r} is configured. Run `hrdocs ingest --rebuild` to rebuild it with "
                f"{embedder_id!r}, or set HRDOCS_EMBEDDER/HRDOCS_EMBEDDING_MODEL back to {built_with!r}."
            )
        self._thread_lock = threading.RLock()
        self._lock_depth = 0
        self._registry_cache: dict[str, dict[str, Any]] | None = None
        self._registry_read_at = 0.0

    # -- writing ---------------------------------------------------------------------------

    @contextmanager
    def write_lock(self) -> Iterator[None]:
        """Serialise writers: threads of this process and other processes on the same index.

        Re-entrant within a thread, so an ingest can hold it across many documents.
        """
        with self._thread_lock:
            if self._lock_depth:
                self._lock_depth += 1
                try:
                    yield
                finally:
                    self._lock_depth -= 1
                return
            self._lock_path.parent.mkdir(parents=True, exist_ok=True)
            with open(self._lock_path, "a") as handle:
                fcntl.flock(handle, fcntl.LOCK_EX)
                self._lock_depth = 1
                try:
                    yield
                finally:
                    self._lock_depth = 0
                    fcntl.flock(handle, fcntl.LOCK_UN)

    def replace_document(
        self,
        doc: DocumentText,
        chunks: Sequence[Chunk],
        vectors: Sequence[Sequence[float]],
        content_hash: str,
    ) -> IndexedDocument:
        """Make `chunks` the document's content, crash-safely (see the module docstring)."""
        if len(chunks) != len(vectors):
            raise ValueError("one vector per chunk")
        version = content_hash[:12]
        meta = doc.meta
        with self.write_lock():
            ids = [f"{meta.doc_id}@{version}#{c.ordinal:04d}" for c in chunks]
            for lo in range(0, len(ids), _PAGE):
                hi = lo + _PAGE
                self._chunks.upsert(
                    ids=ids[lo:hi],
                    embeddings=[list(v) for v in vectors[lo:hi]],
                    documents=[c.text for c in chunks[lo:hi]],
                    metadatas=[_chunk_metadata(c, meta, version) for c in chunks[lo:hi]],
                )
                self._saved()
            record = _registry_metadata(doc, content_hash, version, len(chunks))
            self._registry.upsert(
                ids=[meta.doc_id], embeddings=[[1.0]], documents=[doc.text], metadatas=[record]
            )
            self._saved()
            self._chunks.delete(where={"$and": [{"doc_id": meta.doc_id}, {"version": {"$ne": version}}]})
            self._saved()
            self._registry_cache = None
        return IndexedDocument(meta, content_hash, len(chunks), version)

    def _saved(self) -> None:
        """After each write: copy the vector files Chroma just flushed, if it did (vector_guard)."""
        if self._guard is not None:
            self._guard.snapshot()

    def remove_document(self, doc_id: str) -> bool:
        with self.write_lock():
            found = bool(self._registry.get(ids=[doc_id], include=[])["ids"])
            if found:
                self._registry.delete(ids=[doc_id])  # the document disappears here, in one write
                self._saved()
            self._chunks.delete(where={"doc_id": doc_id})
            self._saved()
            self._registry_cache = None
        return found

    def clear(self) -> None:
        """Drop everything, e.g. to rebuild with another embedder."""
        with self.write_lock():
            for name in (self._name, f"{self._name}_docs"):
                with suppress(Exception):
                    self._client.delete_collection(name)
            self._open_collections()
            self._saved()
            self._registry_cache = None

    def _open_collections(self) -> None:
        self._chunks = self._client.get_or_create_collection(
            self._name,
            metadata={"hnsw:space": "cosine", "hrdocs_embedder": self.embedder_id},
            embedding_function=None,
        )
        self._registry = self._client.get_or_create_collection(
            f"{self._name}_docs", metadata={"hnsw:space": "cosine"}, embedding_function=None
        )
        # Chroma rebuilds the part of its HNSW graph it has not yet saved (up to 1,000 vectors)
        # at each start, with several threads, so the graph differs from one process to the
        # next. At its default breadth (ef_search 100) one gold question's query missed a passage
        # of the true top 40 in 4 of 30 starts, and got another answer; at 400 it found the true
        # top 40 in 30 of 30.
        hnsw = (getattr(self._chunks, "configuration_json", None) or {}).get("hnsw") or {}
        if hnsw.get("ef_search", _EF_SEARCH) < _EF_SEARCH:
            with suppress(Exception):  # a server too old to change it searches as before
                self._chunks.modify(configuration={"hnsw": {"ef_search": _EF_SEARCH}})

    # -- reading ---------------------------------------------------------------------------

    def _records(self) -> dict[str, dict[str, Any]]:
        now = time.monotonic()
        if self._registry_cache is None or now - self._registry_read_at > _REGISTRY_TTL_S:
            got = self._registry.get(include=["metadatas"])
            self._registry_cache = {
                i: dict(m or {}) for i, m in zip(got["ids"], got["metadatas"] or [], strict=False)
            }
            self._registry_read_at = now
        return self._registry_cache

    def documents(self) -> list[IndexedDocument]:
        docs = [_indexed(doc_id, rec) for doc_id, rec in self._records().items()]
        return sorted(docs, key=lambda d: d.meta.doc_id)

    def document(self, doc_id: str) -> IndexedDocument | None:
        rec = self._records().get(doc_id)
        return _indexed(doc_id, rec) if rec else None

    def meta(self, doc_id: str) -> DocumentMeta | None:
        rec = self._records().get(doc_id)
        return _meta(doc_id, rec) if rec else None

    def document_text(self, doc_id: str) -> DocumentText | None:
        got = self._registry.get(ids=[doc_id], include=["metadatas", "documents"])
        if not got["ids"]:
            return None
        rec = dict((got["metadatas"] or [{}])[0] or {})
        return DocumentText(
            meta=_meta(doc_id, rec),
            text=(got["documents"] or [""])[0] or "",
            page_starts=tuple(json.loads(str(rec.get("page_starts", "[]")))),
            sections=tuple((int(s), str(n)) for s, n in json.loads(str(rec.get("sections", "[]")))),
        )

    def fingerprint(self) -> str:
        """Changes whenever any document is added, replaced or removed (keys the lexical cache)."""
        self._registry_cache = None
        versions = sorted(f"{d}@{r.get('version')}" for d, r in self._records().items())
        return hashlib.sha1("\n".join([self.embedder_id, *versions]).encode()).hexdigest()[:16]

    def chunk_count(self) -> int:
        return self._chunks.count()

    def iter_chunks(self) -> Iterator[Chunk]:
        """Every current chunk (for the lexical index), in document and ordinal order per page."""
        records = self._records()
        for offset in range(0, self._chunks.count(), _PAGE):
            got = self._chunks.get(include=["documents", "metadatas"], limit=_PAGE, offset=offset)
            for text, md in zip(got["documents"] or [], got["metadatas"] or [], strict=False):
                rec = records.get(str(md.get("doc_id")))
                if rec is not None and rec.get("version") == md.get("version"):
                    yield _chunk(text or "", md)

    def query(self, vector: Sequence[float], k: int, filters: Filters | None = None) -> list[Passage]:
        """The k chunks nearest `vector` among those `filters` admit, best first."""
        records = self._records()
        if not records:
            return []
        where = _where(filters or Filters())
        # Over-fetch a little: chunks of a version being replaced right now are dropped below.
        # (Chroma returns fewer when the collection holds fewer; no count() call, which costs
        # as much as the query.)
        n = k + 16
        got = self._chunks.query(
            query_embeddings=[list(vector)],
            n_results=n,
            where=where,
            include=["documents", "metadatas", "distances"],
        )
        passages = []
        for text, md, dist in zip(
            got["documents"][0], got["metadatas"][0], got["distances"][0], strict=False
        ):  # type: ignore[index]
            rec = records.get(str(md.get("doc_id")))
            if rec is None or rec.get("version") != md.get("version"):
                continue
            similarity = 1.0 - float(dist)
            passages.append(
                Passage(_chunk(text or "", md), _meta(str(md["doc_id"]), rec), similarity, dense=similarity)
            )
        return passages[:k]

    def chunks_by_ids(self, keys: Sequence[tuple[str, int]]) -> list[Passage]:
        """Current chunks by (doc_id, ordinal), in the order asked; missing ones are skipped."""
        records = self._records()
        ids = [f"{d}@{records[d]['version']}#{o:04d}" for d, o in keys if d in records]
        if not ids:
            return []
        got = self._chunks.get(ids=ids, include=["documents", "metadatas"])
        by_id = {
            i: (t, m)
            for i, t, m in zip(got["ids"], got["documents"] or [], got["metadatas"] or [], strict=False)
        }
        out = []
        for chunk_key in ids:
            if chunk_key in by_id:
                text, md = by_id[chunk_key]
                out.append(
                    Passage(_chunk(text or "", md), _meta(str(md["doc_id"]), records[str(md["doc_id"])]), 0.0)
                )
        return out

    # -- consistency -----------------------------------------------------------------------

    def _version_counts(self) -> dict[tuple[str, str], int]:
        counts: dict[tuple[str, str], int] = {}
        for offset in range(0, self._chunks.count(), _PAGE):
            got = self._chunks.get(include=["metadatas"], limit=_PAGE, offset=offset)
            for md in got["metadatas"] or []:
                key = (str(md.get("doc_id")), str(md.get("version")))
                counts[key] = counts.get(key, 0) + 1
        return counts

    def check(self) -> list[str]:
        """What a reader would see wrong, one line per problem; [] when consistent.

        A document is wrong when its current version does not have exactly the chunks the
        registry promises. Leftovers of an interrupted write are not problems (queries never
        see them); `leftovers()` lists them.
        """
        self._registry_cache = None
        counts = self._version_counts()
        problems = []
        for doc_id, rec in sorted(self._records().items()):
            have = counts.get((doc_id, str(rec.get("version"))), 0)
            if have != int(rec.get("chunk_count", -1)):
                problems.append(
                    f"{doc_id}: {have} chunks indexed, the registry expects {rec.get('chunk_count')}"
                )
        return problems

    def leftovers(self) -> list[str]:
        """Chunks no query returns: of a removed document or of a version not (or no longer) current."""
        self._registry_cache = None
        records = self._records()
        found = []
        for (doc_id, version), n in sorted(self._version_counts().items()):
            rec = records.get(doc_id)
            if rec is None:
                found.append(f"{doc_id}: {n} orphan chunks of a document not in the registry")
            elif rec.get("version") != version:
                found.append(f"{doc_id}: {n} chunks of a stale version {version}")
        return found

    def sweep(self) -> int:
        """Delete leftovers of interrupted writes; returns how many (doc, version) groups went."""
        with self.write_lock():
            self._registry_cache = None
            records = self._records()
            gone = 0
            for (doc_id, version), _ in self._version_counts().items():
                rec = records.get(doc_id)
                if rec is None:
                    self._chunks.delete(where={"doc_id": doc_id})
                elif rec.get("version") != version:
                    self._chunks.delete(where={"$and": [{"doc_id": doc_id}, {"version": version}]})
                else:
                    continue
                self._saved()
                gone += 1
            return gone

    def repair(self) -> list[str]:
        """Sweep leftovers and drop documents whose chunks are incomplete.

        A dropped document is re-ingested by the next `hrdocs ingest` (it is no longer indexed).
        """
        with self.write_lock():
            found = self.leftovers() + self.check()
            self.sweep()
            for problem in self.check():
                doc_id = problem.split(":", 1)[0]
                self._registry.delete(ids=[doc_id])
                self._chunks.delete(where={"doc_id": doc_id})
                self._saved()
            self._registry_cache = None
        return found


# -- mapping between our types and Chroma's metadata ------------------------------------------


def _chunk_metadata(c: Chunk, meta: DocumentMeta, version: str) -> dict[str, Any]:
    # Document fields are denormalised onto every chunk so that filters run inside the store
    # query: a passage a user may not see never leaves Chroma.
    return {
        "doc_id": meta.doc_id,
        "version": version,
        "ordinal": c.ordinal,
        "section": c.section,
        "section_path": json.dumps(list(c.section_path), ensure_ascii=False),
        "page": c.page or 0,
        "page_end": c.page_end or 0,
        "start": c.start,
        "end": c.end,
        "municipality": meta.municipality,
        "doc_type": meta.doc_type,
        "year": meta.year if meta.year is not None else -1,
        "access_group": meta.access_group,
    }


def _chunk(text: str, md: Any) -> Chunk:
    return Chunk(
        doc_id=str(md["doc_id"]),
        ordinal=int(md["ordinal"]),
        text=text,
        section=str(md.get("section", "")),
        section_path=tuple(json.loads(str(md.get("section_path", "[]")))),
        page=int(md.get("page", 0)) or None,
        page_end=int(md.get("page_end", 0)) or None,
        start=int(md.get("start", 0)),
        end=int(md.get("end", 0)),
    )


def _registry_metadata(
    doc: DocumentText, content_hash: str, version: str, chunk_count: int
) -> dict[str, Any]:
    m = doc.meta
    return {
        "title": m.title,
        "municipality": m.municipality,
        "doc_type": m.doc_type,
        "date": m.date,
        "author": m.author,
        "source": m.source,
        "access_group": m.access_group,
        "content_hash": content_hash,
        "version": version,
        "chunk_count": chunk_count,
        "page_starts": json.dumps(list(doc.page_starts)),
        "sections": json.dumps([list(s) for s in doc.sections], ensure_ascii=False),
        "indexed_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
    }


def _meta(doc_id: str, rec: dict[str, Any]) -> DocumentMeta:
    return DocumentMeta(
        doc_id=doc_id,
        title=str(rec.get("title", doc_id)),
        municipality=str(rec.get("municipality", "")),
        doc_type=str(rec.get("doc_type", "")),
        date=str(rec.get("date", "")),
        author=str(rec.get("author", "")),
        source=str(rec.get("source", "")),
        access_group=str(rec.get("access_group", "")),
    )


def _indexed(doc_id: str, rec: dict[str, Any]) -> IndexedDocument:
    return IndexedDocument(
        meta=_meta(doc_id, rec),
        content_hash=str(rec.get("content_hash", "")),
        chunk_count=int(rec.get("chunk_count", 0)),
        version=str(rec.get("version", "")),
    )


def _where(filters: Filters) -> dict[str, Any] | None:
    clauses: list[dict[str, Any]] = []
    if filters.municipalities:
        clauses.append({"municipality": {"$in": list(filters.municipalities)}})
    if filters.doc_ids:
        clauses.append({"doc_id": {"$in": list(filters.doc_ids)}})
    if filters.doc_types:
        clauses.append({"doc_type": {"$in": list(filters.doc_types)}})
    if filters.year_from is not None:
        clauses.append({"year": {"$gte": filters.year_from}})
    if filters.year_to is not None:
        clauses.append({"year": {"$lte": filters.year_to}})
        clauses.append({"year": {"$gte": 0}})  # unknown years (-1) are outside any range
    if filters.groups is not None:
        clauses.append({"access_group": {"$in": ["", *filters.groups]}})
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}
