"""`hrdocs`: the command line, a thin layer over assistant/ and ingest/.

Heavy imports (chromadb, torch, gradio) happen inside the commands so `hrdocs --help` is instant.
Errors a user can fix print one line and exit 1; anything else is a bug and shows a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from assistant.config import Settings
from assistant.errors import AssistantError


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _add_common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--index-dir", type=Path, help="index folder (HRDOCS_INDEX_DIR)")
    p.add_argument(
        "--embedder",
        choices=["bundled", "sentence-transformers", "hashing"],
        help="embedding model kind (HRDOCS_EMBEDDER)",
    )
    p.add_argument(
        "--embedding-model", help="a sentence-transformers folder or name (HRDOCS_EMBEDDING_MODEL)"
    )


def _filters_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--municipality", action="append", default=[], help="only this municipality (repeatable)")
    p.add_argument("--doc", action="append", default=[], help="only this doc_id (repeatable)")
    p.add_argument("--type", dest="doc_type", action="append", default=[], help="only this document type")
    p.add_argument("--year-from", type=int)
    p.add_argument("--year-to", type=int)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hrdocs",
        description="A cited assistant over Swedish municipal HR governance documents.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("ingest", help="index documents (default: the bundled corpus/)")
    p.add_argument("paths", nargs="*", type=Path, help="files or folders (default: corpus/)")
    p.add_argument("--json", action="store_true", help="print one JSON summary")
    p.add_argument("--rebuild", action="store_true", help="drop the index and build it again")
    p.add_argument("--repair", action="store_true", help="fix an inconsistent index, then ingest")
    p.add_argument("--no-prune", action="store_true", help="keep documents whose files are gone")
    p.add_argument("--access-group", default="", help="access group for files without a manifest entry")
    _add_common(p)

    p = sub.add_parser("docs", help="list indexed documents")
    p.add_argument("--json", action="store_true")
    _add_common(p)

    p = sub.add_parser("remove", help="remove a document from the index")
    p.add_argument("doc_id")
    _add_common(p)

    p = sub.add_parser("check", help="verify the index is consistent")
    p.add_argument("--json", action="store_true")
    _add_common(p)

    p = sub.add_parser("ask", help="ask a question")
    p.add_argument("question")
    p.add_argument("--json", action="store_true")
    p.add_argument("--group", action="append", dest="groups", help="answer as a user in this access group")
    _filters_args(p)
    _add_common(p)

    p = sub.add_parser("batch", help="answer many questions: IN.jsonl -> OUT.jsonl")
    p.add_argument("input", type=Path)
    p.add_argument("output", type=Path)
    _add_common(p)

    p = sub.add_parser("eval", help="evaluate on the gold set against baselines")
    p.add_argument("--questions", type=Path, help="gold set (default eval/questions.jsonl)")
    p.add_argument("--split", choices=["dev", "test", "all"], default="all")
    p.add_argument("--out", type=Path, help="report folder (default eval/reports)")
    p.add_argument("--no-baselines", action="store_true", help="only our pipeline")
    p.add_argument("--json", action="store_true")
    _add_common(p)

    p = sub.add_parser("bench", help="speed, memory and scale figures")
    p.add_argument(
        "--archive", type=Path, help="real PDFs for ingest and scale (default ../shared/alingsas-archive)"
    )
    p.add_argument("--scales", default="10000,100000,1000000", help="chunk counts for the scale curve")
    p.add_argument("--out", type=Path, help="report folder (default eval/reports)")
    p.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    p.add_argument(
        "--scale-budget-min",
        type=float,
        default=20.0,
        help="most minutes spent building the synthetic scale index; larger sizes are skipped (default 20)",
    )
    _add_common(p)

    p = sub.add_parser("recommendations", help="auditors' recommendations and the answers to them")
    p.add_argument("--json", action="store_true")
    p.add_argument("--municipality")
    p.add_argument("--open", action="store_true", help="only those still open")
    _add_common(p)

    p = sub.add_parser("glossary", help="look up a Swedish HR term or acronym")
    p.add_argument("query", nargs="?", default="")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("serve", help="start the web app (ingests the bundled corpus first if needed)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=7860)
    p.add_argument("--users-file", type=Path, help="users and roles (TOML); login is on when set")
    _add_common(p)
    return parser


def _settings(args: argparse.Namespace, base: Settings | None) -> Settings:
    overrides = {
        "index_dir": getattr(args, "index_dir", None),
        "embedder": getattr(args, "embedder", None),
        "embedding_model": getattr(args, "embedding_model", None),
        "users_file": getattr(args, "users_file", None),
    }
    if base is not None:
        return base.with_(**{k: v for k, v in overrides.items() if v is not None})
    if overrides["embedding_model"] and not overrides["embedder"]:
        overrides["embedder"] = "sentence-transformers"
    return Settings.from_env(**overrides)


def main(argv: Sequence[str] | None = None, settings: Settings | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = _settings(args, settings)
        from . import commands

        handler = getattr(commands, f"cmd_{args.command}")
        return int(handler(args, settings) or 0)
    except AssistantError as exc:
        _say(f"hrdocs: {exc}")
        return 1
    except KeyboardInterrupt:
        _say("hrdocs: interrupted")
        return 130


def print_json(obj: object) -> None:
    json.dump(obj, sys.stdout, ensure_ascii=False, indent=None)
    sys.stdout.write("\n")
    sys.stdout.flush()


def elapsed(since: float) -> str:
    return f"{time.perf_counter() - since:.1f} s"


if __name__ == "__main__":
    raise SystemExit(main())
