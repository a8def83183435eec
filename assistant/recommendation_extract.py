"""Find the pieces of an audit trail in one document: recommendations, answers, follow-up verdicts.

Audit reports end in a list after "rekommenderar vi ... att:" (or under a "Rekommendationer"
heading, or in a table column "Rekommendation"). Answer documents quote each recommendation and
follow it with "Svar:", "Nämndens svar" or "Förvaltningens yttrande". Follow-up audits give a
status per recommendation, usually in a table "Rekommendation | Status | Kommentar" or after
"Status:"/"Bedömning:". Everything found is a `Located`: an exact slice of the document text with
its page and section, so it can always be cited. Linking across documents is in `recommendations`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from assistant.types import DocumentText

Kind = Literal["audit", "answer", "followup", "other"]
Verdict = Literal["done", "partly", "open"]


@dataclass(frozen=True, slots=True)
class Located:
    """A passage of a document, exactly as written there: `text` is `doc.text[start:end]`."""

    doc_id: str
    title: str
    date: str
    page: int | None
    section: str
    text: str
    start: int
    end: int
    municipality: str = ""


@dataclass(frozen=True, slots=True)
class Reply:
    """A quoted (or paraphrased) recommendation and what follows it: an answer or a verdict."""

    quoted: Located | None  # None: the reply names only a number ("Rekommendation 2")
    reply: Located  # the answer text, or the verdict passage (a table row, a "Status:" paragraph)
    number: int | None = None  # from an explicit "Rekommendation 2" label only
    verdict: Verdict | None = None  # follow-ups only


# --- classification ------------------------------------------------------------------------------

_FOLLOWUP_CUES = (
    "uppföljande granskning",
    "uppföljning av granskning",
    "uppföljning av revisionsrapport",
    "uppföljning av tidigare granskning",
    "uppföljningsgranskning",
)
_ANSWER_CUES = (
    "svar på revision",
    "svar på granskning",
    "svar på revisorernas",
    "yttrande över revision",
    "yttrande över granskning",
    "yttrande avseende revision",
    "svar avseende revision",
)
_AUDIT_CUES = ("revisionsrapport", "granskning", "granskningsrapport")


def classify(doc: DocumentText) -> Kind:
    """Audit report, answer, follow-up or other: from the type and title first, then the text."""
    head = f"{doc.meta.doc_type} {doc.meta.title}".lower()
    if any(c in head for c in _FOLLOWUP_CUES):
        return "followup"
    if any(c in head for c in _ANSWER_CUES):
        return "answer"
    if any(c in head for c in _AUDIT_CUES):
        return "audit"
    # No cue in the metadata (e.g. type "tjänsteskrivelse"): only strong cues in the text count, so
    # that policies and minutes that merely mention an audit stay "other".
    lower = doc.text.lower()
    if any(c in lower[:1500] for c in _FOLLOWUP_CUES):
        return "followup"
    if _REPLY.search(doc.text) and re.search(r"revision|granskning|rekommendation", lower):
        return "answer"
    if "revisor" in lower and _TRIGGER.search(doc.text):
        return "audit"
    return "other"


# --- shared text helpers ---------------------------------------------------------------------------

# Item markers: bullets (PDF extraction also yields private-use glyphs), "1." / "1)" / "a)", and
# the labels answer documents put before a quoted recommendation.
_ITEM = re.compile(
    r"^[ \t\f\v]*(?:(?:[•·▪◦‣●○■□➢►✓*\-\u2013\u2014\uf000-\uf8ff]|\d{1,2}[.)]|[a-z]\)|\(\d{1,2}\))"
    r"[ \t]+(?=\S)"
    r"|(?i:(?:revisorernas[ \t]+)?rekommendation\b(?:[ \t]+(?P<num>\d{1,2})\b)?[ \t]*[:.\u2013-]?[ \t]*))",
)
# Where a list or an answer ends: signatures, dates, the memo's closing headings. Case matters:
# a wrapped line of running text may well begin with "datum för ..." or "bilagan".
_CLOSING = re.compile(
    r"^[ \t\f\v]*(?:_{5,}|-{5,}|Datum(?: som ovan|[ \t]*:|[ \t]+\d)|Ort och datum|Beslutsunderlag\b"
    r"|Förslag till beslut\b|Beslutet skickas till|Expedieras|Bilagor?\b|Underskrift"
    r"|[A-ZÅÄÖ][\w-]*(?:nämnden|styrelsen)[ \t]*$|[A-ZÅÄÖ][a-zåäö]+ den \d{1,2} [a-zåäö]+ \d{4})",
)
_HEADING_LIKE = re.compile(r"^[ \t\f\v]*\d{1,2}(?:\.\d{1,2})*\.?[ \t]+[A-ZÅÄÖ][^.\n]{0,90}$")
_PROSE_START = re.compile(r"^(?:Vi|Det|Detta|Denna|Dessa|Vår|Våra|Revisorerna|Granskningen|Sammantaget)\b")
_LABEL = re.compile(r"^(?:revisorernas\s+)?rekommendation(?:\s+\d{1,2})?\s*[:.\u2013-]?\s*", re.I)
_MAX_ITEM_CHARS = 700  # longer than any recommendation seen; a longer "item" is running prose


def clean(text: str) -> str:
    """One line, no list marker or label: how a passage reads in a table of recommendations."""
    text = " ".join(text.split())
    text = _ITEM.sub("", text, count=1) if _ITEM.match(text) else text
    return _LABEL.sub("", text, count=1).strip()


def locate(doc: DocumentText, start: int, end: int) -> Located:
    """The passage doc.text[start:end] without surrounding whitespace, with page and section."""
    raw = doc.text[start:end]
    start += len(raw) - len(raw.lstrip())
    end = max(start, end - (len(raw) - len(raw.rstrip())))
    m = doc.meta
    return Located(
        m.doc_id,
        m.title,
        m.date,
        doc.page_at(start),
        doc.section_at(start),
        doc.text[start:end],
        start,
        end,
        m.municipality,
    )


def _lines(text: str, start: int, end: int) -> Iterator[tuple[int, int, str]]:
    """(start, end, line) for the lines beginning in [start, end)."""
    pos = text.rfind("\n", 0, start) + 1 if start else 0
    while pos < end:
        nl = text.find("\n", pos)
        stop = len(text) if nl < 0 else nl
        yield pos, stop, text[pos:stop]
        if nl < 0:
            break
        pos = nl + 1


# --- recommendations in audit reports ----------------------------------------------------------------

# "rekommenderar vi kommunstyrelsen att:" (possibly wrapped over lines) or "Vi lämnar följande
# rekommendationer:". Past tense ("rekommenderade") is left out: it quotes an earlier audit.
_TRIGGER = re.compile(r"\b(?:rekommenderar|rekommendation(?:er|erna)?)\b[^.:;]{0,300}?:[ \t]*(?=\n)", re.I)
_HEADING_TRIGGER = re.compile(
    r"^[ \t]*(?:\d{1,2}(?:\.\d{1,2})*\.?[ \t]+)?(?:revisorernas |våra |nya )?rekommendationer[ \t]*:?[ \t]*$",
    re.IGNORECASE | re.MULTILINE,
)


def find_recommendations(doc: DocumentText, *, tables: bool = True) -> list[tuple[Located, int]]:
    """(recommendation, 1-based number in its list) in reading order, each list item once.

    The same list often appears twice (summary and conclusions); the copy in a section named
    for recommendations or conclusions is kept, since that is the one readers cite.
    """
    found: list[list[Located]] = []
    triggers = sorted(
        {m.end() for m in _TRIGGER.finditer(doc.text)}
        | {m.end() for m in _HEADING_TRIGGER.finditer(doc.text)}
    )
    for end in triggers:
        items = _list_after(doc, end)
        if items:
            found.append(items)
    if tables:
        found.extend(col for col in _table_column(doc) if col)
    kept: dict[str, tuple[Located, int]] = {}
    for items in found:
        for n, item in enumerate(items, 1):
            key = clean(item.text).lower().rstrip(". ")
            old = kept.get(key)
            if old is None or (_is_conclusion(item.section) and not _is_conclusion(old[0].section)):
                kept[key] = (item, n)
    return sorted(kept.values(), key=lambda x: x[0].start)


def _is_conclusion(section: str) -> bool:
    return bool(re.search(r"rekommendation|slutsats", section, re.IGNORECASE))


def _list_after(doc: DocumentText, offset: int) -> list[Located]:
    """The list items right after `offset`, up to the list's end (see the stop rules below)."""
    text = doc.text
    headings = {s for s, _ in doc.sections if s > offset}
    spans: list[list[int]] = []
    marked: bool | None = None  # decided by the first line: bullets/numbers, or bare paragraphs
    blanks, prev = 0, ""
    for ls, le, line in _lines(text, offset + 1, len(text)):
        stripped = line.strip()
        if not stripped:
            blanks += 1
            continue
        if _CLOSING.match(line) or len(spans) > 25:
            break
        m = _ITEM.match(line)
        if marked is None:
            marked = m is not None
        # A heading ends the list, unless it is the list's own next number: a wrapped item
        # "4. Säkerställa att ... organisatoriska" can pass for a heading "4 Säkerställa ...".
        if ls in headings and not (marked and m and re.match(rf"\s*{len(spans) + 1}[.)]", line)):
            break
        if marked:
            if m:
                spans.append([ls + m.end(), le])
            elif spans and blanks == 0 and not _HEADING_LIKE.match(line):
                spans[-1][1] = le
            else:
                break
        else:
            # Bullet glyphs lost in extraction (the KPMG seed): an item starts after a blank line,
            # or on an indented capitalised line after a finished sentence.
            if (spans and blanks >= 2) or _HEADING_LIKE.match(line) or _PROSE_START.match(stripped):
                break
            new = (
                not spans
                or blanks > 0
                or (line[:1].isspace() and stripped[:1].isupper() and prev.rstrip().endswith((".", ";", ":")))
            )
            if stripped.endswith(":"):
                # A lead-in ("Följande rekommendationer lämnas:") under a heading: its own list is
                # read from the trigger it matches, and the lead-in is no recommendation.
                if not new:
                    spans.pop()
                break
            if new:
                spans.append([ls, le])
            else:
                spans[-1][1] = le
        if spans[-1][1] - spans[-1][0] > _MAX_ITEM_CHARS:
            spans.pop()
            break
        blanks, prev = 0, line
    items = [locate(doc, s, e) for s, e in spans]
    return [i for i in items if len(clean(i.text)) >= 15]


