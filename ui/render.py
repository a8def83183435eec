"""Pure formatting for the chat: answer markdown with linked markers, source cards, the context view.

Everything here takes assistant/ types and returns strings, so it is tested without a browser.
All document text is HTML-escaped: uploaded documents are untrusted input.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from html import escape

from assistant.types import Answer, Citation, DocumentText, Passage, Turn

from .i18n import t

_MARKER = re.compile(r"\[(\d{1,3})\](?!\()")
STREAM_STEPS = 14  # partial updates per answer: enough to read as streaming, cheap to send
CONTEXT_WINDOW = 1800  # characters shown before and after a passage in documents without pages


def anchor(turn: int, number: int, kind: str = "cite") -> str:
    """The id of a source card: `cite-<turn>-<n>` (`rel-...` for nearby passages of an abstention)."""
    return f"{kind}-{turn}-{number}"


def answer_markdown(answer: Answer, turn: int, lang: str) -> str:
    """The answer's markdown with each [n] a link to its card, then the answer's notes."""
    numbers = {c.number for c in answer.citations}

    def link(m: re.Match[str]) -> str:
        n = int(m[1])
        return f"[[{n}]](#{anchor(turn, n)})" if n in numbers else m[0]

    text = _MARKER.sub(link, answer.text)
    notes = [n for n in answer.notes if n.startswith(("Filtrerat", "Filtered"))]
    if notes:
        text += "\n\n" + "\n".join(f"_{escape(n)}_" for n in notes)
    return text


def highlight(quote: str, sentences: Sequence[str]) -> str:
    """`quote` as HTML with each of `sentences` wrapped in <mark>, matching across line breaks."""
    spans: list[tuple[int, int]] = []
    for sentence in sentences:
        words = sentence.split()
        if not words:
            continue
        pattern = r"\s+".join(re.escape(w) for w in words)
        m = re.search(pattern, quote)
        if m:
            spans.append((m.start(), m.end()))
    spans.sort()
    out, pos = [], 0
    for start, end in spans:
        if start < pos:  # overlapping highlights: extend the previous one
            start = pos
            if end <= pos:
                continue
        out.append(escape(quote[pos:start]))
        out.append(f"<mark>{escape(quote[start:end])}</mark>")
        pos = end
    out.append(escape(quote[pos:]))
    return "".join(out)


def _meta_line(*parts: str) -> str:
    return " · ".join(escape(p) for p in parts if p)


def _where(lang: str, section: str, page: int | None, page_end: int | None = None) -> str:
    bits = []
    if section:
        bits.append(f"<span class='cite-section'>{t(lang, 'section')}: {escape(section)}</span>")
    if page:
        if page_end and page_end != page:
            bits.append(f"<span class='cite-page'>{t(lang, 'pages')} {page}–{page_end}</span>")
        else:
            bits.append(f"<span class='cite-page'>{t(lang, 'page')} {page}</span>")
    return " · ".join(bits)


def citation_card(c: Citation, turn: int, lang: str, kind: str = "cite") -> str:
    key = f"{turn}-{kind}-{c.number}"
    return (
        f"<div class='cite-card' id='{anchor(turn, c.number, kind)}'>"
        f"<div class='cite-head'><span class='cite-num'>[{c.number}]</span> "
        f"<span class='cite-title'>{escape(c.title)}</span></div>"
        f"<div class='cite-meta'>{_meta_line(c.municipality, c.doc_type, c.date, c.author)}</div>"
        f"<div class='cite-where'>{_where(lang, c.section, c.page)}</div>"
        f"<blockquote class='cite-quote'>{highlight(c.quote, c.highlights)}</blockquote>"
        f"<button class='ctx-btn' type='button' data-cite='{key}'>{t(lang, 'show_in_context')}</button>"
        "</div>"
    )


def passage_card(p: Passage, n: int, lang: str) -> str:
    """A retrieved passage, shown while the answer is being composed (no context button yet)."""
    c, d = p.chunk, p.doc
    return (
        "<div class='cite-card cite-preview'>"
        f"<div class='cite-head'><span class='cite-num'>{n}.</span> "
        f"<span class='cite-title'>{escape(d.title)}</span></div>"
        f"<div class='cite-meta'>{_meta_line(d.municipality, d.doc_type, d.date, d.author)}</div>"
        f"<div class='cite-where'>{_where(lang, c.section_label, c.page, c.page_end)}</div>"
        f"<blockquote class='cite-quote'>{escape(c.text)}</blockquote></div>"
    )


def preview_panel(passages: Sequence[Passage], question: str, lang: str) -> str:
    cards = "".join(passage_card(p, n, lang) for n, p in enumerate(passages, 1))
    return (
        f"<div class='sources'><div class='sources-head'>{t(lang, 'best_matches')}</div>"
        f"<div class='sources-q'>{escape(question)}</div>{cards}</div>"
    )


def turn_cards(answer: Answer, turn: int, lang: str) -> str:
    if answer.citations:
        return "".join(citation_card(c, turn, lang) for c in answer.citations)
    if answer.related:
        related = "".join(citation_card(c, turn, lang, kind="rel") for c in answer.related)
        return f"<p class='sources-note'>{t(lang, 'not_answered_related')}</p>{related}"
    return ""


def sources_panel(answers: Sequence[Answer | None], lang: str) -> str:
    """Cards for every answer of the conversation: the latest open, earlier ones folded."""
    parts = []
    indexed = [(i, a) for i, a in enumerate(answers) if a is not None]
    if not indexed:
        return f"<div class='sources sources-empty'>{t(lang, 'sources_empty')}</div>"
    for pos, (turn, answer) in enumerate(reversed(indexed)):
        cards = turn_cards(answer, turn, lang)
        if pos == 0:
            parts.append(
                f"<div class='sources-head'>{t(lang, 'sources_title')}</div>"
                f"<div class='sources-q'>{escape(answer.question)}</div>{cards}"
            )
        elif cards:
            summary = escape(t(lang, "earlier_question", question=answer.question))
            parts.append(f"<details class='sources-earlier'><summary>{summary}</summary>{cards}</details>")
    return "<div class='sources'>" + "".join(parts) + "</div>"


def find_citation(answers: Sequence[Answer | None], key: str) -> Citation | None:
    """The citation a card's `data-cite` key ("<turn>-cite-<n>" or "<turn>-rel-<n>") names."""
    m = re.fullmatch(r"(\d+)-(cite|rel)-(\d+)", key or "")
    if not m:
        return None
    turn, kind, number = int(m[1]), m[2], int(m[3])
    if turn >= len(answers) or answers[turn] is None:
        return None
    answer = answers[turn]
    assert answer is not None
    pool = answer.citations if kind == "cite" else answer.related
    return next((c for c in pool if c.number == number), None)


