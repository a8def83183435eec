"""Turns Settings into objects. The only place that decides which implementation is used."""

from __future__ import annotations

from collections.abc import Callable

from .config import Settings
from .embedding import Embedder, HashingEmbedder, SentenceTransformerEmbedder
from .store import ChromaStore


def make_embedder(settings: Settings, progress: Callable[[str], None] | None = None) -> Embedder:
    if settings.embedder == "hashing":
        return HashingEmbedder()
    if settings.embedder == "bundled":
        from .bundled_model import ensure_bundled_model

        folder = ensure_bundled_model(settings.cache_dir, progress)
        return SentenceTransformerEmbedder(
            folder,
            model_id=settings.embedder_id,
            query_prefix=settings.query_prefix,
            passage_prefix=settings.passage_prefix,
            batch_size=settings.batch_size,
        )
    return SentenceTransformerEmbedder(
        settings.embedding_model,
        model_id=settings.embedder_id,
        query_prefix=settings.query_prefix,
        passage_prefix=settings.passage_prefix,
        batch_size=settings.batch_size,
    )


def make_store(settings: Settings, *, check_embedder: bool = True) -> ChromaStore:
    return ChromaStore(
        embedder_id=settings.embedder_id,
        index_dir=None if settings.chroma_url else settings.index_dir,
        chroma_url=settings.chroma_url,
        collection=settings.collection,
        lock_dir=settings.cache_dir,
        check_embedder=check_embedder,
    )


def make_assistant(settings: Settings, progress: Callable[[str], None] | None = None):
    """The whole question-answering stack, from settings."""
    from .assistant import AbstentionPolicy, Assistant
    from .glossary import Glossary
    from .lexicon import Lexicon
    from .retrieval import Retriever
    from .tracker import RecommendationService

    store = make_store(settings)
    glossary = Glossary.load(settings.glossary_path)
    retriever = Retriever(
        store,
        make_embedder(settings, progress),
        glossary,
        cache_dir=settings.cache_dir,
        lexicon=Lexicon.load(settings.lexicon_path),
        vocabulary=Lexicon.load(settings.vocabulary_path, english_first=True),
    )
    llm = None
    if settings.llm_provider:
        from .llm import LlmComposer, make_chat_model

        llm = LlmComposer(make_chat_model(settings))
    policy = AbstentionPolicy(min_dense=settings.abstention_min_similarity)
    return Assistant(
        retriever,
        glossary,
        policy=policy,
        top_k=settings.top_k,
        llm=llm,
        tracker=RecommendationService(store),
    )
