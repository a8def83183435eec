"""`hrdocs eval`: score our pipeline and three baselines on the gold questions.

Our pipeline answers every question as the app does (`Assistant.ask`, history as Turns); its
retrieval's top 10 passages are scored for recall/MRR/nDCG and the answer's citations for
citation precision. The baselines (eval/baselines.py) rank passages with the same embedding
model. Figures are split by language and by kind of question, printed as Markdown and written to
eval/reports/ (eval.md, eval.json, eval.png) with the date, machine and command.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

from assistant.config import Settings
from assistant.errors import CorpusError
from assistant.types import Answer, Citation, Turn

from .metrics import Hit, QuestionScore, score_question, summarize
from .report import (
    DEFAULT_OUT,
    command_line,
    fmt,
    grouped_bars,
    latency_ms,
    machine_info,
    machine_line,
    markdown_table,
    today,
    write_json,
    write_text,
)
from .validate_gold import DEFAULT_GOLD, LANGS, GoldQuestion, load_gold

RANKED = 10  # passages scored per question for recall@k, MRR and nDCG@5
SHOWN = 5  # passages a baseline would show (or put in a RAG prompt): its "citations"
METRICS = (
    ("recall@1", "recall@1"),
    ("recall@3", "recall@3"),
    ("recall@5", "recall@5"),
    ("mrr", "MRR"),
    ("ndcg@5", "nDCG@5"),
    ("citation_precision", "citation precision"),
    ("abstention_accuracy", "abstention accuracy"),
    ("false_refusal", "false refusal"),
)


class Ranker(Protocol):
    name: str
    label: str
    notes: str

    def search(self, question: str, k: int, history: Sequence[Turn] = ()) -> list[Hit]: ...


@dataclass
class SystemResult:
    name: str
    label: str
    notes: str
    scores: list[QuestionScore] = field(default_factory=list)
    retrieve_s: list[float] = field(default_factory=list)  # per question
    compose_s: list[float] = field(default_factory=list)  # ours only: ask() given the retrieval


def run_eval(
    settings: Settings,
    *,
    questions_path: Path | None = None,
    split: str = "all",
    out_dir: Path | None = None,
    baselines: bool = True,
    as_json: bool = False,
) -> int:
    """Evaluate, print the figures and write eval.md, eval.json and eval.png; returns 0.

    Args:
        settings: which index, corpus and model. The corpus is ingested into the index first
            (unchanged documents embed nothing).
        questions_path: the gold set (default eval/questions.jsonl).
        split: "dev", "test" or "all".
        out_dir: report folder (default eval/reports).
        baselines: also run the LangChain, dense-only and BM25-only baselines.
        as_json: print the JSON report instead of Markdown.

    Raises:
        CorpusError: no questions in the split, or a gold document is missing from the index
            after ingestion.
    """
    from assistant.build import make_assistant

    questions_path = questions_path or DEFAULT_GOLD
    out_dir = out_dir or DEFAULT_OUT
    questions = [q for q in load_gold(questions_path) if split == "all" or q.split == split]
    if not questions:
        raise CorpusError(f"{questions_path} has no questions in the split {split!r}")

    started = time.perf_counter()
    assistant = make_assistant(settings, progress=_say)
    store, embedder = assistant.retriever.store, assistant.retriever.embedder
    ingest_report = ensure_corpus_indexed(settings, store, embedder)
    indexed = {d.meta.doc_id for d in store.documents()}
    missing = sorted({e.doc for q in questions for e in q.evidence} - indexed)
    if missing:
        raise CorpusError(
            f"the gold set cites documents the index at {store.location} lacks: {', '.join(missing)}; "
            f"is {settings.corpus_dir} the corpus the questions were written for?"
        )

    _say(f"eval: {len(questions)} questions ({split}), our pipeline …")
    results = [evaluate_ours(assistant, questions)]
    langchain_chunks = None
    if baselines:
        from .baselines import LangChainRag, RetrieverBaseline

        for mode in ("dense", "lexical"):
            baseline = RetrieverBaseline(store, embedder, mode, settings.cache_dir)
            _say(f"eval: baseline {baseline.label} …")
            results.append(evaluate_ranker(baseline, questions))
        _say("eval: baseline LangChain RAG (building its index) …")
        with LangChainRag(settings.corpus_dir, embedder) as rag:
            langchain_chunks = rag.chunk_count
            results.insert(1, evaluate_ranker(rag, questions))

    args = _cli_args(questions_path, split, out_dir, baselines, as_json)
    report = build_report(questions, results, split=split, questions_path=questions_path, command=args)
    report["index"] = {
        "location": store.location,
        "embedder": settings.embedder_id,
        "chunk_size": settings.chunk_size,
        "chunk_overlap": settings.chunk_overlap,
        "top_k": settings.top_k,
        "chunks": store.chunk_count(),
        "documents": len(indexed),
        "ingest": ingest_report.to_json(),
        "langchain_chunks": langchain_chunks,
    }
    report["seconds"] = round(time.perf_counter() - started, 1)
    markdown = render_markdown(report)
    write_json(out_dir / "eval.json", report)
    write_text(out_dir / "eval.md", markdown)
    plot_eval(report, out_dir / "eval.png")
    if as_json:
        print(json.dumps(report, indent=2, ensure_ascii=False))
    else:
        print(markdown)
        print(f"Reports: {out_dir / 'eval.md'}, eval.json, eval.png")
    return 0


def ensure_corpus_indexed(settings: Settings, store: Any, embedder: Any) -> Any:
    """Ingest settings.corpus_dir into the store; a no-op (nothing embedded) when it is current.

    Documents of other folders in the same index are left alone (no pruning).
    """
    from ingest.pipeline import IngestOptions, ingest

    report = ingest(
        [settings.corpus_dir], store, embedder, IngestOptions.from_settings(settings), prune=False
    )
    for path, reason in report.failed:
        _say(f"ingest: FAILED {path}: {reason}")
    if report.chunks_embedded:
        _say(f"ingest: {report.chunks_embedded} chunks embedded into {store.location}")
    return report


# -- running the systems --------------------------------------------------------------------------


def _turns(q: GoldQuestion) -> tuple[Turn, ...]:
    return tuple(Turn(t.question, t.answer) for t in q.history)


def citation_hit(c: Citation) -> Hit:
    return Hit(c.doc_id, tuple(c.section.split(" › ")) if c.section else (), c.quote)


def evaluate_ours(assistant: Any, questions: Sequence[GoldQuestion]) -> SystemResult:
    """Retrieve the top RANKED passages, then answer from the top top_k of them, as ask() would.

    The retrieval's ranking does not depend on k (fusion runs over a fixed candidate depth), so
    handing ask() the first top_k passages gives exactly the answer the app gives.
    """
    from assistant.assistant import check_question

    result = SystemResult(
        "ours",
        "hrdocs (hybrid + abstention)",
        "e5 + Swedish BM25 fused, glossary expansion, abstention policy; the answer's citations are "
        "scored for citation precision.",
    )
    # Warm up (model load, lexical index) so the timings are those of a running app.
    assistant.ask(questions[0].question, history=_turns(questions[0]))
    for q in questions:
        history = _turns(q)
        t0 = time.perf_counter()
        r = assistant.retriever.retrieve(check_question(q.question), RANKED, None, history)
        t1 = time.perf_counter()
        top = replace(r, passages=r.passages[: assistant.top_k])
        answer: Answer = assistant.ask(q.question, history=history, retrieval=top)
        t2 = time.perf_counter()
        hits = [Hit(p.chunk.doc_id, p.chunk.section_path, p.chunk.text) for p in r.passages]
        cited = [citation_hit(c) for c in answer.citations]
        result.scores.append(score_question(q, hits, answer.abstained, cited))
        result.retrieve_s.append(t1 - t0)
        result.compose_s.append(t2 - t1)
    return result


def evaluate_ranker(ranker: Ranker, questions: Sequence[GoldQuestion]) -> SystemResult:
    """A baseline never abstains; its top SHOWN passages stand in for citations."""
    result = SystemResult(ranker.name, ranker.label, ranker.notes)
    for q in questions:
        t0 = time.perf_counter()
        hits = ranker.search(q.question, RANKED, _turns(q))
        result.retrieve_s.append(time.perf_counter() - t0)
        result.scores.append(score_question(q, hits, False, hits[:SHOWN]))
    return result


# -- the report -----------------------------------------------------------------------------------


def breakdown(scores: Sequence[QuestionScore]) -> dict[str, Any]:
    order = {lang: i for i, lang in enumerate(LANGS)}
    langs = sorted({s.question.lang for s in scores}, key=lambda x: (order.get(x, len(order)), x))
    kinds = sorted({s.question.kind for s in scores})
    return {
        "all": summarize(scores),
        "by_lang": {lang: summarize([s for s in scores if s.question.lang == lang]) for lang in langs},
        "by_kind": {kind: summarize([s for s in scores if s.question.kind == kind]) for kind in kinds},
    }


def _ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 3) if a is not None and b else None


def build_report(
    questions: Sequence[GoldQuestion],
    results: Sequence[SystemResult],
    *,
    split: str,
    questions_path: Path,
    command: list[str],
) -> dict[str, Any]:
    from .report import REPO_ROOT

    systems = {r.name: {"label": r.label, "notes": r.notes, **breakdown(r.scores)} for r in results}
    ours = systems["ours"]
    ratios = {}
    for name, s in systems.items():
        if name == "ours":
            continue
        ratios[name] = {
            scope: {
                metric: _ratio(_get(ours, scope, metric), _get(s, scope, metric))
                for metric in ("recall@5", "mrr")
            }
            for scope in ("all", *ours["by_lang"])
        }
    for r in results:
        systems[r.name]["retrieve_latency"] = latency_ms(r.retrieve_s)
    first = results[0]
    systems["ours"]["compose_latency"] = latency_ms(first.compose_s)
    systems["ours"]["answer_latency"] = latency_ms(
        [a + b for a, b in zip(first.retrieve_s, first.compose_s, strict=True)]
    )
    per_question = []
    for i, q in enumerate(questions):
        per_question.append(
            {
                "id": q.id,
                "lang": q.lang,
                "kind": q.kind,
                "answerable": q.answerable,
                "question": q.question,
                "systems": {
                    r.name: {
                        "first_relevant": r.scores[i].first_relevant,
                        "abstained": r.scores[i].abstained,
                        "cited_relevant": sum(r.scores[i].cited_relevant),
                        "cited": len(r.scores[i].cited_relevant),
                    }
                    for r in results
                },
            }
        )
    missed = [
        {
            "id": q.id,
            "lang": q.lang,
            "kind": q.kind,
            "question": q.question,
            "first_relevant": sc.first_relevant,
        }
        for q, sc in zip(questions, first.scores, strict=True)
        if q.answerable and not (sc.first_relevant is not None and sc.first_relevant <= 5)
    ]
    try:
        shown_path = str(questions_path.resolve().relative_to(REPO_ROOT))
    except ValueError:
        shown_path = str(questions_path)
    return {
        "date": today(),
        "machine": machine_info(),
        "command": command_line("eval", command),
        "split": split,
        "questions": {
            "path": shown_path,
            "n": len(questions),
            "by_lang": {lang: sum(q.lang == lang for q in questions) for lang in ours["by_lang"]},
            "answerable": sum(q.answerable for q in questions),
            "unanswerable": sum(not q.answerable for q in questions),
        },
        "ranked": RANKED,
        "systems": systems,
        "ratios_ours_over": ratios,
        "missed_at_5": missed,
        "per_question": per_question,
    }


def _get(system: dict[str, Any], scope: str, metric: str) -> float | None:
    values = system["all"] if scope == "all" else system["by_lang"].get(scope, {})
    value = values.get(metric)
    return float(value) if value is not None else None


def _metrics_table(systems: dict[str, Any], scope: str) -> str:
    rows = []
    for s in systems.values():
        values = s["all"] if scope == "all" else s["by_lang"].get(scope, {})
        n = f"{int(values.get('n', 0))} ({int(values.get('n_answerable', 0))})"
        rows.append([s["label"], n, *(values.get(key) for key, _ in METRICS)])
    return markdown_table(["system", "n (answerable)", *(label for _, label in METRICS)], rows)


def render_markdown(report: dict[str, Any]) -> str:
    systems = report["systems"]
    ours = systems["ours"]
    qs = report["questions"]
    idx = report.get("index", {})
    langs = list(ours["by_lang"])
    lines = [
        "# Retrieval and answer quality: hrdocs vs baselines",
        "",
        f"- Date: {report['date']}",
        f"- Command: `{report['command']}`",
        f"- Machine: {machine_line(report['machine'])}",
        f"- Gold set: `{qs['path']}`, split **{report['split']}**: {qs['n']} questions ("
        + ", ".join(f"{n} {lang}" for lang, n in qs["by_lang"].items())
        + f"; {qs['answerable']} answerable, {qs['unanswerable']} unanswerable)",
    ]
    if idx:
        ing = idx["ingest"]
        lines.append(
            f"- Index: `{idx['location']}`, {idx['embedder']}, chunks of {idx['chunk_size']}/"
            f"{idx['chunk_overlap']} characters, {idx['chunks']} chunks in {idx['documents']} documents; "
            f"ingest before the run embedded {ing['chunks_embedded']} chunks ({ing['unchanged']} documents "
            f"unchanged); top_k {idx['top_k']}"
            + (
                f"; the LangChain baseline's index: {idx['langchain_chunks']} chunks"
                if idx["langchain_chunks"]
                else ""
            )
        )
    lines += [
        f"- Scoring: recall@k, MRR (over the top {report['ranked']}) and nDCG@5 over answerable questions; "
        "abstention accuracy over unanswerable ones; a passage holds the evidence when it is from the "
        "evidence's document and contains the quote or lies in its section (eval/metrics.py).",
        "",
    ]
    for scope, title in (("all", "All questions"), *((lang, f"Language: {lang}") for lang in langs)):
        lines += [f"## {title}", "", _metrics_table(systems, scope), ""]
    if report["ratios_ours_over"]:
        lines += ["## Ours / baseline", ""]
        header = [
            "baseline",
            *(f"recall@5 {s}" for s in ("all", *langs)),
            *(f"MRR {s}" for s in ("all", *langs)),
        ]
        rows = []
        for name, by_scope in report["ratios_ours_over"].items():
            rows.append(
                [
                    systems[name]["label"],
                    *(_times(by_scope[s]["recall@5"]) for s in ("all", *langs)),
                    *(_times(by_scope[s]["mrr"]) for s in ("all", *langs)),
                ]
            )
        lines += [markdown_table(header, rows), ""]
    lines += [
        "## By kind of question",
        "",
        "recall@5 / MRR; for unanswerable questions, abstention accuracy.",
        "",
    ]
    kinds = list(ours["by_kind"])
    rows = []
    for kind in kinds:
        row: list[Any] = [kind, int(ours["by_kind"][kind].get("n", 0))]
        for s in systems.values():
            v = s["by_kind"].get(kind, {})
            if "recall@5" in v:
                row.append(f"{fmt(v['recall@5'], 2)} / {fmt(v['mrr'], 2)}")
            else:
                row.append(fmt(v.get("abstention_accuracy"), 2))
        rows.append(row)
    lines += [markdown_table(["kind", "n", *(s["label"] for s in systems.values())], rows), ""]
    lines += [
        "## Time per question (warm)",
        "",
        "Wall-clock on this machine; other processes running at the same time inflate them.",
        "",
    ]
    steps = [
        ("retrieve (top 10)", ours["retrieve_latency"]),
        ("ask, given the retrieval", ours["compose_latency"]),
        ("whole answer (retrieve + ask)", ours["answer_latency"]),
        *((f"{s['label']}: search", s["retrieve_latency"]) for name, s in systems.items() if name != "ours"),
    ]
    time_rows = [[step, f"{t['median_ms']:.1f}", f"{t['p95_ms']:.1f}"] for step, t in steps]
    lines += [markdown_table(["step", "median ms", "p95 ms"], time_rows), ""]
    lines += [f"## Missed at rank 5 by ours ({len(report['missed_at_5'])})", ""]
    for m in report["missed_at_5"]:
        where = f"rank {m['first_relevant']}" if m["first_relevant"] else f"not in top {report['ranked']}"
        lines.append(f"- {m['id']} ({m['lang']}, {m['kind']}; {where}): {m['question']}")
    if not report["missed_at_5"]:
        lines.append("- none")
    lines += ["", "## Notes", ""]
    lines += [f"- **{s['label']}**: {s['notes']}" for s in systems.values()]
    lines += [
        "- Baselines never abstain, so their abstention accuracy is 0 and their false-refusal rate 0 by "
        "construction; compare them on recall, MRR and nDCG.",
        "- Chart: eval.png (recall@5 and MRR per language and system).",
        "",
    ]
    return "\n".join(lines)


def _times(value: float | None) -> str:
    return f"{value:.2f}×" if value is not None else "—"


def plot_eval(report: dict[str, Any], path: Path) -> None:
    systems = report["systems"]
    scopes = [*systems["ours"]["by_lang"], "all"]

    def values(metric: str) -> dict[str, dict[str, float | None]]:
        return {s["label"]: {scope: _get(s, scope, metric) for scope in scopes} for s in systems.values()}

    qs = report["questions"]
    grouped_bars(
        path,
        {"recall@5": values("recall@5"), "MRR": values("mrr")},
        f"hrdocs eval, split {report['split']} ({qs['answerable']} answerable questions), {report['date']}",
    )


def _cli_args(questions_path: Path, split: str, out_dir: Path, baselines: bool, as_json: bool) -> list[str]:
    args = []
    if questions_path != DEFAULT_GOLD:
        args += ["--questions", str(questions_path)]
    if split != "all":
        args += ["--split", split]
    if out_dir != DEFAULT_OUT:
        args += ["--out", str(out_dir)]
    if not baselines:
        args.append("--no-baselines")
    if as_json:
        args.append("--json")
    return args


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)
