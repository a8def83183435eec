"""Helper for tests/test_crash.py: an ingest to kill, and a fresh-process look at the index.

    python scripts/crash_ingest.py ingest [hrdocs ingest arguments...]
    python scripts/crash_ingest.py inspect

Both read the usual HRDOCS_* variables (HRDOCS_INDEX_DIR, HRDOCS_CACHE_DIR, HRDOCS_EMBEDDER,
HRDOCS_CHROMA_URL).

`ingest` imports the heavy modules and loads the embedding model first, prints "ready" on stdout
and then runs `hrdocs ingest ...` (ui.cli.main, with that embedder), so a test can aim its
SIGKILL at the embedding and writing phase instead of at the imports.

`inspect` prints one JSON object describing the index as a new reader sees it. It reads the
chunk collection with a raw Chroma client too, so the facts do not depend on the store's own
version filtering:

    check, leftovers, lexical   ChromaStore.check(), .leftovers(), LexicalIndex.check()
    registry                    doc_id -> {version, chunk_count, content_hash, source}
    current                     doc_id -> [{ordinal, text, start, end}] of the registry's version
    stale                       number of raw chunks of non-current versions or unknown documents
    violations                  passages that store.query() or Retriever.retrieve() returned
                                although they are not a current chunk (must be [])
    probes                      how many queries were made
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

_PAGE = 2000


def _ingest(argv: list[str]) -> int:
    import chromadb  # noqa: F401  (imported before "ready": the kill should land in the writes)
    import langchain_text_splitters  # noqa: F401

    import assistant.build
    import assistant.store
    import ingest.pipeline  # noqa: F401
    from assistant.config import Settings
    from ui.cli import main

    # Load the embedding model before "ready" too, and hand the CLI this same embedder: with the
    # real model, loading takes longer than the ingest itself and would soak up most kills.
    embedder = assistant.build.make_embedder(Settings.from_env())
    embedder.embed_query("ready")
    assistant.build.make_embedder = lambda settings, progress=None: embedder

    print("ready", flush=True)
    return main(["ingest", *argv])


def _raw_collection(settings):
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if settings.chroma_url:
        from urllib.parse import urlparse

        url = urlparse(settings.chroma_url)
        client = chromadb.HttpClient(host=url.hostname, port=url.port or 8000, settings=chroma_settings)
    else:
        client = chromadb.PersistentClient(path=str(settings.index_dir), settings=chroma_settings)
    return client.get_collection(settings.collection)


def _inspect() -> int:
    from assistant.build import make_embedder, make_store
    from assistant.config import Settings
    from assistant.lexical import LexicalIndex
    from assistant.retrieval import Retriever

    settings = Settings.from_env()
    store = make_store(settings)
    raw = _raw_collection(settings)
    registry = {
        d.meta.doc_id: {
            "version": d.version,
            "chunk_count": d.chunk_count,
            "content_hash": d.content_hash,
            "source": d.meta.source,
        }
        for d in store.documents()
    }
    records = []
    for offset in range(0, raw.count(), _PAGE):
        got = raw.get(include=["documents", "metadatas", "embeddings"], limit=_PAGE, offset=offset)
        records += zip(got["ids"], got["documents"], got["metadatas"], got["embeddings"], strict=True)
    current: dict[str, list[dict[str, object]]] = {d: [] for d in registry}
    by_key: dict[tuple[str, int], str] = {}
    stale_vectors = []
    current_vectors = []
    for _, text, md, vector in records:
        doc_id, version = str(md["doc_id"]), str(md["version"])
        if doc_id in registry and registry[doc_id]["version"] == version:
            current[doc_id].append(
                {"ordinal": int(md["ordinal"]), "text": text, "start": md["start"], "end": md["end"]}
            )
            by_key[(doc_id, int(md["ordinal"]))] = text
            current_vectors.append((text, list(vector)))
        else:
            stale_vectors.append((text, list(vector)))
    for chunks in current.values():
        chunks.sort(key=lambda c: c["ordinal"])

    violations = []
    rng = random.Random(0)
    probes = stale_vectors[:30] + rng.sample(current_vectors, min(10, len(current_vectors)))

    def judge(where: str, passage) -> None:
        key = (passage.chunk.doc_id, passage.chunk.ordinal)
        if by_key.get(key) != passage.chunk.text:
            violations.append(f"{where}: {key} is not a current chunk: {passage.chunk.text[:60]!r}")

    for _, vector in probes:
        for passage in store.query(vector, 10):
            judge("store.query", passage)
    if settings.embedder == "hashing":  # the full retriever (dense + lexical); cheap without a model
        retriever = Retriever(store, make_embedder(settings), cache_dir=settings.cache_dir)
        for text, _ in probes[:5]:
            for passage in retriever.retrieve(text, 10).passages:
                judge("retrieve", passage)
    print(
        json.dumps(
            {
                "check": store.check(),
                "leftovers": store.leftovers(),
                "lexical": LexicalIndex.check(store, settings.cache_dir),
                "registry": registry,
                "current": current,
                "stale": len(stale_vectors),
                "violations": violations,
                "probes": len(probes),
            },
            ensure_ascii=False,
        )
    )
    return 0


def main(argv: list[str]) -> int:
    if argv[:1] == ["ingest"]:
        return _ingest(argv[1:])
    if argv[:1] == ["inspect"]:
        return _inspect()
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
