"""Measurements that need a process of their own, so that its peak memory is theirs alone.

`hrdocs bench` runs this module as a subprocess with the Settings in HRDOCS_* variables and reads
one JSON object from its last line of output:

    python -m eval.bench_worker serve QUESTIONS.json
        load the assistant and answer the questions, as a serving process would
    python -m eval.bench_worker scale QUESTIONS.json --filter MUNICIPALITY [--full]
        dense query latency on the index (with and without filters), then, with --full, our whole
        retrieve (which builds the BM25 index over every chunk) with the question vectors cached
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import fields
from pathlib import Path
from typing import Any

from assistant.config import Settings

from .report import latency_ms, peak_rss_mb, rss_mb

WARMUP = 3


def settings_env(settings: Settings) -> dict[str, str]:
    """HRDOCS_* variables that make Settings.from_env() in a child equal `settings`."""
    env = {}
    for f in fields(settings):
        value = getattr(settings, f.name)
        if value is not None:
            env[f"HRDOCS_{f.name.upper()}"] = str(value)
    return env


def run_worker(
    settings: Settings,
    args: list[str],
    *,
    timeout_s: float = 1800,
    extra_env: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Run this module in a fresh interpreter with `settings`; its JSON result."""
    import subprocess

    from .report import REPO_ROOT

    env = {k: v for k, v in os.environ.items() if not k.startswith("HRDOCS_")}
    env.update(settings_env(settings))
    env.update(extra_env or {})
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO_ROOT), env.get("PYTHONPATH", "")) if p)
    done = subprocess.run(
        [sys.executable, "-m", "eval.bench_worker", *args],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout_s,
        check=False,
    )
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        raise RuntimeError(
            f"bench worker {args[0]} failed (exit {done.returncode}):\n"
            f"{done.stderr[-3000:]}{done.stdout[-1000:]}"
        )
    result: dict[str, Any] = json.loads(lines[-1])
    return result


def _timed(fn: Callable[[str], Any], questions: list[str]) -> list[float]:
    for q in questions[:WARMUP]:
        fn(q)
    out = []
    for q in questions:
        t0 = time.perf_counter()
        fn(q)
        out.append(time.perf_counter() - t0)
    return out


def serve(settings: Settings, questions: list[str]) -> dict[str, Any]:
    from assistant.build import make_assistant

    t0 = time.perf_counter()
    assistant = make_assistant(settings)
    assistant.retriever.embedder.embed_query("warm up")  # the model loads on first use
    assistant.retriever.lexical()
    load_s = time.perf_counter() - t0
    seconds = []
    for q in questions:
        t = time.perf_counter()
        assistant.ask(q)
        seconds.append(time.perf_counter() - t)
    return {
        "load_s": round(load_s, 2),
        "questions": len(questions),
        "answer": latency_ms(seconds),
        "rss_mb": rss_mb(),
        "peak_rss_mb": peak_rss_mb(),
    }


class _MemoQueries:
    """An embedder that encodes each distinct query once."""

    def __init__(self, inner: Any) -> None:
        self.inner, self.model_id = inner, inner.model_id
        self._memo: dict[str, list[float]] = {}

    def embed_passages(self, texts: Sequence[str]) -> list[list[float]]:
        return self.inner.embed_passages(texts)  # type: ignore[no-any-return]

    def embed_query(self, text: str) -> list[float]:
        if text not in self._memo:
            self._memo[text] = self.inner.embed_query(text)
        return self._memo[text]


def scale(settings: Settings, questions: list[str], municipality: str, full: bool) -> dict[str, Any]:
    from assistant.build import make_embedder, make_store
    from assistant.glossary import Glossary
    from assistant.retrieval import Retriever
    from assistant.types import Filters

    t0 = time.perf_counter()
    store = make_store(settings)
    chunks = store.chunk_count()
    open_s = time.perf_counter() - t0
    embedder = make_embedder(settings)
    vectors: dict[str, list[Sequence[float]]] = {q: [embedder.embed_query(q)] for q in questions}
    one_place = Filters(municipalities=(municipality,))
    one_place_two_years = Filters(municipalities=(municipality,), year_from=2020, year_to=2021)
    out: dict[str, Any] = {"chunks": chunks, "open_s": round(open_s, 2)}
    # Chroma alone, as the floor: one query, five results, nothing of ours around it.
    out["chroma_raw"] = latency_ms(
        _timed(lambda q: store._chunks.query(query_embeddings=vectors[q], n_results=5), questions)
    )
    out["dense"] = latency_ms(_timed(lambda q: store.query(vectors[q][0], 5), questions))
    out["dense_filtered"] = latency_ms(_timed(lambda q: store.query(vectors[q][0], 5, one_place), questions))
    out["dense_filtered_years"] = latency_ms(
        _timed(lambda q: store.query(vectors[q][0], 5, one_place_two_years), questions)
    )
    out["peak_rss_dense_mb"] = peak_rss_mb()
    if full:
        # cache_dir=None: the BM25 index is built in memory and not pickled, so its build time is
        # what a first query after an ingest pays.
        # The question vectors are computed once and reused: encoding costs the same at every
        # index size (the query figures of the bench time it), and on a shared machine its
        # jitter would hide how the rest of retrieval grows with the index.
        memo = _MemoQueries(embedder)
        retriever = Retriever(store, memo, Glossary.load(settings.glossary_path), cache_dir=None)
        t1 = time.perf_counter()
        retriever.lexical()
        out["lexical_build_s"] = round(time.perf_counter() - t1, 2)
        for q in questions:
            retriever.retrieve(q, 5)
        out["retrieve"] = latency_ms(_timed(lambda q: retriever.retrieve(q, 5), questions))
        out["retrieve_filtered"] = latency_ms(
            _timed(lambda q: retriever.retrieve(q, 5, one_place), questions)
        )
    out["rss_mb"] = rss_mb()
    out["peak_rss_mb"] = peak_rss_mb()
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.bench_worker")
    parser.add_argument("task", choices=["serve", "scale"])
    parser.add_argument("questions", type=Path, help="a JSON list of question strings")
    parser.add_argument("--filter", default="", help="the municipality a filtered query asks for")
    parser.add_argument("--full", action="store_true", help="also time our whole retrieve")
    args = parser.parse_args(argv)
    settings = Settings.from_env()
    questions = [str(q) for q in json.loads(args.questions.read_text(encoding="utf-8"))]
    if args.task == "serve":
        result = serve(settings, questions)
    else:
        result = scale(settings, questions, args.filter, args.full)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
