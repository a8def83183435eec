"""Structure-aware chunking: find the sections of a cleaned document, split each on its own.

Chunks never cross a section boundary, so a citation's section ("3.8 Avslutningssamtal") is the
section the quoted words are really in. Headings are recognised in the forms Swedish municipal
documents use: numbered ("3.8 Avslutningssamtal", "2. Bakgrund"), "Område 7 Arbetsliv", minutes'
"§ 123 Rubrik", markdown ("## Rubrik", which the DOCX and HTML loaders also emit) and a short list
of stock headings of council papers ("Sammanfattning", "Förslag till beslut", ...).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass

from assistant.types import Chunk, DocumentText

# Raising this re-ingests every document: the content hash includes it.
CHUNKER_VERSION = "5"

_NUMBERED = re.compile(r"^(\d{1,2}(?:\.\d{1,2}){0,3})\.?[ \t]+(\S.*)$")
_MARKDOWN = re.compile(r"^(#{1,6})[ \t]+(\S.*?)[ \t#]*$")
_OMRADE = re.compile(r"^(Område|Bilaga|Kapitel|Avsnitt|Del)[ \t]+(\d{1,2})\b[ \t:.–-]*(\S.*)?$")
_PARAGRAPH = re.compile(r"^§[ \t]*(\d{1,4})[ \t]+(\S.*)$")
_STOCK = {
    "sammanfattning",
    "bakgrund",
    "ärendet",
    "ärendebeskrivning",
    "beskrivning av ärendet",
    "förslag till beslut",
    "beslut",
    "beslutsunderlag",
    "yttrande",
    "bedömning",
    "slutsats",
    "slutsatser",
    "rekommendationer",
    "syfte",
    "inledning",
    "metod",
    "revisionsfrågor",
    "ekonomiska konsekvenser",
    "förvaltningens bedömning",
    "förvaltningens yttrande",
    "nämndens svar",
    "kommentarer och bedömning",
    "uppföljning",
    "ansvar",
    "målgrupp",
    "definitioner",
}
_MAX_HEADING_CHARS = 100
_MAX_HEADING_WORDS = 14


@dataclass(frozen=True, slots=True)
class Section:
    start: int  # offset of the heading line (or 0 for text before the first heading)
    end: int
    path: tuple[str, ...]  # outermost first; () for text before the first heading


def _looks_like_title(title: str) -> bool:
    title = title.strip()
    if not title or len(title) > _MAX_HEADING_CHARS or len(title.split()) > _MAX_HEADING_WORDS:
        return False
    if not (title[0].isupper() or title[0].isdigit()):
        return False
    # A final period or comma means a sentence or a footnote ("4 Senast beslutad ... § 124."); a
    # final number means a table row or a table-of-contents line ("7.2 Strategisk ... 21 40").
    return not (title[-1] in ".,;" or title[-1].isdigit() or "...." in title or "\t" in title)


def _is_successor(candidate: list[int], current: list[int]) -> bool:
    """Whether numbering `candidate` can follow `current` (3.7.1 -> 3.8, 3.7.2, 4, 3.7.1.1)."""
    if not current:
        return candidate[0] <= 2 and all(n <= 1 for n in candidate[1:])
    if candidate == [*current, 1]:
        return True
    depth = len(candidate)
    if depth > len(current):
        return False
    prefix, last = current[: depth - 1], current[depth - 1]
    # A gap of one is tolerated: extraction sometimes loses a heading line.
    return candidate[:-1] == prefix and last < candidate[-1] <= last + 2


def _numbering(line: str) -> list[int] | None:
    m = _NUMBERED.match(line)
    return [int(n) for n in m.group(1).split(".")] if m else None


def find_sections(text: str) -> list[Section]:
    """Split `text` into sections, each with its heading path. Covers the whole text."""
    lines = text.split("\n")
    offsets = []
    pos = 0
    for line in lines:
        offsets.append(pos)
        pos += len(line) + 1

    numbers: list[int] = []  # current numbered heading, e.g. [3, 8, 1]
    path: list[str] = []
    heads: list[tuple[int, tuple[str, ...]]] = [(0, ())]

    def nonblank(i: int, step: int) -> str:
        j = i + step
        while 0 <= j < len(lines) and not lines[j].strip():
            j += step
        return lines[j].strip() if 0 <= j < len(lines) else ""

    for i, raw in enumerate(lines):
        line = raw.strip()
        if not line or len(line) > _MAX_HEADING_CHARS + 8:
            continue
        level: int | None = None
        label = line
        if m := _MARKDOWN.match(line):
            level, label = len(m.group(1)), m.group(2).strip()
            if not label:
                continue
        elif (m := _NUMBERED.match(line)) and _looks_like_title(m.group(2)):
            cand = [int(n) for n in m.group(1).split(".")]
            prev, nxt = _numbering(nonblank(i, -1)), _numbering(nonblank(i, 1))
            # A run of numbered lines of one depth is a list ("1. Samspel ...", "2. ..."), not headings.
            in_list = (prev is not None and prev[:-1] == cand[:-1] and prev[-1] == cand[-1] - 1) or (
                nxt is not None and nxt[:-1] == cand[:-1] and nxt[-1] == cand[-1] + 1
            )
            if in_list or not _is_successor(cand, numbers):
                continue
            following = nonblank(i, 1)
            # A wrapped sentence ("4. Säkerställa att ... organisatoriska" / "förändringar.") or a
            # table header whose next line is a deeper row ending in figures ("7 Arbetsliv Uppnått Max"
            # / "7.1 Personalpolitik 24 40") is not a heading.
            if following[:1].islower():
                continue
            if nxt is not None and len(nxt) > len(cand) and following[-1:].isdigit():
                continue
            numbers = cand
            level, label = len(cand), f"{m.group(1)} {m.group(2).strip()}"
        elif (m := _OMRADE.match(line)) and (m.group(3) is None or _looks_like_title(m.group(3))):
            level = len(numbers) + 1 if numbers else 1
        elif (m := _PARAGRAPH.match(line)) and _looks_like_title(m.group(2)):
            level = 1
            numbers = []
        elif line.rstrip(":").lower() in _STOCK and not nonblank(i, 1).startswith(("-", "•")):
            level = len(numbers) + 1 if numbers else 1
            label = line.rstrip(":")
        if level is None:
            continue
        path = [*path[: level - 1], label]
        heads.append((offsets[i], tuple(path)))

    sections = []
    for (start, p), (nxt_start, _) in zip(heads, [*heads[1:], (len(text), ())], strict=True):
        if nxt_start > start or (start == 0 and nxt_start == 0 and len(text) == 0):
            sections.append(Section(start, nxt_start, p))
    return sections


def chunk_document(doc: DocumentText, *, chunk_size: int = 900, overlap: int = 150) -> list[Chunk]:
    """Chunks of `doc`, in order, none crossing a section. Spans index `doc.text`."""
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    splitter = RecursiveCharacterTextSplitter(
        chunk_size=chunk_size,
        chunk_overlap=overlap,
        separators=["\n\n", "\n", ". ", "; ", ", ", " ", ""],
        keep_separator="end",
        add_start_index=True,
        strip_whitespace=True,
    )
    text = doc.text
    chunks: list[Chunk] = []
    for section in find_sections(text):
        body = text[section.start : section.end]
        heading = section.path[-1] if section.path else ""
        # A heading followed directly by a subheading has no text of its own to retrieve.
        if len(body.strip()) <= len(heading) + 3:
            continue
        spans = []
        for piece in splitter.create_documents([body]):
            local = int(piece.metadata["start_index"])
            if local < 0:  # the splitter could not locate the piece; never guess a span
                local = body.find(piece.page_content)
            start = section.start + max(local, 0)
            spans.append((start, start + len(piece.page_content)))
        for start, end in _merge_small(spans):
            chunks.append(
                Chunk(
                    doc_id=doc.meta.doc_id,
                    ordinal=len(chunks),
                    text=text[start:end],
                    section=heading,
                    section_path=section.path,
                    page=_page(doc.page_starts, start),
                    page_end=_page(doc.page_starts, max(end - 1, start)),
                    start=start,
                    end=end,
                )
            )
    return chunks


_MIN_CHUNK = 120  # a lone heading or table header ("Styrkor Förbättringsmöjligheter") is noise


def _merge_small(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Join a piece too small to stand alone to the next piece of its section (or the previous)."""
    merged: list[tuple[int, int]] = []
    carry: int | None = None
    for start, end in spans:
        if carry is not None:
            start, carry = carry, None
        if end - start < _MIN_CHUNK:
            carry = start
            continue
        merged.append((start, end))
    if carry is not None:
        if merged:
            merged[-1] = (merged[-1][0], max(merged[-1][1], spans[-1][1]))
        else:
            merged.append((carry, spans[-1][1]))
    return merged


def section_starts(text: str) -> tuple[tuple[int, str], ...]:
    """(offset, label) of every section, for DocumentText.sections."""
    return tuple((s.start, " › ".join(s.path)) for s in find_sections(text) if s.path)


def _page(page_starts: tuple[int, ...], offset: int) -> int | None:
    if not page_starts:
        return None
    return max(bisect_right(page_starts, offset), 1)
