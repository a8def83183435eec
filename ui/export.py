"""Drafts a politician can edit: a conversation as DOCX and Markdown, and the recommendation tracker
as CSV and DOCX.

A draft holds each question, its answer, the quoted passages and a reference list (title, author
organisation, date, sections, pages), so every claim can be checked against its source.
"""

from __future__ import annotations

import csv
import re
import shutil
import tempfile
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.types import Answer, Citation

from .i18n import status_label, t

if TYPE_CHECKING:
    from assistant.recommendations import TrackedRecommendation

_EXPORT_TTL_S = 3600
_BOLD = re.compile(r"\*\*(.+?)\*\*")
_LINKED_MARKER = re.compile(r"\[\[(\d+)\]\]\(#[^)]*\)")


@dataclass
class Reference:
    """One cited document, with every section and page the draft quotes from it."""

    number: int
    title: str
    author: str
    date: str
    municipality: str
    doc_type: str
    sections: list[str] = field(default_factory=list)
    pages: list[int] = field(default_factory=list)


def references(answers: Sequence[Answer]) -> list[Reference]:
    """The cited documents of `answers`, in order of first citation."""
    by_doc: dict[str, Reference] = {}
    for answer in answers:
        for c in answer.citations:
            ref = by_doc.get(c.doc_id)
            if ref is None:
                ref = by_doc[c.doc_id] = Reference(
                    len(by_doc) + 1, c.title, c.author, c.date, c.municipality, c.doc_type
                )
            if c.section and c.section not in ref.sections:
                ref.sections.append(c.section)
            if c.page and c.page not in ref.pages:
                ref.pages.append(c.page)
    return list(by_doc.values())


def reference_text(ref: Reference, lang: str) -> str:
    """ "Title. Author, date. Section: …; page 3, 5." (plain text)"""
    head = ref.title.rstrip(".") + "."
    origin = ", ".join(x for x in (ref.author or ref.municipality, ref.date) if x)
    parts = [head, f"{origin}." if origin else ""]
    if ref.sections:
        parts.append(f"{t(lang, 'section')}: {'; '.join(ref.sections)}.")
    if ref.pages:
        label = t(lang, "page") if len(ref.pages) == 1 else t(lang, "pages")
        parts.append(f"{label} {', '.join(str(p) for p in sorted(ref.pages))}.")
    return " ".join(p for p in parts if p)


def quote_source(c: Citation, lang: str) -> str:
    where = [c.title]
    if c.section:
        where.append(f"{t(lang, 'section').lower()} {c.section}")
    if c.page:
        where.append(f"{t(lang, 'page').lower()} {c.page}")
    return ", ".join(where)


def plain(markdown: str) -> str:
    """Answer markdown without link targets: "[[1]](#cite-0-1)" -> "[1]"."""
    return _LINKED_MARKER.sub(r"[\1]", markdown)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def to_markdown(answers: Sequence[Answer], lang: str) -> str:
    lines = [
        f"# {t(lang, 'doc_heading')}",
        "",
        f"_{t(lang, 'doc_disclaimer', date=date.today().isoformat())}_",
    ]
    for n, answer in enumerate(answers, 1):
        label = f"{t(lang, 'doc_question')} {n}" if len(answers) > 1 else t(lang, "doc_question")
        lines += [
            "",
            f"## {label}",
            "",
            f"> {_one_line(answer.question)}",
            "",
            f"### {t(lang, 'doc_answer')}",
            "",
        ]
        lines.append(plain(answer.text))
        if answer.abstained:
            lines += ["", f"_{t(lang, 'doc_abstained')}_"]
        if answer.citations:
            lines += ["", f"### {t(lang, 'doc_quotes')}", ""]
            for c in answer.citations:
                lines.append(f"[{c.number}] ”{_one_line(c.quote)}” — {quote_source(c, lang)}")
                lines.append("")
    refs = references(answers)
    if refs:
        lines += ["", f"## {t(lang, 'doc_references')}", ""]
        lines += [f"{r.number}. {reference_text(r, lang)}" for r in refs]
    return "\n".join(lines).rstrip() + "\n"


def _add_runs(paragraph, text: str) -> None:  # type: ignore[no-untyped-def]
    """Markdown **bold** as bold runs; everything else as plain text."""
    pos = 0
    for m in _BOLD.finditer(text):
        paragraph.add_run(text[pos : m.start()])
        paragraph.add_run(m[1]).bold = True
        pos = m.end()
    paragraph.add_run(text[pos:])


