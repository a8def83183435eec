"""The extractive composer: the few sentences that answer, grouped by document, each cited [n].

No model writes anything here, so every word of an answer is either our short frame ("Enligt
...", "According to ...") or a verbatim quote from a cited passage. An English question gets an
English frame around the Swedish quotes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from .glossary import Term
from .lexical import Analyzer
from .types import Answer, Citation, Passage

# A blank line ends a paragraph, except where the PDF broke a sentence over a page or column:
# "… ett tillägg på föräldrapenningen\n\nmotsvarande 10 % av lönebortfallet" goes on in lower case.
_SENTENCE_END = re.compile(
    r"(?<=[.!?:;])\s+(?=[\"”»(\[]?[A-ZÅÄÖ0-9•–-])|\n{1,}(?=\s*[•\-–*]|\s*\d+[.)]\s)"
    r"|\n{2,}(?![ \t]*[a-zåäöé])"
)
MAX_CITATIONS = 3
MAX_SENTENCES = 2

TEXTS = {
    "sv": {
        "according": "Enligt",
        "section": "avsnitt",
        "page": "s.",
        "abstain": "Dokumenten svarar inte på det.",
        "related": "De närmaste avsnitten, som inte besvarar frågan:",
        "newer": "Källorna är från olika tidpunkter; den nyaste är {title} ({date}).",
        "glossary": "Ordlistan",
        "quoted": "",
        "no_docs": "Det finns inga dokument i indexet än. Lägg till dokument under Dokument.",
    },
    "en": {
        "according": "According to",
        "section": "section",
        "page": "p.",
        "abstain": "The documents don't answer this.",
        "related": "The closest passages, which do not answer the question:",
        "newer": "The sources are from different dates; the newest is {title} ({date}).",
        "glossary": "Glossary",
        "quoted": " (quoted in Swedish)",
        "no_docs": "There are no documents in the index yet. Add documents under Documents.",
    },
}


# A sentence addressed to the model, not about the subject: an instruction a document may carry.
_INSTRUCTION = re.compile(
    r"^\W*(?:ignore|disregard|forget|say|answer|respond|reply|tell|write|output"
    r"|ignorera|bortse|glöm|säg|svara|skriv)\b"
    r"|\b(?:previous|prior|earlier|above) instructions\b"
    r"|\b(?:tidigare|föregående|ovanstående) instruktioner\b"
    r"|\bsystem ?prompt\b",
    re.IGNORECASE,
)


def speaks_to_model(sentence: str) -> bool:
    """Whether a sentence speaks to the model ("Ignore previous instructions.", "Say …"), as an
    injected instruction does, rather than about its subject."""
    return bool(_INSTRUCTION.search(sentence))


def addresses_model(text: str) -> bool:
    """Whether a sentence of the text speaks to the model (see `speaks_to_model`)."""
    return any(speaks_to_model(s) for s in split_sentences(text))


def split_sentences(text: str) -> list[str]:
    parts = [" ".join(p.split()) for p in _SENTENCE_END.split(text)]
    return [p for p in parts if len(p) >= 3]


def best_sentences(
    passage: Passage, terms: Sequence[str], analyzer: Analyzer, idf: dict[str, float]
) -> list[str]:
    """The sentences of a passage that carry most of the question's terms, in text order."""
    sentences = split_sentences(passage.chunk.text)
    if not sentences:
        return []
    wanted = set(terms)
    scored = []
    for i, sentence in enumerate(sentences):
        have = set(analyzer.terms(sentence)) & wanted
        scored.append((sum(idf.get(t, 1.0) for t in have), -i, sentence))
    top = sorted(scored, reverse=True)[:MAX_SENTENCES]
    top = [t for t in top if t[0] > 0] or [(0, 0, sentences[0])]
    # Keep the strongest; add the second only if it is nearly as strong.
    if len(top) == 2 and top[1][0] < 0.5 * top[0][0]:
        top = top[:1]
    chosen = {s for _, _, s in top}
    return [s for s in sentences if s in chosen]