def _split_row(line: str, delim: str) -> list[tuple[int, int]]:
    """(start, end) of each cell of a table row, relative to the line; outer pipes dropped."""
    cells, pos = [], 0
    for part in line.split(delim):
        cells.append((pos, pos + len(part)))
        pos += len(part) + len(delim)
    if delim == "|" and cells and not line[cells[0][0] : cells[0][1]].strip():
        cells = cells[1:]
    if delim == "|" and cells and not line[cells[-1][0] : cells[-1][1]].strip():
        cells = cells[:-1]
    return cells


def _tables(doc: DocumentText) -> Iterator[tuple[list[str], list[tuple[int, list[tuple[int, int]]]]]]:
    """(header cells, rows as (line offset, absolute cell spans)) for pipe- or tab-delimited tables."""
    lines = list(_lines(doc.text, 0, len(doc.text)))
    i = 0
    while i < len(lines):
        line = lines[i][2]
        delim = "|" if line.count("|") >= 2 else "\t" if "\t" in line.strip() else ""
        if not delim:
            i += 1
            continue
        header = [line[s:e].strip().lower() for s, e in _split_row(line, delim)]
        rows = []
        i += 1
        while i < len(lines) and delim in lines[i][2]:
            rs, _, row = lines[i]
            if not re.fullmatch(r"[\s|:\-\u2013]+", row):
                rows.append((rs, [(rs + s, rs + e) for s, e in _split_row(row, delim)]))
            i += 1
        yield header, rows


