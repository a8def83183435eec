"""The gold question set (eval/questions.jsonl): load it, and check it against the corpus.

Each line is one question with the passages that answer it. A passage is named by document,
section (the innermost heading the chunker gives it, "" for text without one) and a short quote
that must occur word for word in that section of the document, whitespace aside. "The document"
is its text as ingestion indexes it (extracted and cleaned by ingest.loaders), so the labels are
checked against exactly what retrieval sees. Pointing at sections and quotes rather than chunk ids
keeps the labels valid when chunk sizes change; a change to the headings the chunker finds shows
up here as a problem to fix in the labels.

    python -m eval.validate_gold [questions.jsonl] [--corpus DIR]

prints the counts by split, language and kind and every problem found; it exits 1 on problems.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.errors import CorpusError, LoadError
from ingest.chunking import find_sections
from ingest.loaders import extract
from ingest.manifest import load_manifest

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_GOLD = Path(__file__).resolve().parent / "questions.jsonl"
DEFAULT_CORPUS = REPO_ROOT / "corpus"

SPLITS = ("dev", "test")
LANGS = ("sv", "en")
PERSONAS = ("politician", "hr", "meeting")
KINDS = (
    "fact",
    "section",
    "table_number",
    "footnote",
    "disambiguation",
    "definition",
    "followup",
    "recommendation",
    "unanswerable",
)
_MAX_DOC_BYTES = 512 * 2**20
QUOTE_MIN_CHARS = 20
QUOTE_MAX_CHARS = 120
_ID = re.compile(r"^q\d{3,}$")
_REQUIRED = ("id", "split", "lang", "persona", "kind", "question", "answerable")
_KNOWN = {*_REQUIRED, "evidence", "history"}


class GoldSetError(ValueError):
    """A line of the gold file cannot be read as a question (bad JSON, wrong shape)."""


@dataclass(frozen=True, slots=True)
class Evidence:
    doc: str  # doc_id from corpus/manifest.toml
    section: str  # innermost section label as the chunker gives it; "" for text without one
    quote: str  # verbatim (whitespace aside) text of that section that holds the answer


@dataclass(frozen=True, slots=True)
class HistoryTurn:
    question: str
    answer: str


@dataclass(frozen=True, slots=True)
class GoldQuestion:
    id: str
    split: str  # "dev" | "test"
    lang: str  # "sv" | "en"
    persona: str  # "politician" | "hr" | "meeting"
    kind: str  # one of KINDS
    question: str
    answerable: bool
    evidence: tuple[Evidence, ...] = ()
    history: tuple[HistoryTurn, ...] = ()  # earlier turns, for follow-up questions

    @property
    def doc_ids(self) -> tuple[str, ...]:
        """The documents that answer the question, in evidence order, without repeats."""
        return tuple(dict.fromkeys(e.doc for e in self.evidence))

    @property
    def sections(self) -> tuple[tuple[str, str], ...]:
        """(doc_id, section) pairs that answer the question, without repeats."""
        return tuple(dict.fromkeys((e.doc, e.section) for e in self.evidence))


def load_gold(path: Path = DEFAULT_GOLD) -> list[GoldQuestion]:
    """Read the gold file: one JSON object per non-blank line.

    Raises:
        GoldSetError: a line is not a JSON object of the expected shape. Values (a wrong
            language, a quote not in the document) are left to `validate`.
    """
    questions = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as exc:
            raise GoldSetError(f"{path}:{n}: not valid JSON ({exc.msg})") from exc
        try:
            questions.append(_question(raw))
        except (TypeError, ValueError) as exc:
            raise GoldSetError(f"{path}:{n}: {exc}") from exc
    return questions


def _question(raw: Any) -> GoldQuestion:
    if not isinstance(raw, dict):
        raise TypeError("a line must be a JSON object")
    missing = [k for k in _REQUIRED if k not in raw]
    if missing:
        raise ValueError(f"missing fields {missing}")
    unknown = sorted(set(raw) - _KNOWN)
    if unknown:
        raise ValueError(f"unknown fields {unknown}")
    for key in ("id", "split", "lang", "persona", "kind", "question"):
        if not isinstance(raw[key], str):
            raise TypeError(f"{key} must be a string")
    if not isinstance(raw["answerable"], bool):
        raise TypeError("answerable must be true or false")
    evidence = _records(raw.get("evidence") or [], "evidence", ("doc", "section", "quote"))
    history = _records(raw.get("history") or [], "history", ("question", "answer"))
    return GoldQuestion(
        id=raw["id"],
        split=raw["split"],
        lang=raw["lang"],
        persona=raw["persona"],
        kind=raw["kind"],
        question=raw["question"],
        answerable=raw["answerable"],
        evidence=tuple(Evidence(**r) for r in evidence),
        history=tuple(HistoryTurn(**r) for r in history),
    )


def _records(value: Any, name: str, keys: tuple[str, ...]) -> list[dict[str, str]]:
    if not isinstance(value, list):
        raise TypeError(f"{name} must be a list")
    records = []
    for item in value:
        if not isinstance(item, dict) or set(item) != set(keys):
            raise TypeError(f"each {name} entry must be an object with exactly {list(keys)}")
        if not all(isinstance(item[k], str) for k in keys):
            raise TypeError(f"the fields of a {name} entry must be strings")
        records.append({k: item[k] for k in keys})
    return records


def normalize_space(text: str) -> str:
    """Collapse every run of whitespace to one space and strip the ends."""
    return " ".join(text.split())


@dataclass(frozen=True, slots=True)
class _Doc:
    text: str  # whitespace-normalised document text
    raw_offsets: tuple[int, ...]  # raw offset of each character of `text`
    section_starts: tuple[int, ...]  # raw start offset of each section, ascending
    section_labels: tuple[str, ...]  # innermost label of each section ("" for none)

    def sections_of(self, quote: str) -> set[str]:
        """Labels of the sections that hold an occurrence of `quote` whole."""
        found = set()
        start = self.text.find(quote)
        while start >= 0:
            first = bisect_right(self.section_starts, self.raw_offsets[start]) - 1
            last = bisect_right(self.section_starts, self.raw_offsets[start + len(quote) - 1]) - 1
            if first == last and first >= 0:
                found.add(self.section_labels[first])
            start = self.text.find(quote, start + 1)
        return found


def document_text(path: Path) -> str:
    """The text of a document as ingestion indexes it: extracted and cleaned by ingest.loaders."""
    return extract(path, max_bytes=_MAX_DOC_BYTES).text


def _read_doc(path: Path) -> _Doc:
    raw = document_text(path)
    chars: list[str] = []
    offsets: list[int] = []
    for m in re.finditer(r"\S+", raw):
        if chars:
            chars.append(" ")
            offsets.append(m.start() - 1)
        chars.extend(m.group())
        offsets.extend(range(m.start(), m.end()))
    sections = find_sections(raw)
    return _Doc(
        text="".join(chars),
        raw_offsets=tuple(offsets),
        section_starts=tuple(s.start for s in sections),
        section_labels=tuple(s.path[-1] if s.path else "" for s in sections),
    )


def corpus_files(corpus_dir: Path) -> dict[str, Path]:
    """doc_id -> file, for every document the manifest in `corpus_dir` names."""
    manifest = load_manifest(corpus_dir)
    if not manifest:
        raise CorpusError(f"{corpus_dir}: no manifest.toml with [[document]] entries")
    docs = {}
    for file, fields in manifest.items():
        doc_id = fields.get("doc_id") or Path(file).stem
        docs[doc_id] = corpus_dir / file
    return docs


def validate(questions: Sequence[GoldQuestion], corpus_dir: Path = DEFAULT_CORPUS) -> list[str]:
    """Every problem of the gold set, one line each; [] when it is sound.

    Checks: unique ids and questions; valid split, language, persona and kind; answerable
    questions have evidence and unanswerable ones none; follow-ups (and only they) have a
    history; every evidence names a document of the manifest, a section the chunker produces
    for it ("" for text under no heading) and a quote of 20-120 characters that occurs in that
    section of the document after whitespace is normalised on both sides.
    """
    problems: list[str] = []
    files = corpus_files(corpus_dir)
    docs: dict[str, _Doc] = {}
    ids = Counter(q.id for q in questions)
    texts = Counter(normalize_space(q.question).casefold() for q in questions)
    for q in questions:
        where = q.id or "<no id>"
        if ids[q.id] > 1:
            problems.append(f"{where}: id used {ids[q.id]} times")
        if not _ID.match(q.id):
            problems.append(f"{where}: id must look like q001")
        if texts[normalize_space(q.question).casefold()] > 1:
            problems.append(f"{where}: the same question appears more than once")
        problems += [f"{where}: {p}" for p in _field_problems(q)]
        for n, ev in enumerate(q.evidence, 1):
            problems += [f"{where}: evidence {n}: {p}" for p in _evidence_problems(ev, files, docs)]
    return problems


def _field_problems(q: GoldQuestion) -> Iterable[str]:
    for name, value, allowed in (
        ("split", q.split, SPLITS),
        ("lang", q.lang, LANGS),
        ("persona", q.persona, PERSONAS),
        ("kind", q.kind, KINDS),
    ):
        if value not in allowed:
            yield f"{name} {value!r} is not one of {list(allowed)}"
    if not q.question.strip():
        yield "empty question"
    if q.answerable and not q.evidence:
        yield "answerable but without evidence"
    if not q.answerable and q.evidence:
        yield "unanswerable but with evidence"
    if (q.kind == "unanswerable") == q.answerable:
        yield "kind unanswerable goes with answerable false, and only with it"
    if q.kind == "followup" and not q.history:
        yield "a followup needs a history"
    if q.kind != "followup" and q.history:
        yield "only followups have a history"
    for turn in q.history:
        if not turn.question.strip() or not turn.answer.strip():
            yield "a history turn needs a question and an answer"
    if len(set(q.evidence)) != len(q.evidence):
        yield "the same evidence is listed twice"


def _evidence_problems(ev: Evidence, files: dict[str, Path], docs: dict[str, _Doc]) -> Iterable[str]:
    if ev.doc not in files:
        yield f"document {ev.doc!r} is not in the manifest"
        return
    if ev.doc not in docs:
        try:
            docs[ev.doc] = _read_doc(files[ev.doc])
        except LoadError as exc:
            yield f"document {ev.doc!r} cannot be read: {exc}"
            return
    doc = docs[ev.doc]
    quote = normalize_space(ev.quote)
    if quote != ev.quote:
        yield "quote has leading, trailing or repeated whitespace"
    if not QUOTE_MIN_CHARS <= len(quote) <= QUOTE_MAX_CHARS:
        yield f"quote is {len(quote)} characters, not {QUOTE_MIN_CHARS}-{QUOTE_MAX_CHARS}"
    labels = set(doc.section_labels)
    if ev.section not in labels:
        yield f"section {ev.section!r} is not one the chunker produces for {ev.doc} ({sorted(labels)})"
    if quote not in doc.text:
        yield f"quote not found in {ev.doc}: {quote!r}"
        return
    holding = doc.sections_of(quote)
    if ev.section in labels and ev.section not in holding:
        yield f"quote is in section {sorted(holding)}, not {ev.section!r}: {quote!r}"


def counts(questions: Sequence[GoldQuestion]) -> dict[str, Counter[str]]:
    """Counts by split, language, kind, persona and answerability, for reports and tests."""
    return {
        "split": Counter(q.split for q in questions),
        "lang": Counter(q.lang for q in questions),
        "kind": Counter(q.kind for q in questions),
        "persona": Counter(q.persona for q in questions),
        "answerable": Counter("answerable" if q.answerable else "unanswerable" for q in questions),
        "lang_split": Counter(f"{q.lang}/{q.split}" for q in questions),
        "lang_kind": Counter(f"{q.lang}/{q.kind}" for q in questions),
    }


def report(questions: Sequence[GoldQuestion]) -> str:
    """A plain-text table of the counts."""
    c = counts(questions)
    lines = [f"{len(questions)} questions"]
    for name in ("split", "lang", "persona", "answerable"):
        lines.append(f"{name:>10}: " + ", ".join(f"{k} {v}" for k, v in sorted(c[name].items())))
    lines.append("")
    header = f"{'kind':<16}" + "".join(f"{f'{lang}/{split}':>9}" for lang in LANGS for split in SPLITS)
    lines.append(header + f"{'total':>7}")
    by = Counter((q.kind, q.lang, q.split) for q in questions)
    for kind in KINDS:
        cells = "".join(f"{by[(kind, lang, split)]:>9}" for lang in LANGS for split in SPLITS)
        lines.append(f"{kind:<16}{cells}{c['kind'][kind]:>7}")
    totals = "".join(f"{c['lang_split'][f'{lang}/{split}']:>9}" for lang in LANGS for split in SPLITS)
    lines.append(f"{'total':<16}{totals}{len(questions):>7}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m eval.validate_gold", description="Check the gold question set against the corpus."
    )
    parser.add_argument("gold", nargs="?", type=Path, default=DEFAULT_GOLD, help="the gold JSONL file")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="folder with manifest.toml")
    args = parser.parse_args(argv)
    try:
        questions = load_gold(args.gold)
        problems = validate(questions, args.corpus)
    except (GoldSetError, CorpusError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(report(questions))
    if problems:
        print(f"\n{len(problems)} problems:")
        for p in problems:
            print(f"  {p}")
        return 1
    print("\nno problems")
    return 0


if __name__ == "__main__":
    sys.exit(main())