def citation(number: int, passage: Passage, highlights: Sequence[str] = ()) -> Citation:
    c, d = passage.chunk, passage.doc
    return Citation(
        number=number,
        doc_id=d.doc_id,
        title=d.title,
        section=c.section_label,
        page=c.page,
        quote=c.text,
        highlights=tuple(highlights),
        score=round(passage.score, 6),
        chunk_id=c.chunk_id,
        municipality=d.municipality,
        doc_type=d.doc_type,
        date=d.date,
        author=d.author,
        start=c.start,
        end=c.end,
    )


def select(passages: Sequence[Passage]) -> list[Passage]:
    """The passages an answer cites: the best, and the next ones that score close to it."""
    if not passages:
        return []
    top = passages[0].score
    chosen = [p for p in passages[:MAX_CITATIONS] if p.score >= 0.6 * top]
    return chosen or [passages[0]]


def where(c: Citation, lang: str) -> str:
    t = TEXTS[lang]
    bits = []
    if c.section:
        # The two innermost levels read well in running text ("3.8 Avslutningssamtal › 3.8.1 ...");
        # the source card shows the whole path.
        bits.append(f"{t['section']} {' › '.join(c.section.split(' › ')[-2:])}")
    if c.page:
        bits.append(f"{t['page']} {c.page}")
    return ", ".join(bits)


def source_line(c: Citation, lang: str) -> str:
    origin = ", ".join(x for x in (c.author or c.municipality, c.date) if x)
    return f"**{c.title}**" + (f" ({origin})" if origin else "")


def compose(
    question: str,
    lang: str,
    passages: Sequence[Passage],
    terms: Sequence[str],
    analyzer: Analyzer,
    idf: dict[str, float],
    term: Term | None = None,
) -> Answer:
    """An answer quoting the best sentences of the selected passages, grouped by document."""
    t = TEXTS[lang]
    chosen = select(passages)
    citations = [citation(n, p, best_sentences(p, terms, analyzer, idf)) for n, p in enumerate(chosen, 1)]
    lines: list[str] = []
    if term is not None:
        lines.append(glossary_line(term, lang))
    by_doc: dict[str, list[Citation]] = {}
    for c in citations:
        by_doc.setdefault(c.doc_id, []).append(c)
    for cites in by_doc.values():
        first = cites[0]
        lines.append(f"{t['according']} {source_line(first, lang)}{t['quoted']}:")
        for c in cites:
            place = where(c, lang)
            quote = " ".join(c.highlights) or c.quote[:300]
            lines.append(f"- {place + ': ' if place else ''}”{quote}” [{c.number}]")
        lines.append("")
    notes = date_notes(citations, lang)
    lines += [f"_{n}_" for n in notes]
    return Answer(question, "\n".join(lines).strip(), tuple(citations), False, lang, notes=tuple(notes))


def abstain(question: str, lang: str, related: Sequence[Passage], term: Term | None = None) -> Answer:
    t = TEXTS[lang]
    related_cites = tuple(citation(n, p) for n, p in enumerate(related[:3], 1))
    lines = []
    if term is not None:
        lines += [glossary_line(term, lang), ""]
    lines.append(t["abstain"])
    if related_cites:
        lines.append(t["related"])
        for c in related_cites:
            place = where(c, lang)
            lines.append(f"- {c.title}" + (f", {place}" if place else ""))
    return Answer(question, "\n".join(lines), (), True, lang, related=related_cites)


def glossary_line(term: Term, lang: str) -> str:
    explanation = term.explanation_en if lang == "en" else term.explanation_sv
    name = term.sv + (f" ({term.expansion_sv})" if term.acronym and term.expansion_sv else "")
    if lang == "en" and term.en:
        name += f" – {term.en[0]}"
    return f"**{name}** ({TEXTS[lang]['glossary']}): {explanation}"


def date_notes(citations: Sequence[Citation], lang: str) -> list[str]:
    """When the cited documents are from different dates, say which is newest."""
    dated = {c.doc_id: (c.date, c.title) for c in citations if c.date}
    if len({d for d, _ in dated.values()}) < 2:
        return []
    date, title = max(dated.values())
    return [TEXTS[lang]["newer"].format(title=title, date=date)]
