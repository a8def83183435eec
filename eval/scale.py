"""The scale part of `hrdocs bench`: query latency and memory at 10k, 100k, 1M chunks.

Nobody has a million chunks of municipal HR text, so the large indexes are synthetic: the real
archive's chunk texts, cycled, each with a vector drawn near the real chunk's vector (the real
e5 vector plus gaussian noise, normalised; cosine about 0.95 to it). Texts and vectors therefore
have the real length distribution and the real clustering, which is what HNSW and BM25 costs
depend on. The synthetic documents hold SYNTHETIC_DOC_CHUNKS chunks each and are spread over ten
made-up municipalities and twelve years, so a municipality filter admits 10% of the chunks and
municipality plus two years about 1.7%.

The index grows in place through the same `replace_document` path ingestion uses, and each size
is measured by a fresh subprocess (eval/bench_worker.py), so the memory figures are those of a
process serving that index. Inserting into Chroma's HNSW index is the slow part (a few hundred
vectors per second on two cores); before each size the build time is estimated from the last
step's rate, and a size that would take the whole build past the budget is not built: it is
reported as skipped, with its figures extrapolated and marked so.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from assistant.config import Settings
from assistant.types import Chunk, DocumentMeta, DocumentText

from .bench_worker import run_worker
from .report import dir_size_bytes

SYNTHETIC_DOC_CHUNKS = 250
NOISE_SIGMA = 0.017  # per dimension; for 384-d unit vectors this keeps cosine ~0.95 to the source
MUNICIPALITIES = tuple(f"Syntetisk kommun {i}" for i in range(10))
FULL_RETRIEVE_BUDGET_S = 300.0  # skip our whole retrieve at a size whose BM25 build would take longer
# A latency that grows by more than this per tenfold growth of the index is no longer logarithmic;
# growth of less than BEND_MIN_MS is noise on a busy machine, whatever the factor.
BEND_FACTOR = 2.0
BEND_MIN_MS = 5.0


@dataclass(frozen=True)
class Source:
    """The real chunks the synthetic index is made of."""

    chunks: list[Chunk]
    metas: dict[str, DocumentMeta]
    vectors: np.ndarray  # one row per chunk, unit length


def plan(scales: Sequence[int], *, midpoints: bool) -> list[int]:
    """The sizes to measure: the requested ones and, with `midpoints`, one between each pair."""
    sizes = sorted({int(s) for s in scales if s > 0})
    if midpoints:
        extra = [round(math.sqrt(a * b), -3) for a, b in itertools.pairwise(sizes)]
        sizes = sorted({*sizes, *(int(e) for e in extra)})
    return sizes


class SyntheticIndex:
    """An index that grows to a given number of chunks of cycled real text and noisy real vectors."""

    def __init__(self, settings: Settings, source: Source, seed: int = 0) -> None:
        from assistant.build import make_store

        if not source.chunks:
            raise ValueError("no source chunks to build a synthetic index from")
        self.settings, self.source = settings, source
        self.store = make_store(settings)
        self.size = 0
        self._docs = 0
        self._rng = np.random.default_rng(seed)
        self._cosines: list[float] = []

    def grow(self, target: int) -> None:
        while self.size < target:
            n = min(SYNTHETIC_DOC_CHUNKS, target - self.size)
            self._add_document(n)

    def _add_document(self, n: int) -> None:
        src = self.source
        k = self._docs
        picks = [(self.size + i) % len(src.chunks) for i in range(n)]
        first = src.chunks[picks[0]]
        real = src.metas.get(first.doc_id) or DocumentMeta(doc_id=first.doc_id, title=first.doc_id)
        meta = DocumentMeta(
            doc_id=f"synthetic-{k:06d}",
            title=real.title,
            municipality=MUNICIPALITIES[k % len(MUNICIPALITIES)],
            doc_type=real.doc_type,
            date=str(2015 + k % 12),
            source=f"synthetic/{k:06d}",
        )
        chunks = [replace(src.chunks[p], doc_id=meta.doc_id, ordinal=i) for i, p in enumerate(picks)]
        base = src.vectors[picks]
        noisy = base + self._rng.normal(0.0, NOISE_SIGMA, size=base.shape).astype(np.float32)
        noisy /= np.linalg.norm(noisy, axis=1, keepdims=True)
        self._cosines.append(float(np.mean(np.sum(noisy * base, axis=1))))
        digest = hashlib.sha256(meta.doc_id.encode()).hexdigest()
        self.store.replace_document(DocumentText(meta, meta.title), chunks, noisy.tolist(), digest)
        self.size += n
        self._docs += 1

    @property
    def mean_cosine_to_source(self) -> float:
        return round(float(np.mean(self._cosines)), 4) if self._cosines else 0.0


def bench_scale(
    settings: Settings,
    source: Source,
    scales: Sequence[int],
    questions: Sequence[str],
    *,
    workdir: Path,
    budget_s: float,
    midpoints: bool,
    say: Callable[[str], None],
) -> dict[str, Any]:
    """Grow a synthetic index through `scales`, measuring each size in a fresh process."""
    index_dir = workdir / "scale-index"
    s = settings.with_(index_dir=index_dir, chroma_url="", collection="hr_docs")
    index = SyntheticIndex(s, source)
    qfile = workdir / "scale-questions.json"
    qfile.write_text(json.dumps(list(questions), ensure_ascii=False), encoding="utf-8")
    points: list[dict[str, Any]] = []
    build_s = 0.0
    rate: float | None = None
    lexical: tuple[int, float] | None = None  # (chunks, BM25 build seconds) at the last full point
    requested = set(scales)
    for n in plan(scales, midpoints=midpoints):
        need = n - index.size
        if rate is not None and index.size:
            # HNSW inserts slow down about logarithmically with the index size.
            estimate = need / rate * math.log(n) / math.log(max(index.size, 2))
            if build_s + estimate > budget_s:
                points.append(
                    {
                        "chunks": n,
                        "built": False,
                        "estimated_build_s": round(build_s + estimate, 0),
                        "requested": n in requested,
                        "reason": f"building it would take about {(build_s + estimate) / 60:.1f} min in all, "
                        f"over the {budget_s / 60:.1f} min budget",
                    }
                )
                say(
                    f"bench: scale {n:,} chunks skipped "
                    f"(estimated {(build_s + estimate) / 60:.0f} min to build)"
                )
                continue
        say(f"bench: scale: growing the synthetic index to {n:,} chunks …")
        t0 = time.perf_counter()
        index.grow(n)
        step_s = time.perf_counter() - t0
        build_s += step_s
        rate = need / step_s if step_s > 0 else None
        full = lexical is None or lexical[1] * n / lexical[0] <= FULL_RETRIEVE_BUDGET_S
        say(f"bench: scale: measuring at {n:,} chunks (built in {step_s:.0f} s) …")
        args = ["scale", str(qfile), "--filter", MUNICIPALITIES[3]] + (["--full"] if full else [])
        measured = run_worker(s, args)
        if full and "lexical_build_s" in measured:
            lexical = (n, max(float(measured["lexical_build_s"]), 1e-3))
        points.append(
            {
                "chunks": n,
                "built": True,
                "step_build_s": round(step_s, 1),
                "cumulative_build_s": round(build_s, 1),
                "insert_rate_per_s": round(need / step_s, 1) if step_s > 0 else None,
                "disk_mb": round(dir_size_bytes(index_dir) / 2**20, 1),
                **measured,
                "full_retrieve_skipped": not full,
            }
        )
    return {
        "source_chunks": len(source.chunks),
        "synthetic_doc_chunks": SYNTHETIC_DOC_CHUNKS,
        "noise_sigma": NOISE_SIGMA,
        "mean_cosine_to_source": index.mean_cosine_to_source,
        "budget_s": budget_s,
        "points": points,
        "extrapolated": extrapolate(points),
        "bends": bends(points),
    }


_CURVES = (
    ("dense", "dense query"),
    ("dense_filtered", "dense query, 1 municipality (10%)"),
    ("dense_filtered_years", "dense query, 1 municipality + 2 years (~1.7%)"),
    ("retrieve", "our retrieve (question vector cached)"),
    ("retrieve_filtered", "our retrieve (vector cached), 1 municipality"),
)


def extrapolate(points: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Figures for the skipped requested sizes, from the last two measured sizes: latency as a power law
    (a straight line on log-log axes), memory and disk linear in the number of chunks."""
    built = [p for p in points if p.get("built")]
    out = []
    for p in points:
        if p.get("built") or not p.get("requested", True) or len(built) < 2:
            continue
        a, b = built[-2], built[-1]
        n = p["chunks"]
        row: dict[str, Any] = {"chunks": n, "extrapolated": True, "from": [a["chunks"], b["chunks"]]}
        for key, _ in _CURVES:
            if key in a and key in b:
                ya, yb = a[key]["median_ms"], b[key]["median_ms"]
                if ya > 0 and yb > 0:
                    slope = math.log(yb / ya) / math.log(b["chunks"] / a["chunks"])
                    row[f"{key}_median_ms"] = round(yb * (n / b["chunks"]) ** slope, 1)
        for key in ("peak_rss_dense_mb", "peak_rss_mb", "disk_mb"):
            if key in a and key in b:
                per_chunk = (b[key] - a[key]) / (b["chunks"] - a["chunks"])
                row[key] = round(b[key] + per_chunk * (n - b["chunks"]))
        out.append(row)
    return out


