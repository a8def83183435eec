"""The CLI's commands: each turns parsed arguments into calls on assistant/ and ingest/."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from assistant.config import Settings
from assistant.errors import AssistantError

from .cli import _say, print_json


def _embedder(settings: Settings):
    from assistant.build import make_embedder

    return make_embedder(settings, progress=_say)


def _store(settings: Settings):
    from assistant.build import make_store

    return make_store(settings)


def run_ingest(
    settings: Settings,
    paths: list[Path],
    *,
    quiet: bool = False,
    rebuild: bool = False,
    repair: bool = False,
    prune: bool = True,
    access_group: str = "",
):
    """Ingest with a progress bar on stderr; returns the report. Shared by `ingest` and `serve`."""
    from assistant.build import make_store
    from ingest.pipeline import IngestOptions, Progress, ingest

    if rebuild:
        make_store(settings, check_embedder=False).clear()
    store = make_store(settings)
    if repair:
        fixed = store.repair()
        _say(f"repair: fixed {len(fixed)} problem(s)" + "".join(f"\n  {p}" for p in fixed))
    embedder = _embedder(settings)
    options = IngestOptions.from_settings(settings, access_group)
    bar = None
    if not quiet:
        from tqdm import tqdm

        bar = tqdm(total=0, unit="file", file=sys.stderr, desc="ingest", dynamic_ncols=True)

    def progress(p: Progress) -> None:
        if bar is not None:
            bar.total = p.files_total
            bar.n = p.files_done
            bar.set_postfix_str(f"{p.chunks_embedded} chunks embedded {p.current[:40]}", refresh=True)

    try:
        report = ingest(paths, store, embedder, options, prune=prune, on_progress=progress)
    finally:
        if bar is not None:
            bar.close()
    return report, store


def cmd_ingest(args: argparse.Namespace, settings: Settings) -> int:
    paths = args.paths or [settings.corpus_dir]
    start = time.perf_counter()
    report, store = run_ingest(
        settings,
        paths,
        quiet=args.json,
        rebuild=args.rebuild,
        repair=args.repair,
        prune=not args.no_prune,
        access_group=args.access_group,
    )
    seconds = time.perf_counter() - start
    if args.json:
        print_json(report.to_json())
    else:
        for path, reason in report.failed:
            print(f"FAILED {path}: {reason}")
        print(
            f"{len(report.added)} added, {len(report.updated)} updated, {len(report.unchanged)} unchanged, "
            f"{len(report.removed)} removed, {len(report.failed)} failed; {report.chunks_embedded} chunks "
            f"embedded in {seconds:.1f} s; the index holds {len(store.documents())} documents "
            f"({store.chunk_count()} chunks) at {store.location}"
        )
    return 1 if report.failed else 0


def cmd_docs(args: argparse.Namespace, settings: Settings) -> int:
    docs = _store(settings).documents()
    if args.json:
        print_json(
            [
                {
                    "doc_id": d.meta.doc_id,
                    "title": d.meta.title,
                    "municipality": d.meta.municipality,
                    "type": d.meta.doc_type,
                    "date": d.meta.date,
                    "author": d.meta.author,
                    "access_group": d.meta.access_group,
                    "chunks": d.chunk_count,
                    "source": d.meta.source,
                }
                for d in docs
            ]
        )
        return 0
    if not docs:
        print("The index is empty: run `hrdocs ingest`.")
    for d in docs:
        m = d.meta
        print(
            f"{m.doc_id}\n  {m.title}\n  {m.municipality or '-'} · {m.doc_type or '-'} · {m.date or '-'} · "
            f"{d.chunk_count} chunks" + (f" · group {m.access_group}" if m.access_group else "")
        )
    return 0


def cmd_remove(args: argparse.Namespace, settings: Settings) -> int:
    if not _store(settings).remove_document(args.doc_id):
        raise AssistantError(f"no document {args.doc_id!r} in the index (see `hrdocs docs`)")
    print(f"removed {args.doc_id}")
    return 0


def cmd_check(args: argparse.Namespace, settings: Settings) -> int:
    store = _store(settings)
    problems = store.check()
    from assistant.lexical import LexicalIndex

    problems += LexicalIndex.check(store, settings.cache_dir)
    leftovers = store.leftovers()
    if args.json:
        print_json(
            {
                "ok": not problems,
                "problems": problems,
                "leftovers": leftovers,
                "documents": len(store.documents()),
                "chunks": store.chunk_count(),
            }
        )
        return 1 if problems else 0
    if problems:
        print("The index has problems (fix them with `hrdocs ingest --repair`):")
        for p in problems:
            print(f"  {p}")
    else:
        print(f"OK: {len(store.documents())} documents at {store.location}; every document is complete")
    if leftovers:
        print("Leftovers of an interrupted write (invisible to queries; the next ingest removes them):")
        for p in leftovers:
            print(f"  {p}")
    return 1 if problems else 0


def _filters(args: argparse.Namespace):
    from assistant.types import Filters

    return Filters(
        municipalities=tuple(getattr(args, "municipality", None) or ()),
        doc_ids=tuple(getattr(args, "doc", None) or ()),
        doc_types=tuple(getattr(args, "doc_type", None) or ()),
        year_from=getattr(args, "year_from", None),
        year_to=getattr(args, "year_to", None),
        groups=tuple(args.groups) if getattr(args, "groups", None) else None,
    )


def _ready_assistant(settings: Settings):
    from assistant.build import make_assistant
    from assistant.errors import IndexMissingError

    assistant = make_assistant(settings, progress=_say)
    if not assistant.retriever.store.documents():
        raise IndexMissingError(f"The index at {settings.index_dir} is empty: run `hrdocs ingest` first")
    return assistant


def answer_json(answer, doc_titles: dict[str, str] | None = None) -> dict[str, object]:
    """The batch/--json shape: citations best first, each with the cited passage."""
    return {
        "answer": answer.text,
        "abstained": answer.abstained,
        "language": answer.language,
        "citations": [
            {
                "n": c.number,
                "doc": c.doc_id,
                "title": c.title,
                "section": c.section,
                "page": c.page,
                "text": c.quote,
                "highlights": list(c.highlights),
                "score": c.score,
                "date": c.date,
            }
            for c in sorted(answer.citations, key=lambda c: -c.score)
        ],
        "related": [
            {"doc": c.doc_id, "title": c.title, "section": c.section, "page": c.page, "text": c.quote}
            for c in answer.related
        ],
        "notes": list(answer.notes),
    }


def cmd_ask(args: argparse.Namespace, settings: Settings) -> int:
    assistant = _ready_assistant(settings)
    answer = assistant.ask(args.question, filters=_filters(args))
    if args.json:
        print_json({"question": answer.question, **answer_json(answer)})
        return 0
    print(answer.text)
    if answer.citations:
        print()
        for c in answer.citations:
            where = ", ".join(x for x in (c.section, f"s. {c.page}" if c.page else "") if x)
            print(f"[{c.number}] {c.title} ({c.date or 'odaterad'})" + (f" – {where}" if where else ""))
    for note in answer.notes:
        print(f"({note})", file=sys.stderr)
    return 0


def cmd_batch(args: argparse.Namespace, settings: Settings) -> int:
    """One model load for many questions: IN.jsonl {"id", "question"} -> OUT.jsonl."""
    import json
    import statistics

    from assistant.errors import InvalidQuestionError

    lines = args.input.read_text(encoding="utf-8").splitlines()
    requests = []
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
            requests.append((obj.get("id", n), str(obj["question"])))
        except (json.JSONDecodeError, KeyError, TypeError, AttributeError) as exc:
            raise AssistantError(f"{args.input}:{n}: not a JSON object with a question ({exc})") from exc
    assistant = _ready_assistant(settings)
    if requests:
        assistant.ask(requests[0][1])  # warm up: the first call loads the model and the lexical index
    times = []
    args.output.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.output.with_name(args.output.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as out:
        for qid, question in requests:
            start = time.perf_counter()
            try:
                record = {"id": qid, **answer_json(assistant.ask(question))}
            except InvalidQuestionError as exc:
                record = {"id": qid, "answer": "", "abstained": True, "citations": [], "error": str(exc)}
            times.append(time.perf_counter() - start)
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    tmp.replace(args.output)
    if times:
        ordered = sorted(times)
        p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
        _say(
            f"{len(times)} questions answered into {args.output}: "
            f"median {statistics.median(times) * 1000:.0f} ms, "
            f"p95 {p95 * 1000:.0f} ms per question"
        )
    return 0


def cmd_recommendations(args: argparse.Namespace, settings: Settings) -> int:
    from assistant.recommendations import to_json
    from assistant.tracker import STATUS_SV, RecommendationService

    store = _store(settings)
    items = RecommendationService(store).filtered(municipality=args.municipality, open_only=args.open)
    if args.json:
        print_json(to_json(items))
        return 0
    if not items:
        print("Inga rekommendationer hittades i de indexerade dokumenten.")
    for item in items:
        page = f", s. {item.audit.page}" if item.audit.page else ""
        print(
            f"- {item.recommendation}\n  {item.audit.title} ({item.audit.date}{page}) – "
            f"{STATUS_SV.get(item.status, item.status)}"
        )
        for ans in item.answers:
            print(f"  Svar ({ans.title}, {ans.date}): {' '.join(ans.text.split())[:200]}")
    return 0


def cmd_glossary(args: argparse.Namespace, settings: Settings) -> int:
    from assistant.glossary import Glossary

    terms = Glossary.load(settings.glossary_path).search(args.query, limit=50)
    if args.json:
        print_json(
            [
                {
                    "sv": t.sv,
                    "en": list(t.en),
                    "explanation_sv": t.explanation_sv,
                    "explanation_en": t.explanation_en,
                    "acronym": t.acronym,
                    "expansion_sv": t.expansion_sv,
                }
                for t in terms
            ]
        )
        return 0
    if not terms:
        print(f"Inget ord i ordlistan matchar {args.query!r}.")
    for t in terms:
        name = t.sv + (f" ({t.expansion_sv})" if t.acronym and t.expansion_sv else "")
        print(f"{name} – {', '.join(t.en)}\n  {t.explanation_sv}")
    return 0


def cmd_eval(args: argparse.Namespace, settings: Settings) -> int:
    from eval.run import run_eval

    return run_eval(
        settings,
        questions_path=args.questions,
        split=args.split,
        out_dir=args.out,
        baselines=not args.no_baselines,
        as_json=args.json,
    )


def cmd_bench(args: argparse.Namespace, settings: Settings) -> int:
    from eval.bench import run_bench

    scales = tuple(int(s) for s in args.scales.split(",") if s.strip())
    return run_bench(
        settings,
        archive=args.archive,
        scales=scales,
        out_dir=args.out,
        quick=args.quick,
        scale_budget_s=args.scale_budget_min * 60,
    )


def cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    from .serve import serve

    serve(settings, host=args.host, port=args.port)
    return 0