def _table_column(doc: DocumentText) -> Iterator[list[Located]]:
    for header, rows in _tables(doc):
        names = (k for k, h in enumerate(header) if re.fullmatch(r"(?:förslag på )?rekommendation(?:er)?", h))
        col = next(names, None)
        if col is None:
            continue
        cells = [locate(doc, *cells[col]) for _, cells in rows if col < len(cells)]
        yield [c for c in cells if len(clean(c.text)) >= 15]


# --- answers and verdicts ----------------------------------------------------------------------------

_REPLY = re.compile(
    r"^[ \t]*(?:(?:svar|kommentar|åtgärd(?:er)?)[ \t]*:"
    r"|(?:[\w-]+[ \t]+och[ \t]+)?(?:\w*nämndens|\w*styrelsens|förvaltningens)"  # "Kultur- och tekniknämndens"
    r"[ \t]+(?:svar|yttrande|kommentarer|kommentar)\b[ \t]*:?)[ \t]*",
    re.IGNORECASE | re.MULTILINE,
)
_VERDICT_MARK = re.compile(
    r"^[ \t]*(?:status|bedömning|vår bedömning|revisorernas bedömning)[ \t]*:[ \t]*",
    re.IGNORECASE | re.MULTILINE,
)


def find_answers(doc: DocumentText) -> list[Reply]:
    """Each quoted recommendation of an answer document with the answer that follows it."""
    return _pairs(doc, _REPLY)


