"""The systems ours is compared with, each reduced to "question -> ranked Hits".

- `LangChainRag`: the plain LangChain recipe. `RecursiveCharacterTextSplitter(1000, 200)` over the
  raw extracted text (no sections, no titles), `langchain_chroma.Chroma` in a temporary folder,
  `similarity_search`. It has no history handling, never abstains and has no sections, so only
  the gold quotes can match its chunks.
- `RetrieverBaseline`: our own index and retriever with one signal only (dense e5, or Swedish
  BM25), no glossary expansion and no abstention.

All of them use the same embedding model object as our pipeline, so e5's query/passage prefixes
and the weights are identical; only retrieval differs.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.embedding import Embedder
from assistant.glossary import Glossary
from assistant.retrieval import Retriever
from assistant.store import ChromaStore
from assistant.types import Passage, Turn

from .metrics import Hit
from .validate_gold import corpus_files

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings

_MAX_DOC_BYTES = 512 * 2**20


def passage_hit(p: Passage) -> Hit:
    return Hit(p.chunk.doc_id, p.chunk.section_path, p.chunk.text)


def embeddings_adapter(embedder: Embedder) -> Embeddings:
    """Our embedder as a LangChain `Embeddings`: documents get the passage prefix, queries the query one."""
    from langchain_core.embeddings import Embeddings

    class _Adapter(Embeddings):
        def embed_documents(self, texts: list[str]) -> list[list[float]]:
            return embedder.embed_passages(texts)

        def embed_query(self, text: str) -> list[float]:
            return embedder.embed_query(text)

    return _Adapter()


class LangChainRag:
    """A plain LangChain RAG retriever over the corpus, in a temporary Chroma folder.

    Use as a context manager; the folder is deleted on exit.
    """

    name = "langchain"
    label = "LangChain RAG"
    notes = (
        "RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200) over the raw extracted "
        "text, langchain_chroma.Chroma, similarity_search; same e5 model and prefixes. It never "
        "abstains and ignores the conversation history; its chunks have no section, so only the "
        "gold quotes can match them. Its 'citations' are the top 5 passages a RAG prompt would get."
    )

    def __init__(self, corpus_dir: Path, embedder: Embedder, *, chunk_size: int = 1000, overlap: int = 200):
        self._corpus_dir, self._embedder = corpus_dir, embedder
        self._chunk_size, self._overlap = chunk_size, overlap
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self._db: Any = None
        self.chunk_count = 0

    def __enter__(self) -> LangChainRag:
        from chromadb.config import Settings as ChromaSettings
        from langchain_chroma import Chroma
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        from ingest.loaders import extract

        splitter = RecursiveCharacterTextSplitter(chunk_size=self._chunk_size, chunk_overlap=self._overlap)
        docs = []
        for doc_id, path in sorted(corpus_files(self._corpus_dir).items()):
            text = extract(path, max_bytes=_MAX_DOC_BYTES).text
            docs += splitter.create_documents([text], metadatas=[{"doc_id": doc_id}])
        self._tmp = tempfile.TemporaryDirectory(prefix="hrdocs-langchain-")
        self._db = Chroma(
            collection_name="langchain_baseline",
            embedding_function=embeddings_adapter(self._embedder),
            persist_directory=self._tmp.name,
            client_settings=ChromaSettings(anonymized_telemetry=False),
        )
        self._db.add_documents(docs)
        self.chunk_count = len(docs)
        return self

    def __exit__(self, *exc: object) -> None:
        self._db = None
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def search(self, question: str, k: int, history: Sequence[Turn] = ()) -> list[Hit]:
        del history  # the plain recipe searches the question alone
        if self._db is None:
            raise RuntimeError("use LangChainRag as a context manager")
        found = self._db.similarity_search(question, k=k)
        return [Hit(str(d.metadata.get("doc_id", "")), (), d.page_content) for d in found]


class RetrieverBaseline:
    """Our index and retriever with one signal: "dense" (e5 cosine) or "lexical" (Swedish BM25)."""

    def __init__(self, store: ChromaStore, embedder: Embedder, mode: str, cache_dir: Path | None) -> None:
        if mode not in ("dense", "lexical"):
            raise ValueError(f"mode must be dense or lexical, not {mode!r}")
        self.name = "dense" if mode == "dense" else "bm25"
        self.label = f"dense only ({embedder.model_id})" if mode == "dense" else "BM25 only"
        signal = "e5 cosine" if mode == "dense" else "Swedish BM25 (stemming, compounds)"
        self.notes = (
            f"Our chunks and index, {signal} alone: no fusion, no glossary expansion, no abstention. "
            "Its 'citations' are its top 5."
        )
        # An empty glossary: the baseline gets no Swedish terms for English questions.
        self._retriever = Retriever(store, embedder, Glossary(), cache_dir=cache_dir, mode=mode)

    def search(self, question: str, k: int, history: Sequence[Turn] = ()) -> list[Hit]:
        r = self._retriever.retrieve(question, k, None, tuple(history))
        return [passage_hit(p) for p in r.passages]