def context_window(doc: DocumentText, start: int, end: int) -> tuple[int, int, str]:
    """The span of `doc.text` to show around [start, end): its page(s) for paged documents,
    else a window of about CONTEXT_WINDOW characters each side, cut at line breaks.
    Returns (from, to, label) where label names the page(s) or is ""."""
    text = doc.text
    start, end = max(0, min(start, len(text))), max(0, min(end, len(text)))
    if doc.page_starts:
        first, last = doc.page_at(start) or 1, doc.page_at(max(start, end - 1)) or 1
        lo = doc.page_starts[first - 1]
        hi = doc.page_starts[last] if last < len(doc.page_starts) else len(text)
        label = f"{first}" if first == last else f"{first}–{last}"
        return lo, max(hi, end), label
    lo = max(0, start - CONTEXT_WINDOW)
    hi = min(len(text), end + CONTEXT_WINDOW)
    if lo > 0:
        cut = text.find("\n", lo, start)  # start the excerpt at a line
        lo = cut + 1 if cut != -1 else lo
    if hi < len(text):
        cut = text.rfind("\n", end, hi)  # and end it at one
        hi = cut if cut != -1 else hi
    return lo, hi, ""


def context_html(doc: DocumentText, c: Citation, lang: str) -> str:
    """The text around a citation with the passage marked (`.ctx-target`, scrolled to by the page)."""
    lo, hi, pages = context_window(doc, c.start, c.end)
    start, end = max(c.start, lo), min(c.end, hi)
    text = doc.text
    body = (
        ("… " if lo > 0 else "")
        + escape(text[lo:start])
        + f"<mark class='ctx-target' id='ctx-target'>{highlight(text[start:end], c.highlights)}</mark>"
        + escape(text[end:hi])
        + (" …" if hi < len(text) else "")
    )
    where = t(lang, "context_page", page=pages) if pages else t(lang, "context_excerpt")
    section = f" · {t(lang, 'section')}: {escape(c.section)}" if c.section else ""
    return (
        f"<div class='ctx'><div class='ctx-head'><span class='ctx-num'>[{c.number}]</span> "
        f"<b>{escape(doc.meta.title)}</b><div class='ctx-where'>{escape(where)}{section}</div></div>"
        f"<div class='ctx-text'>{body}</div></div>"
    )


def context_message(message: str) -> str:
    return f"<div class='ctx ctx-empty'>{escape(message)}</div>"


def sources_markdown(answer: Answer, lang: str) -> str:
    """Plain markdown: the answer and its numbered sources (the `ask` API's reply)."""
    lines = [answer.text]
    if answer.citations:
        lines += ["", f"**{t(lang, 'sources_title')}**"]
    for c in answer.citations:
        where = ", ".join(
            x for x in (c.section, f"{t(lang, 'page').lower()} {c.page}" if c.page else "") if x
        )
        lines.append(
            f"[{c.number}] {c.title}" + (f" ({c.date})" if c.date else "") + (f", {where}" if where else "")
        )
    return "\n".join(lines)


def cited_doc_ids(answer: Answer) -> tuple[str, ...]:
    return tuple(dict.fromkeys(c.doc_id for c in answer.citations))


def history_turns(answers: Sequence[Answer | None]) -> tuple[Turn, ...]:
    """The conversation so far, for follow-up questions."""
    return tuple(Turn(a.question, a.text, cited_doc_ids(a)) for a in answers if a is not None)


def stream_pieces(text: str, steps: int = STREAM_STEPS) -> Iterator[str]:
    """Growing prefixes of `text`, cut between words so links and markers arrive whole."""
    tokens = re.findall(r"\S+\s*|\s+", text)
    size = max(1, -(-len(tokens) // steps))
    for end in range(size, len(tokens) + size, size):
        yield "".join(tokens[:end])


def filter_note(
    lang: str,
    munis: Sequence[str],
    docs: Sequence[str],
    types: Sequence[str],
    year_from: float | None,
    year_to: float | None,
    titles: dict[str, str],
) -> str:
    parts = [*munis, *(titles.get(d, d) for d in docs), *types]
    if year_from or year_to:
        start = int(year_from) if year_from else "…"
        end = int(year_to) if year_to else "…"
        parts.append(t(lang, "filter_years", start=start, end=end))
    return t(lang, "filter_note", parts="; ".join(parts)) if parts else t(lang, "filter_none")