def find_verdicts(doc: DocumentText) -> list[Reply]:
    """Each recommendation a follow-up audit gives a status for, from tables or "Status:" lines."""
    out: list[Reply] = []
    for header, rows in _tables(doc):
        rec = next((k for k, h in enumerate(header) if "rekommendation" in h), None)
        status = next((k for k, h in enumerate(header) if re.search(r"status|bedömning|åtgärdad", h)), None)
        if rec is None or status is None:
            continue
        for _, cells in rows:
            if max(rec, status) >= len(cells):
                continue
            verdict = classify_verdict(doc.text[slice(*cells[status])])
            if verdict is None:
                continue
            quoted = locate(doc, *cells[rec])
            number = re.match(r"\s*(\d{1,2})\b", quoted.text)
            out.append(
                Reply(
                    quoted,
                    locate(doc, cells[0][0], cells[-1][1]),
                    int(number.group(1)) if number else None,
                    verdict,
                )
            )
    for pair in _pairs(doc, _VERDICT_MARK):
        verdict = classify_verdict(pair.reply.text.split(".")[0])
        if verdict is not None:
            out.append(Reply(pair.quoted, pair.reply, pair.number, verdict))
    return out


def _pairs(doc: DocumentText, marker: re.Pattern[str]) -> list[Reply]:
    text = doc.text
    marks = list(marker.finditer(text))
    # (item line start, quote start, quote end, number) of each quoted recommendation
    quotes: list[tuple[int, int, int, int | None]] = []
    floor = 0
    for m in marks:
        quotes.append(_quote_before(text, floor, m.start()))
        floor = m.end()
    out = []
    for k, m in enumerate(marks):
        stop = quotes[k + 1][0] if k + 1 < len(marks) else len(text)
        for ls, _, line in _lines(text, m.end() + 1, stop):
            if _CLOSING.match(line):
                stop = ls
                break
        body = locate(doc, m.end(), stop)
        if len(body.text) < 3:  # a heading such as "Förvaltningens yttrande" over the whole memo
            continue
        _, qs, qe, number = quotes[k]
        quoted = locate(doc, qs, qe) if qe > qs else None
        if quoted is not None and not clean(quoted.text):
            quoted = None
        if quoted is None and number is None:
            continue
        out.append(Reply(quoted, body, number))
    return out