def bends(points: list[dict[str, Any]]) -> dict[str, str]:
    """Per curve, where its growth per tenfold more chunks first exceeds BEND_FACTOR (a plain sentence)."""
    built = [p for p in points if p.get("built")]
    out = {}
    for key, label in _CURVES:
        have = [p for p in built if key in p and p[key]["median_ms"] > 0]
        if len(have) < 2:
            continue
        growth = []
        for a, b in itertools.pairwise(have):
            per_decade = (b[key]["median_ms"] / a[key]["median_ms"]) ** (
                1 / math.log10(b["chunks"] / a["chunks"])
            )
            grew_ms = b[key]["median_ms"] - a[key]["median_ms"]
            growth.append((a["chunks"], b["chunks"], per_decade, grew_ms))
        steep = next((g for g in growth if g[2] > BEND_FACTOR and g[3] >= BEND_MIN_MS), None)
        span = ", ".join(f"{lo:,}→{hi:,}: ×{f:.2f}" for lo, hi, f, _ in growth)
        if steep is None:
            out[key] = (
                f"{label}: no bend up to {have[-1]['chunks']:,} chunks (median per tenfold growth: {span})"
            )
        else:
            out[key] = (
                f"{label}: bends between {steep[0]:,} and {steep[1]:,} chunks, where the median grows "
                f"×{steep[2]:.2f} per tenfold growth (per segment: {span})"
            )
    return out


