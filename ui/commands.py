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