def _quote_before(text: str, floor: int, mark: int) -> tuple[int, int, int, int | None]:
    """The recommendation quoted right before a reply marker: from its last item start, else its
    last paragraph. Searching only after the previous marker keeps answers out of quotes."""
    lines = [ln for ln in _lines(text, floor, mark) if floor <= ln[0] < mark]
    for ls, _, line in reversed(lines):
        if m := _ITEM.match(line):
            return ls, ls + m.end(), mark, int(m.group("num")) if m.group("num") else None
    start = floor
    for ls, _, line in reversed(lines):
        if not line.strip() and ls > floor:
            start = ls
            break
    return start, start, mark, None


# --- reading statuses ------------------------------------------------------------------------------

_PARTLY = re.compile(
    r"\bdelvis\b|\b(?:ej|inte)\s+helt\b|\btill\s+viss\s+del\b|\bpågår\b|\bpågående\b"
    r"|(?<!ej )(?<!inte )\bpåbörja(?:d|t|ts)\b",
    re.IGNORECASE,
)
_OPEN = re.compile(
    r"\bkvarstår\b|\b(?:ej|inte|icke)\s+(?:\w+\s+)?(?:åtgärd|genomför|påbörja|uppfyll|hanter"
    r"|verkställ)\w*|\binga\s+åtgärder\b|\bej\s+klar",
    re.IGNORECASE,
)
_DONE = re.compile(
    r"\b(?:åtgärda(?:d|t|ts|de)|genomför(?:d|t|ts)|uppfyll(?:d|t)|verkställ(?:d|t)|klart?|avslutad)\b", re.I
)


def classify_verdict(text: str) -> Verdict | None:
    """done / partly / open from a follow-up's status wording; None when it states no status."""
    if _PARTLY.search(text):
        return "partly"
    if _OPEN.search(text):
        return "open"
    if _DONE.search(text):
        return "done"
    return None


# "Answered" means the committee took a position and named a measure, even one still planned:
# that is what answers to audits are, and whether it happened is the follow-up's to say. "Partly"
# is kept for answers that say so themselves (agree only in part, act only in part), and for
# answers that only refer the matter to someone else without any measure of their own (Askersund's
# "ligger utanför nämndens ansvarsområde och bör hanteras av kommunstyrelsen").
_SAYS_PARTLY = re.compile(
    r"\b(?:instämmer|delar)\s+(?:endast\s+|bara\s+)?delvis\b|\bdelvis\s+(?:instämm|genomför|åtgärd|tillgodo|hanter)"
    r"|\b(?:genomförs|åtgärdas|tillgodoses|hanteras|beaktas)\s+(?:endast\s+)?delvis\b|\btill\s+viss\s+del\b"
    r"|\bendast\s+delvis\b",
    re.IGNORECASE,
)
_REFERS_ELSEWHERE = re.compile(
    r"utanför\s+(?:nämndens|styrelsens|vårt|förvaltningens)\s+ansvar|\b(?:bör|ska|skall)\s+(?:främst\s+)?hanteras"
    r"\s+av\b|\bankommer\s+på\b|\binte\s+(?:inom\s+)?(?:nämndens|styrelsens)\s+ansvar",
    re.IGNORECASE,
)


def answer_extent(text: str) -> Literal["full", "partly"]:
    """Whether an answer addresses its recommendation fully or, by its own words, only partly."""
    if _SAYS_PARTLY.search(text):
        return "partly"
    sentences = [s for s in re.split(r"(?<=[.!?])\s+", " ".join(text.split())) if len(s) > 3]
    if sentences and all(_REFERS_ELSEWHERE.search(s) for s in sentences):
        return "partly"
    return "full"
