"""`hrdocs bench`: speed, memory and scale figures. It prints and writes them; it asserts nothing.

1. Ingestion: the archive of real PDFs into a fresh temporary index with the configured model,
   next to the model's raw encoding throughput on the very same chunk texts, then a re-ingest of
   the unchanged archive.
2. Query: warm latency of retrieval and of a whole answer on the configured index (the bundled
   corpus, ingested first if needed), next to a floor measured in the same run: encoding the
   question plus one raw Chroma query.
3. Memory: peak RSS of the ingest and of a serving process; index size on disk per 1,000 chunks.
4. Scale: latency and memory at 10k, 100k, 1M chunks of synthetic index (eval/scale.py).

Reports: eval/reports/bench.md, bench.json and scale.png, with the machine and the command.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from assistant.config import Settings
from assistant.errors import CorpusError, LoadError

from .bench_worker import run_worker
from .report import (
    DEFAULT_OUT,
    REPO_ROOT,
    command_line,
    dir_size_bytes,
    fmt,
    latency_ms,
    machine_info,
    machine_line,
    markdown_table,
    peak_rss_mb,
    reset_peak_rss,
    rss_mb,
    today,
    write_json,
    write_text,
)
from .scale import Source, bench_scale, new_workdir, plot_scale

DEFAULT_ARCHIVE = REPO_ROOT.parent / "shared" / "alingsas-archive"
DEFAULT_SCALES = (10_000, 100_000, 1_000_000)
QUICK_FILES = 10
QUERY_QUESTIONS = 40
SERVE_QUESTIONS = 20
SCALE_BUDGET_S = 20 * 60  # building the synthetic index; sizes that would take longer are skipped
RATIO_AIMS = {"ingest": 0.8, "query": 1.5}


def run_bench(
    settings: Settings,
    *,
    archive: Path | None = None,
    scales: tuple[int, ...] = DEFAULT_SCALES,
    out_dir: Path | None = None,
    quick: bool = False,
    scale_budget_s: float = SCALE_BUDGET_S,
) -> int:
    """Measure, print the figures and write bench.md, bench.json and scale.png; returns 0.

    Args:
        settings: the model, chunking and the index the query figures are taken on.
        archive: a folder of documents to ingest (default ../shared/alingsas-archive).
        scales: index sizes, in chunks, for the scale curve.
        out_dir: report folder (default eval/reports).
        quick: only the first QUICK_FILES files of the archive, fewer questions, no midpoints.
        scale_budget_s: the most time spent building the synthetic scale index.

    Raises:
        CorpusError: the archive folder is missing or holds no documents.
    """
    from ingest.pipeline import discover

    archive = archive or DEFAULT_ARCHIVE
    out_dir = out_dir or DEFAULT_OUT
    if not archive.is_dir():
        raise CorpusError(
            f"no archive at {archive}: pass --archive DIR (a folder of PDFs or other documents)"
        )
    files = [f for f, _ in discover([archive])]
    if quick:
        files = files[:QUICK_FILES]
    if not files:
        raise CorpusError(f"{archive} holds no documents")
    started = time.perf_counter()
    report: dict[str, Any] = {
        "date": today(),
        "machine": machine_info(),
        "load_average_start": _load_average(),
        "command": command_line("bench", _cli_args(archive, scales, out_dir, quick, scale_budget_s)),
        "quick": quick,
        "settings": {
            "embedder": settings.embedder_id,
            "chunk_size": settings.chunk_size,
            "chunk_overlap": settings.chunk_overlap,
            "batch_size": settings.batch_size,
        },
    }
    questions = _questions(QUERY_QUESTIONS // (4 if quick else 1))
    with new_workdir() as tmp:
        work = Path(tmp)
        _say(f"bench: ingesting {len(files)} files of {archive} …")
        ingest_figures, source = bench_ingest(settings, archive, files, work / "archive-index")
        report["ingest"] = ingest_figures
        _say("bench: query latency …")
        report["query"] = bench_query(settings, questions)
        _say("bench: memory of a serving process …")
        report["serve"] = bench_serve(settings, questions[:SERVE_QUESTIONS], work)
        _say("bench: the archive index, measured like the scale points …")
        archive_settings = settings.with_(
            index_dir=work / "archive-index", chroma_url="", collection="hr_docs"
        )
        qfile = work / "questions.json"
        qfile.write_text(json.dumps(questions, ensure_ascii=False), encoding="utf-8")
        real = run_worker(archive_settings, ["scale", str(qfile), "--filter", "Alingsås kommun", "--full"])
        real["disk_mb"] = report["ingest"]["index_mb"]
        report["scale"] = bench_scale(
            settings,
            source,
            scales,
            questions,
            workdir=work,
            budget_s=scale_budget_s,
            midpoints=not quick,
            say=_say,
        )
        report["scale"]["archive_point"] = real
        report["scale"]["embedder"] = settings.embedder_id
    report["load_average_end"] = _load_average()
    report["seconds"] = round(time.perf_counter() - started, 1)
    markdown = render_markdown(report)
    write_json(out_dir / "bench.json", report)
    write_text(out_dir / "bench.md", markdown)
    plot_scale(report["scale"], out_dir / "scale.png", f"hrdocs bench, {report['date']}")
    print(markdown)
    print(f"Reports: {out_dir / 'bench.md'}, bench.json, scale.png")
    return 0


# -- 1. ingestion ---------------------------------------------------------------------------------


def bench_ingest(
    settings: Settings, archive: Path, files: list[Path], index_dir: Path
) -> tuple[dict[str, Any], Source]:
    """Ingest `files` into a fresh index; the raw encode rate on the same texts; a re-ingest."""
    from assistant.build import make_embedder, make_store
    from assistant.types import DocumentMeta, DocumentText
    from ingest.loaders import extract
    from ingest.pipeline import IngestOptions, embedding_text, ingest

    s = settings.with_(index_dir=index_dir, chroma_url="", collection="hr_docs")
    store, embedder = make_store(s), make_embedder(s, progress=_say)
    options = IngestOptions.from_settings(s)
    t0 = time.perf_counter()
    embedder.embed_query("warm up")  # load the model outside the timed ingest
    model_load_s = time.perf_counter() - t0

    reset_done = reset_peak_rss()
    rss_before = rss_mb()
    t0 = time.perf_counter()
    first = ingest(files, store, embedder, options, prune=False)
    ingest_s = time.perf_counter() - t0
    peak = peak_rss_mb()

    metas: dict[str, DocumentMeta] = {d.meta.doc_id: d.meta for d in store.documents()}
    chunks = list(store.iter_chunks())
    texts = [embedding_text(DocumentText(metas[c.doc_id], ""), c) for c in chunks]
    t0 = time.perf_counter()
    vectors = embedder.embed_passages(texts)
    raw_s = time.perf_counter() - t0

    t0 = time.perf_counter()
    for path in files:  # extraction alone, to split the pipeline's time
        with contextlib.suppress(LoadError):  # the pipeline reported these already
            extract(path, max_bytes=int(s.max_file_mb * 2**20), timeout_s=s.file_timeout_s)
    extract_s = time.perf_counter() - t0

    t0 = time.perf_counter()
    again = ingest(files, store, embedder, options, prune=False)
    reingest_s = time.perf_counter() - t0

    n = store.chunk_count()
    size = dir_size_bytes(index_dir)
    pipeline_rate = first.chunks_embedded / ingest_s if ingest_s else 0.0
    raw_rate = len(texts) / raw_s if raw_s else 0.0
    figures = {
        "archive": str(archive),
        "files": len(files),
        "documents": len(metas),
        "failed": [{"path": _shown(Path(p), archive), "error": e} for p, e in first.failed],
        "chunks": n,
        "chunk_chars_mean": round(float(np.mean([len(c.text) for c in chunks])), 0) if chunks else 0,
        "model_load_s": round(model_load_s, 2),
        "ingest_s": round(ingest_s, 2),
        "ingest_chunks_per_s": round(pipeline_rate, 2),
        "extract_only_s": round(extract_s, 2),
        "raw_encode_s": round(raw_s, 2),
        "raw_encode_chunks_per_s": round(raw_rate, 2),
        "pipeline_over_raw": round(pipeline_rate / raw_rate, 3) if raw_rate else None,
        "reingest_s": round(reingest_s, 2),
        "reingest_chunks_embedded": again.chunks_embedded,
        "reingest_unchanged": len(again.unchanged),
        "rss_before_mb": rss_before,
        "peak_rss_mb": peak,
        "peak_is_ingest_only": reset_done,
        "index_mb": round(size / 2**20, 1),
        "index_mb_per_1000_chunks": round(size / 2**20 / n * 1000, 2) if n else None,
    }
    matrix = np.asarray(vectors, dtype=np.float32).reshape(len(texts), -1)
    return figures, Source(chunks, metas, matrix)


# -- 2. query -------------------------------------------------------------------------------------


def bench_query(settings: Settings, questions: list[str]) -> dict[str, Any]:
    """Warm latencies, interleaved per question so that load on the machine hits all alike."""
    from assistant.build import make_assistant

    from .run import ensure_corpus_indexed

    assistant = make_assistant(settings, progress=_say)
    store, embedder = assistant.retriever.store, assistant.retriever.embedder
    ensure_corpus_indexed(settings, store, embedder)
    for q in questions[:3]:  # warm up: model, BM25 index, Chroma's caches
        assistant.ask(q)
    encode, chroma, retrieve, answer = [], [], [], []
    for q in questions:
        t0 = time.perf_counter()
        v = embedder.embed_query(q)
        t1 = time.perf_counter()
        batch: list[Sequence[float]] = [v]
        store._chunks.query(query_embeddings=batch, n_results=5)
        t2 = time.perf_counter()
        assistant.retrieve(q)
        t3 = time.perf_counter()
        assistant.ask(q)
        t4 = time.perf_counter()
        encode.append(t1 - t0)
        chroma.append(t2 - t1)
        retrieve.append(t3 - t2)
        answer.append(t4 - t3)
    floor = [a + b for a, b in zip(encode, chroma, strict=True)]
    out = {
        "index": store.location,
        "chunks": store.chunk_count(),
        "questions": len(questions),
        "encode": latency_ms(encode),
        "chroma_raw": latency_ms(chroma),
        "floor": latency_ms(floor),
        "retrieve": latency_ms(retrieve),
        "ask": latency_ms(answer),
    }
    out["retrieve_over_floor"] = (
        round(out["retrieve"]["median_ms"] / out["floor"]["median_ms"], 3)
        if out["floor"]["median_ms"]
        else None
    )
    return out


# -- 3. serving memory ----------------------------------------------------------------------------


def bench_serve(settings: Settings, questions: list[str], work: Path) -> dict[str, Any]:
    qfile = work / "serve-questions.json"
    qfile.write_text(json.dumps(questions, ensure_ascii=False), encoding="utf-8")
    return run_worker(settings, ["serve", str(qfile)])


# -- the report -----------------------------------------------------------------------------------


def _questions(n: int) -> list[str]:
    """`n` gold questions, alternating Swedish and English, without follow-ups (they need history)."""
    from .validate_gold import DEFAULT_GOLD, load_gold

    gold = [q for q in load_gold(DEFAULT_GOLD) if not q.history]
    sv = [q.question for q in gold if q.lang == "sv"]
    en = [q.question for q in gold if q.lang != "sv"]
    mixed = [q for pair in zip(sv, en, strict=False) for q in pair]
    return mixed[:n]


def _ms(t: dict[str, Any]) -> str:
    return f"{t['median_ms']:.1f} / {t['p95_ms']:.1f}"


def _aim(value: float | None, aim: float, higher_is_better: bool) -> str:
    if value is None:
        return "—"
    ok = value >= aim if higher_is_better else value <= aim
    return f"{value:.2f} (aim {'≥' if higher_is_better else '≤'} {aim}: {'met' if ok else 'NOT met'})"


def render_markdown(r: dict[str, Any]) -> str:
    ing, q, srv, sc = r["ingest"], r["query"], r["serve"], r["scale"]
    lines = [
        "# hrdocs bench: speed, memory, scale",
        "",
        f"- Date: {r['date']}",
        f"- Command: `{r['command']}`",
        f"- Machine: {machine_line(r['machine'])}",
        f"- Load average (1/5/15 min) at the start: {r['load_average_start']}, "
        f"at the end: {r['load_average_end']} — other processes on the machine slow every figure "
        "down; compare runs with similar load",
        f"- Model: {r['settings']['embedder']}, batch size {r['settings']['batch_size']}; chunks of "
        f"{r['settings']['chunk_size']}/{r['settings']['chunk_overlap']} characters"
        + ("; **quick run** (a few files, fewer questions)" if r["quick"] else ""),
        f"- Total time: {r['seconds'] / 60:.1f} min",
        "",
        "## Ingestion",
        "",
        f"Archive `{ing['archive']}`: {ing['files']} files → {ing['documents']} documents, "
        f"{ing['chunks']} chunks (mean {ing['chunk_chars_mean']:.0f} characters), {len(ing['failed'])} "
        "failed, into a fresh temporary index.",
        "",
        markdown_table(
            ["figure", "value"],
            [
                ["whole pipeline (extract, clean, chunk, embed, store)", f"{ing['ingest_s']:.2f} s"],
                ["pipeline throughput", f"{ing['ingest_chunks_per_s']:.2f} chunks/s"],
                ["raw model encode of the same chunk texts (one call)", f"{ing['raw_encode_s']:.2f} s"],
                ["raw encode throughput", f"{ing['raw_encode_chunks_per_s']:.2f} chunks/s"],
                ["pipeline / raw", _aim(ing["pipeline_over_raw"], RATIO_AIMS["ingest"], True)],
                ["extraction alone (all files)", f"{ing['extract_only_s']:.2f} s"],
                ["model load (before the timed ingest)", f"{ing['model_load_s']:.1f} s"],
                [
                    "re-ingest of the unchanged archive",
                    f"{ing['reingest_s']:.2f} s, {ing['reingest_chunks_embedded']} chunks embedded, "
                    f"{ing['reingest_unchanged']} documents unchanged",
                ],
            ],
        ),
        "",
    ]
    if ing["reingest_chunks_embedded"]:
        lines.append(
            f"- **The re-ingest embedded {ing['reingest_chunks_embedded']} chunks although no file changed.**"
        )
    if ing["failed"]:
        lines += [f"- failed: `{f['path']}`: {f['error']}" for f in ing["failed"]]
    if ing["reingest_chunks_embedded"] or ing["failed"]:
        lines.append("")
    lines += [
        "## Query (warm)",
        "",
        f"{q['questions']} gold questions (Swedish and English alternating) on `{q['index']}` ({q['chunks']} "
        "chunks), interleaved per question. Median / p95 in ms.",
        "",
        markdown_table(
            ["step", "median / p95 ms"],
            [
                ["encode the question", _ms(q["encode"])],
                ["one raw Chroma query (n_results=5)", _ms(q["chroma_raw"])],
                ["**floor** = encode + raw Chroma query", _ms(q["floor"])],
                ["retrieval (`Assistant.retrieve`: hybrid, top 5)", _ms(q["retrieve"])],
                ["whole answer (`Assistant.ask`)", _ms(q["ask"])],
                ["retrieval / floor (medians)", _aim(q["retrieve_over_floor"], RATIO_AIMS["query"], False)],
            ],
        ),
        "",
        "## Memory",
        "",
        markdown_table(
            ["figure", "value"],
            [
                [
                    "peak RSS of the ingest (model loaded)",
                    f"{ing['peak_rss_mb']:.0f} MB"
                    + (
                        ""
                        if ing["peak_is_ingest_only"]
                        else " (process peak; could not reset it before ingest)"
                    ),
                ],
                [
                    "peak RSS of a serving process (loads the assistant, answers "
                    f"{srv['questions']} questions)",
                    f"{srv['peak_rss_mb']:.0f} MB (load {srv['load_s']:.1f} s, "
                    f"answers {_ms(srv['answer'])} ms)",
                ],
                ["index on disk", f"{ing['index_mb']:.1f} MB for {ing['chunks']} chunks"],
                ["index on disk per 1,000 chunks", f"{fmt(ing['index_mb_per_1000_chunks'], 2)} MB"],
            ],
        ),
        "",
    ]
    lines += _scale_markdown(sc)
    return "\n".join(lines)


def _scale_markdown(sc: dict[str, Any]) -> list[str]:
    lines = [
        "## Scale",
        "",
        f"**Synthetic indexes.** Beyond the real archive, the indexes are built from the archive's "
        f"{sc['source_chunks']} real chunk texts, cycled, each with a generated vector: the real "
        f"chunk's vector ({sc.get('embedder', 'the configured model')}) plus gaussian noise "
        f"(σ = {sc['noise_sigma']} per dimension), normalised (mean cosine "
        f"{sc['mean_cosine_to_source']} to the real vector). Synthetic documents of "
        f"{sc['synthetic_doc_chunks']} chunks are spread over 10 made-up municipalities and 12 years. "
        "The index grows through "
        "`ChromaStore.replace_document`; each size is measured in a fresh process. Latency: median / p95 ms "
        "over the gold questions. The question vectors are computed once beforehand in every column, "
        "so the figures show what grows with the index (encoding a question costs the same at any size: "
        "see Query above). Our retrieve is the whole hybrid retrieval: Chroma, BM25 over every chunk, "
        "fusion.",
        "",
    ]
    rows = []
    real = sc.get("archive_point")
    entries = ([("archive (real)", real)] if real else []) + [
        (f"{p['chunks']:,}", p) for p in sc["points"] if p.get("built")
    ]
    for name, p in entries:
        rows.append(
            [
                name,
                p["chunks"],
                _ms(p["chroma_raw"]),
                _ms(p["dense"]),
                _ms(p["dense_filtered"]),
                _ms(p["dense_filtered_years"]),
                _ms(p["retrieve"]) if "retrieve" in p else "skipped",
                _ms(p["retrieve_filtered"]) if "retrieve_filtered" in p else "skipped",
                fmt(p.get("lexical_build_s"), 1),
                f"{p['peak_rss_dense_mb']:.0f} / {p['peak_rss_mb']:.0f}",
                fmt(p.get("disk_mb"), 0),
                fmt(p.get("cumulative_build_s"), 0),
            ]
        )
    lines += [
        markdown_table(
            [
                "index",
                "chunks",
                "raw Chroma",
                "dense",
                "dense, 1 municipality",
                "dense, 1 mun. + 2 years",
                "our retrieve",
                "our retrieve, 1 mun.",
                "BM25 build s",
                "peak RSS MB dense / with retrieve",
                "disk MB",
                "build s (cumulative)",
            ],
            rows,
        ),
        "",
    ]
    skipped = [p for p in sc["points"] if not p.get("built")]
    for p in skipped:
        lines.append(f"- **{p['chunks']:,} chunks: not built.** {p['reason'].capitalize()}.")
    for e in sc["extrapolated"]:
        figures = ", ".join(
            f"{k.removesuffix('_median_ms').replace('_', ' ')} ≈ {v} ms"
            for k, v in e.items()
            if k.endswith("_median_ms")
        )
        lines.append(
            f"- **Extrapolated** to {e['chunks']:,} chunks from {e['from'][0]:,} and {e['from'][1]:,} (not "
            f"measured): median {figures}; peak RSS of the measuring process ≈ "
            f"{e.get('peak_rss_mb', '—')} MB, disk ≈ {e.get('disk_mb', '—')} MB."
        )
    lines += ["", "**Where the curves bend** (scale.png; latency vs chunks, log x):", ""]
    lines += [f"- {text}" for text in sc["bends"].values()] or ["- too few sizes measured to tell"]
    lines.append("")
    return lines


def _shown(path: Path, root: Path) -> str:
    resolved, base = path.resolve(), root.resolve()
    return str(resolved.relative_to(base)) if resolved.is_relative_to(base) else str(path)


def _load_average() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def _cli_args(
    archive: Path, scales: tuple[int, ...], out_dir: Path, quick: bool, scale_budget_s: float = SCALE_BUDGET_S
) -> list[str]:
    args = []
    if archive != DEFAULT_ARCHIVE:
        args += ["--archive", str(archive)]
    if tuple(scales) != DEFAULT_SCALES:
        args += ["--scales", ",".join(str(s) for s in scales)]
    if out_dir != DEFAULT_OUT:
        args += ["--out", str(out_dir)]
    if quick:
        args.append("--quick")
    if scale_budget_s != SCALE_BUDGET_S:
        args += ["--scale-budget-min", f"{scale_budget_s / 60:g}"]
    return args


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)
