"""Text -> unit-length vectors for cosine search: the real model and a model-free stand-in."""

from __future__ import annotations

import hashlib
import math
import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from .errors import ModelUnavailableError

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer


class Embedder(Protocol):
    """Maps text to unit-length vectors for cosine search."""

    model_id: str  # recorded in the index; a mismatch is refused at query time

    def embed_passages(self, texts: Sequence[str]) -> list[list[float]]: ...

    def embed_query(self, text: str) -> list[float]: ...


class SentenceTransformerEmbedder:
    """Any sentence-transformers model: a local folder, or a hub name where a hub is reachable.

    e5-style models encode questions and passages differently ("query: " / "passage: "); the
    prefixes are applied here so callers never need to know.
    """

    def __init__(
        self,
        model: str | Path,
        *,
        model_id: str | None = None,
        query_prefix: str = "",
        passage_prefix: str = "",
        batch_size: int = 16,
    ) -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self.model_id = model_id or str(model).rstrip("/").split("/")[-1]
        self._model_ref = str(model)
        self._batch_size = batch_size
        self._query_prefix, self._passage_prefix = query_prefix, passage_prefix
        self._model: SentenceTransformer | None = None  # loaded on first use; keeps --help fast

    def _loaded(self) -> SentenceTransformer:
        if self._model is None:
            # Without these, a name that is not a local folder spends ~75 s failing to reach the hub.
            if not Path(self._model_ref).is_dir():
                os.environ.setdefault("HF_HUB_OFFLINE", os.environ.get("HRDOCS_HUB_OFFLINE", "1"))
            os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
            os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
            os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
            from sentence_transformers import SentenceTransformer
            from transformers.utils import logging as hf_logging

            hf_logging.disable_progress_bar()  # "Loading weights" bars would clutter every command

            try:
                self._model = SentenceTransformer(self._model_ref, device="cpu")
            except (OSError, ValueError) as exc:
                raise ModelUnavailableError(
                    f"Cannot load the embedding model {self._model_ref!r} ({exc.__class__.__name__}: {exc}). "
                    "Set HRDOCS_EMBEDDING_MODEL to a local sentence-transformers folder, or unset it to use "
                    "the bundled multilingual-e5-small (set HRDOCS_HUB_OFFLINE=0 to allow hub downloads)."
                ) from exc
        return self._model

    def embed_passages(self, texts: Sequence[str]) -> list[list[float]]:
        if not texts:
            return []
        batch = [self._passage_prefix + t for t in texts]
        vectors = self._loaded().encode(batch, batch_size=self._batch_size, normalize_embeddings=True)
        return vectors.tolist()  # type: ignore[no-any-return]

    def embed_query(self, text: str) -> list[float]:
        vectors = self._loaded().encode([self._query_prefix + text], normalize_embeddings=True)
        return vectors[0].tolist()  # type: ignore[no-any-return]


class HashingEmbedder:
    """Bag-of-words vectors via feature hashing. No model, no download.

    Lexical only: no synonyms and no Swedish<->English matching. Use it for tests and offline
    demos (`hrdocs serve --embedder hashing`), never to judge retrieval quality.
    """

    def __init__(self, dim: int = 512) -> None:
        self.dim, self.model_id = dim, f"hashing-{dim}"

    def embed_passages(self, texts: Sequence[str]) -> list[list[float]]:
        return [self._vector(t) for t in texts]

    def embed_query(self, text: str) -> list[float]:
        return self._vector(text)

    def _vector(self, text: str) -> list[float]:
        vec = [0.0] * self.dim
        for token in re.findall(r"\w+", text.lower()):
            # blake2b, not hash(): hash() is salted per process and vectors must be stable.
            digest = hashlib.blake2b(token.encode(), digest_size=4).digest()
            vec[int.from_bytes(digest, "big") % self.dim] += 1.0
        norm = math.sqrt(sum(v * v for v in vec)) or 1.0
        return [v / norm for v in vec]
