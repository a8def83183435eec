"""Text clean-up shared by the loaders: one normal form for text from PDF, DOCX, HTML and plain files.

Everything here is a pure function of its input and linear in its length (every regex is anchored
on a literal or bounded), so a hostile file cannot make cleaning the slow part of ingestion.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict

# Line and paragraph separators that are not "\n". U+0085 (NEL) only ever appears as a line break.
_NEWLINES = re.compile(r"\r\n?|[\x0b\x0c\x85\u2028\u2029]")
# A soft hyphen before a line break marks a word the producer hyphenated: join it back.
_SOFT_HYPHEN_BREAK = re.compile(r"\u00ad[ \t]*\n[ \t]*")
# C0/C1 controls except \t and \n, zero-width characters and lone surrogates (broken PDF fonts
# produce them; they cannot be encoded as UTF-8 and would fail later, in the store).
_INVISIBLE = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f\u00ad\u200b\u2060\ufeff\ud800-\udfff]")
_SPACES = re.compile(r"[\t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]")
_HYPHENS = re.compile(r"[\u2010\u2011]")
# Symbol and Wingdings bullets land in the private use area when a PDF has no ToUnicode map.
_PUA_BULLETS = re.compile(r"[\uf0a7\uf0b7\uf0d8\uf06e\uf076\uf0a8\uf0fc]")
# Only real HTML tag names: "<Namn>" placeholders in templates and "a < b > c" must survive.
_HTML_TAG = re.compile(
    r"</?(?:a|abbr|b|big|blockquote|br|center|code|dd|div|dl|dt|em|font|h[1-6]|hr|i|li|ol|p|pre|s|small|"
    r"span|strike|strong|sub|sup|table|tbody|td|tfoot|th|thead|tr|u|ul)\b(?:\s[^<>]{0,200})?\s*/?>",
    re.IGNORECASE,
)
_DOT_LEADERS = re.compile(r"\.{5,}")  # table-of-contents leaders; "...." stays: the chunker reads it
_RUNS_OF_SPACES = re.compile(r" {2,}")
_SPACES_AT_LINE_ENDS = re.compile(r" *\n *")
_BLANK_LINES = re.compile(r"\n{3,}")
# A hyphen ending a line between word characters. Only the hyphen and newline are matched; the
# words around it are read in _dehyphenate, so a long word cannot make this quadratic.
_LINE_END_HYPHEN = re.compile(r"(?<=\w)-\n(?=\w)")
_WORD_BEFORE = re.compile(r"\w+$")
_WORD_AFTER = re.compile(r"\w+")
# "personal- och arbetsgivarfrågor": a hyphen then one of these is a shared compound part, not a
# word split at the line end.
_CONJUNCTIONS = frozenset({"och", "eller", "samt", "respektive", "resp", "som", "men", "till", "and", "or"})
_MAX_PASSES = 4  # clean_text runs to a fixed point; real text settles after one pass


def clean_text(text: str) -> str:
    """Normalise extracted text: one kind of newline and space, no control characters, no stray
    HTML tags, words split by a line-end hyphen joined again, at most one blank line in a row.

    Idempotent: cleaning cleaned text changes nothing. Swedish letters, numbers ("2007-06-20 § 124",
    "21 40") and markdown heading lines ("## Rubrik") are kept as they are.
    """
    for _ in range(_MAX_PASSES):
        cleaned = _clean_once(text)
        if cleaned == text:
            break
        text = cleaned
    return text


def _clean_once(text: str) -> str:
    text = _NEWLINES.sub("\n", text)
    text = _SOFT_HYPHEN_BREAK.sub("", text)
    text = _INVISIBLE.sub("", text)
    text = _SPACES.sub(" ", text)
    text = _HYPHENS.sub("-", text)
    text = _PUA_BULLETS.sub("•", text)
    text = _HTML_TAG.sub(" ", text)
    text = _DOT_LEADERS.sub("....", text)
    text = _RUNS_OF_SPACES.sub(" ", text)
    text = _SPACES_AT_LINE_ENDS.sub("\n", text)
    text = _LINE_END_HYPHEN.sub(_dehyphenate, text)
    text = _BLANK_LINES.sub("\n\n", text)
    return text.strip(" \n")


def _dehyphenate(match: re.Match[str]) -> str:
    text, start, end = match.string, match.start(), match.end()
    before = _WORD_BEFORE.search(text, max(start - 40, 0), start)
    after = _WORD_AFTER.match(text, end, end + 40)
    prefix = before.group() if before else ""
    suffix = after.group() if after else ""
    if prefix[-1:].isdigit() and suffix[:1].isdigit():
        return "-"  # "2007-\n06-20", "sid 12-\n14"
    if not suffix[:1].islower():
        return match.group()  # a dash before a capital or a number: not a split word
    if suffix.lower() in _CONJUNCTIONS:
        return "- "  # "personal-\noch" -> "personal- och"
    if len(prefix) == 1 or prefix.isupper() or any(ch.isdigit() for ch in prefix):
        return "-"  # "HR-\nchef" -> "HR-chef", "e-\npost" -> "e-post"
    return ""  # "kompetens-\nförsörjning" -> "kompetensförsörjning"


# --- running headers and footers -----------------------------------------------------------------

_ZONE_LINES = 5  # headers and footers are among the first and last lines of a page's text
_DIGITS = re.compile(r"\d+")
# Lines that are nothing but a page number: "3", "- 3 -", "3 (12)", "3/12", "Sida 3 av 12", "s. 3".
_PAGE_NUMBER_LINE = re.compile(
    r"(?:(?:sida|sid\.?|s\.|page)\s*)?\d{1,4}(?:\s*(?:\(\s*\d{1,4}\s*\)|(?:av|of|/)\s*\d{1,4}))?|-\s*\d{1,4}\s*-",
    re.IGNORECASE,
)
# "§ 112", "Bilaga 3" at the top of consecutive pages number the document's own parts, and the
# chunker reads them as headings: never page numbers, even when they happen to run with the pages.
_SECTION_NUMBERING = re.compile(r"§|(?:bilaga|kapitel|avsnitt|del|område|ärende|punkt)\b")
_EXPLICIT_PAGE_NUMBER = re.compile(r"sida|sid\.|\bs\.|page|\(|/|\bav\b|\bof\b|-", re.IGNORECASE)


def remove_repeated_lines(pages: list[str]) -> list[str]:
    """Remove running headers, footers and page numbers from the text of each page of one document.

    A line is a running header or footer when it is among the first or last few lines of most pages,
    either word for word ("Alingsås kommun", "Justerandes signatur") or with a number that follows
    the page number ("Riktlinje 1", "Riktlinje 2", ...; "Protokoll 3 (28)"). Word-for-word repeats
    are kept where they first occur, since that copy often holds the title, the committee or the
    date that later stages look for in the first lines; numbered ones are removed everywhere. A line
    that is only a page number ("Sida 3 av 12", "3 (12)") is removed wherever it stands in a zone.

    Args:
        pages: the cleaned text of each page, in order.

    Returns:
        The pages in the same order, each without those lines (other lines untouched).
    """
    page_lines = [page.split("\n") for page in pages]
    zones: list[list[tuple[int, str]]] = []  # per page: (line index, normalised line)
    for lines in page_lines:
        filled = [i for i, line in enumerate(lines) if line.strip()]
        picked = sorted(set(filled[:_ZONE_LINES] + filled[-_ZONE_LINES:]))
        zones.append([(i, " ".join(lines[i].split()).casefold()) for i in picked])

    drop: set[tuple[int, int]] = set()  # (page, line index)
    for page, zone in enumerate(zones):
        for i, line in zone:
            if _is_page_number_line(line):
                drop.add((page, i))

    needed = max(2, math.ceil(len(pages) / 2))
    by_shape: dict[str, list[tuple[int, int, str]]] = defaultdict(list)
    for page, zone in enumerate(zones):
        for i, line in zone:
            by_shape[_DIGITS.sub("#", line)].append((page, i, line))
    for shape, hits in by_shape.items():
        if len({page for page, _, _ in hits}) < needed:
            continue
        drop.update(_numbered_header_hits(shape, hits, needed))
        drop.update(_verbatim_repeat_hits(hits, needed))

    return [
        "\n".join(line for i, line in enumerate(lines) if (page, i) not in drop)
        for page, lines in enumerate(page_lines)
    ]


def _is_page_number_line(line: str) -> bool:
    if not _PAGE_NUMBER_LINE.fullmatch(line):
        return False
    # A bare number is only a page number if it runs with the pages; that is decided by the
    # numbered-header rule. Here only forms that say so themselves: "3 (12)", "sida 3", "- 3 -".
    return bool(_EXPLICIT_PAGE_NUMBER.search(line))


def _numbered_header_hits(shape: str, hits: list[tuple[int, int, str]], needed: int) -> set[tuple[int, int]]:
    """The hits whose numbers run with the page number at one fixed offset, on enough pages."""
    if "#" not in shape or _SECTION_NUMBERING.match(shape):
        return set()
    offsets: dict[int, set[int]] = defaultdict(set)  # offset -> pages where a number fits it
    for page, _, line in hits:
        for number in _small_numbers(line):
            offsets[number - page].add(page)
    if not offsets:
        return set()
    offset, pages = max(offsets.items(), key=lambda item: len(item[1]))
    if len(pages) < needed:
        return set()
    return {(page, i) for page, i, line in hits if offset + page in _small_numbers(line)}


def _small_numbers(line: str) -> set[int]:
    # Page numbers have at most four digits; int() of a 5,000-digit run would raise ValueError.
    return {int(n) for n in _DIGITS.findall(line) if len(n) <= 4}


def _verbatim_repeat_hits(hits: list[tuple[int, int, str]], needed: int) -> set[tuple[int, int]]:
    """Every hit of a line repeated word for word on enough pages, except its first occurrence."""
    pages_with = Counter(line for line, _ in {(line, page) for page, _, line in hits})
    repeated = {line for line, count in pages_with.items() if count >= needed}
    first_seen: set[str] = set()
    found: set[tuple[int, int]] = set()
    for page, i, line in sorted(hits):
        if line not in repeated:
            continue
        if line in first_seen:
            found.add((page, i))
        first_seen.add(line)
    return found


# --- markdown ------------------------------------------------------------------------------------

_ATX_HEADING = re.compile(r" {0,3}(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*")
_SETEXT_UNDERLINE = re.compile(r" {0,3}(=+|-+)[ \t]*")
_RULE = re.compile(r" {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*")
_FENCE = re.compile(r" {0,3}(?:```|~~~).*")
_LINK_DEFINITION = re.compile(r" {0,3}\[[^\]\n]{1,300}\]:[ \t]*\S.*")
_TABLE_DIVIDER = re.compile(r"[ \t]*\|?[ \t]*:?-{2,}:?[ \t]*(?:\|[ \t]*:?-{2,}:?[ \t]*)*\|?[ \t]*")
_BULLET = re.compile(r"\A( {0,8})[*+][ \t]+")
_QUOTE = re.compile(r"\A {0,3}>[ \t]?")
# Bounded spans keep these linear on hostile input (a 10 MB line of "*").
_IMAGE_OR_LINK = re.compile(r"!?\[([^\]\n]{0,300})\](?:\([^)\n]{0,2000}\)|\[[^\]\n]{0,100}\])")
_AUTOLINK = re.compile(r"<((?:https?://|mailto:)[^<>\s]{1,2000})>")
_STRONG = re.compile(
    r"(?<![\w*])\*\*(?=\S)([^\n]{0,300}?\S)\*\*(?![\w*])"
    r"|(?<!\w)__(?=\S)([^\n]{0,300}?\S)__(?!\w)"
)
_EMPHASIS = re.compile(
    r"(?<![\w*])\*(?=[^\s*])([^*\n]{0,300}?\S)\*(?![\w*])"
    r"|(?<![\w_])_(?=\S)([^_\n]{0,300}?\S)_(?![\w_])"
)
_STRIKE = re.compile(r"~~(?=\S)([^~\n]{0,300}?\S)~~")
_CODE = re.compile(r"`{1,3}([^`\n]{1,500})`{1,3}")


def markdown_to_text(text: str) -> str:
    """Markdown -> plain text that keeps `#` heading lines ("## Rubrik"), list dashes and table rows.

    Emphasis markers, code backticks, link targets and images go (`[text](url)` -> `text`); setext
    headings become `#` lines; table rows become "cell | cell".
    """
    lines = _NEWLINES.sub("\n", text).split("\n")
    out: list[str] = []
    for n, line in enumerate(lines):
        following = lines[n + 1] if n + 1 < len(lines) else ""
        if _FENCE.fullmatch(line) or _LINK_DEFINITION.fullmatch(line):
            continue
        underline = _SETEXT_UNDERLINE.fullmatch(following)
        if underline and line.strip() and not _is_markdown_block(line):
            level = 1 if underline.group(1).startswith("=") else 2
            out.append("#" * level + " " + _inline(line.strip()))
            continue
        if _SETEXT_UNDERLINE.fullmatch(line) and out and out[-1].startswith("#"):
            continue  # the underline of the setext heading just emitted
        if _RULE.fullmatch(line) or (line.strip() and _TABLE_DIVIDER.fullmatch(line)):
            continue
        heading = _ATX_HEADING.fullmatch(line)
        if heading:
            out.append(f"{heading.group(1)} {_inline(heading.group(2))}".rstrip())
            continue
        line = _QUOTE.sub("", line, count=1)
        line = _BULLET.sub(r"\1- ", line, count=1)
        stripped = line.strip()
        if stripped.startswith("|") and stripped.endswith("|") and len(stripped) > 1:
            line = " | ".join(cell.strip() for cell in stripped[1:-1].split("|"))
        out.append(_inline(line))
    return "\n".join(out)


def _is_markdown_block(line: str) -> bool:
    stripped = line.lstrip()
    return stripped.startswith(("#", ">", "- ", "* ", "+ ", "|", "```", "~~~")) or bool(_RULE.fullmatch(line))


def _inline(text: str) -> str:
    text = _IMAGE_OR_LINK.sub(r"\1", text)
    text = _AUTOLINK.sub(r"\1", text)
    text = _CODE.sub(r"\1", text)
    text = _STRONG.sub(lambda m: m.group(1) or m.group(2), text)
    text = _EMPHASIS.sub(lambda m: m.group(1) or m.group(2), text)
    return _STRIKE.sub(r"\1", text)