def write_docx(answers: Sequence[Answer], path: Path, lang: str) -> Path:
    from docx import Document

    doc = Document()
    doc.add_heading(t(lang, "doc_heading"), level=0)
    doc.add_paragraph().add_run(t(lang, "doc_disclaimer", date=date.today().isoformat())).italic = True
    for n, answer in enumerate(answers, 1):
        label = f"{t(lang, 'doc_question')} {n}" if len(answers) > 1 else t(lang, "doc_question")
        doc.add_heading(label, level=1)
        doc.add_paragraph(_one_line(answer.question), style="Quote")
        doc.add_heading(t(lang, "doc_answer"), level=2)
        for line in plain(answer.text).splitlines():
            if not line.strip():
                continue
            if line.lstrip().startswith(("- ", "* ")):
                _add_runs(doc.add_paragraph(style="List Bullet"), line.lstrip()[2:])
            else:
                _add_runs(doc.add_paragraph(), line)
        if answer.abstained:
            doc.add_paragraph().add_run(t(lang, "doc_abstained")).italic = True
        if answer.citations:
            doc.add_heading(t(lang, "doc_quotes"), level=2)
            for c in answer.citations:
                p = doc.add_paragraph()
                p.add_run(f"[{c.number}] ").bold = True
                p.add_run(f"”{_one_line(c.quote)}”")
                p.add_run(f" — {quote_source(c, lang)}").italic = True
    refs = references(answers)
    if refs:
        doc.add_heading(t(lang, "doc_references"), level=1)
        for r in refs:
            doc.add_paragraph(reference_text(r, lang), style="List Number")
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(path))
    return path


def write_conversation(answers: Sequence[Answer], folder: Path, lang: str) -> tuple[Path, Path]:
    """The draft as `interpellationssvar.docx` and `.md` in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    md = folder / "interpellationssvar.md"
    md.write_text(to_markdown(answers, lang), encoding="utf-8")
    return write_docx(answers, folder / "interpellationssvar.docx", lang), md


# --- the recommendation tracker -------------------------------------------------------------------


def tracker_rows(items: Sequence[TrackedRecommendation], lang: str) -> list[list[str]]:
    """Table rows: recommendation, audit, status, latest answer."""
    rows = []
    for it in items:
        audit = ", ".join(x for x in (it.audit.title, it.audit.date) if x)
        latest = it.answers[-1] if it.answers else None
        answer = ", ".join(x for x in (latest.title, latest.date) if x) if latest else ""
        rows.append([it.recommendation, audit, status_label(lang, it.status), answer])
    return rows


def write_tracker_csv(items: Sequence[TrackedRecommendation], path: Path, lang: str) -> Path:
    header = [
        t(lang, "col_recommendation"),
        t(lang, "col_audit"),
        t(lang, "col_date"),
        t(lang, "section"),
        t(lang, "page"),
        t(lang, "col_status"),
        t(lang, "col_answer"),
        t(lang, "tracker_evidence"),
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    # utf-8-sig: Excel opens it with å, ä and ö intact.
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(header)
        for it in items:
            answers = "; ".join(", ".join(x for x in (a.title, a.date) if x) for a in it.answers)
            writer.writerow(
                [
                    it.recommendation,
                    it.audit.title,
                    it.audit.date,
                    it.audit.section,
                    it.audit.page or "",
                    status_label(lang, it.status),
                    answers,
                    _one_line(it.evidence),
                ]
            )
    return path


def write_tracker_docx(items: Sequence[TrackedRecommendation], path: Path, lang: str) -> Path:
    from docx import Document

    doc = Document()
    doc.add_heading(t(lang, "tracker_doc_title"), level=0)
    table = doc.add_table(rows=1, cols=4)
    table.style = "Table Grid"
    for cell, key in zip(
        table.rows[0].cells, ("col_recommendation", "col_audit", "col_status", "col_answer"), strict=True
    ):
        cell.text = t(lang, key)
    for row in tracker_rows(items, lang):
        cells = table.add_row().cells
        for cell, value in zip(cells, row, strict=True):
            cell.text = value
    for n, it in enumerate(items, 1):
        doc.add_heading(f"{n}. {it.recommendation}", level=2)
        doc.add_paragraph(f"{t(lang, 'col_status')}: {status_label(lang, it.status)}")
        doc.add_paragraph(f"”{_one_line(it.audit.text)}” — {it.audit.title}", style="Quote")
        for a in it.answers:
            doc.add_paragraph(f"{a.title} ({a.date}): ”{_one_line(a.text)}”", style="List Bullet")
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(path))
    return path


def export_folder() -> Path:
    """A fresh folder for one export; exports older than an hour are swept away."""
    root = Path(tempfile.gettempdir()) / "hrdocs-exports"
    root.mkdir(exist_ok=True)
    now = time.time()
    for old in root.iterdir():
        if now - old.stat().st_mtime > _EXPORT_TTL_S:
            shutil.rmtree(old, ignore_errors=True)
    folder = root / uuid.uuid4().hex
    folder.mkdir()
    return folder