def plot_scale(result: dict[str, Any], path: Path, title: str) -> None:
    from .report import pyplot

    plt = pyplot()
    fig, (ax, mem) = plt.subplots(1, 2, figsize=(12, 4.6))
    built = [p for p in result["points"] if p.get("built")]
    extra = result["extrapolated"]
    for i, (key, label) in enumerate(_CURVES):
        xs = [p["chunks"] for p in built if key in p]
        if not xs:
            continue
        color = f"C{i}"
        ax.plot(
            xs, [p[key]["median_ms"] for p in built if key in p], "o-", color=color, label=f"{label}, median"
        )
        ax.plot(xs, [p[key]["p95_ms"] for p in built if key in p], ":", color=color, alpha=0.6)
        ex = [(e["chunks"], e[f"{key}_median_ms"]) for e in extra if f"{key}_median_ms" in e]
        if ex:
            ax.plot(
                [xs[-1], *(x for x, _ in ex)],
                [built[-1][key]["median_ms"], *(y for _, y in ex)],
                "o--",
                color=color,
                mfc="none",
                alpha=0.7,
            )
    real = result.get("archive_point")
    if real:
        for i, (key, _) in enumerate(_CURVES):
            if key in real:
                ax.plot([real["chunks"]], [real[key]["median_ms"]], "*", color=f"C{i}", ms=11)
    ax.set_title(
        "query latency (median; dotted p95; hollow dashed: extrapolated; ★ real archive)", fontsize=9
    )
    ax.set_ylabel("ms")
    ax.legend(fontsize=7)
    for key, label, color in (
        ("peak_rss_dense_mb", "peak RSS, dense only (MB)", "C0"),
        ("peak_rss_mb", "peak RSS with our retrieve (MB)", "C3"),
        ("disk_mb", "index on disk (MB)", "C2"),
    ):
        xs = [p["chunks"] for p in built if key in p]
        mem.plot(xs, [p[key] for p in built if key in p], "o-", color=color, label=label)
        ex = [(e["chunks"], e[key]) for e in extra if key in e]
        if ex and xs:
            mem.plot(
                [xs[-1], *(x for x, _ in ex)],
                [built[-1][key], *(y for _, y in ex)],
                "o--",
                color=color,
                mfc="none",
                alpha=0.7,
            )
    mem.set_title("memory and disk (MB)", fontsize=9)
    mem.legend(fontsize=7)
    for axis in (ax, mem):
        _log_axes(axis)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)


def _log_axes(axis: Any) -> None:
    from matplotlib.ticker import FuncFormatter

    axis.set_xscale("log")
    axis.set_yscale("log")
    axis.set_xlabel("chunks in the index (log scale)")
    axis.xaxis.set_major_formatter(FuncFormatter(lambda x, _: _short(x)))
    axis.yaxis.set_major_formatter(FuncFormatter(lambda y, _: f"{y:g}"))
    axis.grid(True, which="both", alpha=0.3)


def _short(n: float) -> str:
    if n >= 1e6:
        return f"{n / 1e6:g}M"
    return f"{n / 1e3:g}k" if n >= 1e3 else f"{n:g}"


def new_workdir() -> tempfile.TemporaryDirectory[str]:
    return tempfile.TemporaryDirectory(prefix="hrdocs-bench-")
