"""The audit-recommendation tracker over the index: extraction runs on the indexed documents'
cleaned text and is cached under the store's fingerprint, so it is redone only when documents
change. Also answers questions such as "which recommendations are still open?" with citations.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from dataclasses import replace

from .answer_kinds import responding_bodies
from .compose import TEXTS
from .lexical import Analyzer
from .recommendations import OPEN_STATUSES, Located, TrackedRecommendation, filter_items, track
from .store import ChromaStore
from .types import Answer, Citation, DocumentText, Filters

_ABOUT = re.compile(r"rekommend|recommend", re.IGNORECASE)
_OPEN = re.compile(
    r"\b(open|öppna|kvar|kvarstår|outstanding|unanswered|obesvarade|status|ännu inte|still)\b", re.I
)
_PLACE = re.compile(r"(?<!^)\b([A-ZÅÄÖ][a-zåäöé]{4,})")
_ANSWER = re.compile(r"\b(svar\w*|answer\w*|respon\w*|reply|replied)\b", re.IGNORECASE)

_NO_REPLY = {
    "en": "No answer to these recommendations is in the documents:",
    "sv": "Inget svar på de här rekommendationerna finns i dokumenten:",
}
STATUS_SV = {
    "answered": "besvarad",
    "partly answered": "delvis besvarad",
    "not answered": "inte besvarad",
    "done (follow-up)": "åtgärdad enligt uppföljningen",
    "open (follow-up)": "kvarstår enligt uppföljningen",
}


class RecommendationService:
    def __init__(self, store: ChromaStore) -> None:
        self.store = store
        self._cache: tuple[str, list[TrackedRecommendation]] | None = None
        self._lock = threading.Lock()

    def items(self, filters: Filters | None = None) -> list[TrackedRecommendation]:
        with self._lock:
            fingerprint = self.store.fingerprint()
            if self._cache is None or self._cache[0] != fingerprint:
                docs = [
                    d for d in (self.store.document_text(x.meta.doc_id) for x in self.store.documents()) if d
                ]
                self._cache = (fingerprint, track(docs))
            items = self._cache[1]
        if filters is None:
            return list(items)
        # A user never sees a recommendation or an answer from a document they may not read.
        metas = {d.meta.doc_id: d.meta for d in self.store.documents()}
        allowed = {d for d, m in metas.items() if filters.admits(m)}
        return [_without(i, allowed) for i in items if i.audit.doc_id in allowed]

    def filtered(
        self, municipality: str | None = None, open_only: bool = False, filters: Filters | None = None
    ) -> list[TrackedRecommendation]:
        return filter_items(self.items(filters), municipality=municipality, open_only=open_only)

    def _by_responder(self, question: str, items: list[TrackedRecommendation]) -> list[TrackedRecommendation]:
        """Only the answers of the body the question says answered ("Vad svarade kommunstyrelsen
        på…" is not answered by a committee's reply)."""
        bodies = responding_bodies(question)
        if not bodies:
            return items
        authors = {d.meta.doc_id: d.meta.author.lower() for d in self.store.documents()}

        def by_them(loc: Located) -> bool:
            return all(b in authors.get(loc.doc_id, "") for b in bodies)

        out = []
        for i in items:
            answers = tuple(a for a in i.answers if by_them(a))
            if answers != i.answers:
                i = replace(i, answers=answers, status=i.status if answers else "not answered")
            out.append(i)
        return out

    @staticmethod
    def is_about_recommendations(question: str) -> bool:
        return bool(_ABOUT.search(question)) and bool(_OPEN.search(question) or _ANSWER.search(question))

    def answer(self, question: str, lang: str, filters: Filters | None = None) -> Answer | None:
        """An answer listing the matching recommendations with their status, or None to fall back."""
        items = self.items(filters)
        if not items:
            return None
        wanted_open = bool(_OPEN.search(question))
        # "How did the Alingsås board respond…" is about Alingsås's audits only.
        places = {w.lower().rstrip("s") for w in _PLACE.findall(question)}
        local = [i for i in items if any(p in i.audit.municipality.lower() for p in places)]
        items = local or items
        items = self._by_responder(question, items)
        topic = _topic_terms(question)
        if topic:
            scored = [(len(topic & set(_ANALYZER.terms(i.recommendation))), i) for i in items]
            best = max(s for s, _ in scored)
            items = [i for s, i in scored if s == best and s > 0] or items
        if wanted_open:
            items = [i for i in items if i.status in OPEN_STATUSES]
        if not items:
            return None
        citations: list[Citation] = []
        lines = [
            (
                "Recommendations that are still open:"
                if lang == "en"
                else "Rekommendationer som fortfarande är öppna:"
            )
            if wanted_open
            else (
                "The auditors' recommendations and the answers:"
                if lang == "en"
                else "Revisorernas rekommendationer och svaren på dem:"
            )
        ]
        for item in items[:8]:
            rec_n = _cite(citations, item.audit)
            status = item.status if lang == "en" else STATUS_SV.get(item.status, item.status)
            line = (
                f"- ”{item.recommendation}” ({item.audit.title}, {item.audit.date}) [{rec_n}]: **{status}**"
            )
            for ans in item.answers[:1]:
                ans_n = _cite(citations, ans)
                line += f"\n  - {'Answer' if lang == 'en' else 'Svar'}: ”{_short(ans.text)}” [{ans_n}]"
            if item.followup is not None:
                f_n = _cite(citations, item.followup)
                label = "Follow-up" if lang == "en" else "Uppföljning"
                line += f"\n  - {label}: ”{_short(item.followup.text)}” [{f_n}]"
            lines.append(line)
        shown = items[:8]
        if _ANSWER.search(question) and not wanted_open and not any(i.answers or i.followup for i in shown):
            # "How did the board respond to the recommendations?" when the documents hold no
            # answer to them: say so, and show the recommendations as related.
            lines[0] = TEXTS[lang]["abstain"] + " " + _NO_REPLY[lang]
            text = re.sub(r" \[\d+\]", "", "\n".join(lines))
            return Answer(question, text, (), True, lang, related=tuple(citations))
        return Answer(question, "\n".join(lines), tuple(citations), False, lang)


_ANALYZER = Analyzer(())
_GENERIC = set(
    _ANALYZER.terms(
        "rekommendation rekommendationer rekommenderade revisorerna revisorer nämnden svarade svar "
        "öppna kvar recommendation recommendations auditors committee answer answered open still "
        "which vilka vad om kring "
        "kommunstyrelsen granskningen status"
    )
)


def _topic_terms(question: str) -> set[str]:
    return {t for t in _ANALYZER.terms(question) if t not in _GENERIC and len(t) > 3}


def _short(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + " …"


def _cite(citations: list[Citation], loc: Located) -> int:
    for c in citations:
        if c.doc_id == loc.doc_id and c.start == loc.start:
            return c.number
    n = len(citations) + 1
    citations.append(
        Citation(
            number=n,
            doc_id=loc.doc_id,
            title=loc.title,
            section=loc.section,
            page=loc.page,
            quote=loc.text,
            highlights=(loc.text,),
            municipality=loc.municipality,
            date=loc.date,
            start=loc.start,
            end=loc.end,
            chunk_id=f"{loc.doc_id}@{loc.start}",
        )
    )
    return n


def _without(item: TrackedRecommendation, allowed: set[str]) -> TrackedRecommendation:
    answers = tuple(a for a in item.answers if a.doc_id in allowed)
    followup = item.followup if item.followup and item.followup.doc_id in allowed else None
    if answers == item.answers and followup is item.followup:
        return item
    if not answers and followup is None:
        # The evidence of the status lay in a document this user may not read.
        return replace(
            item,
            answers=(),
            followup=None,
            status="not answered",
            evidence=item.audit.text,
            evidence_ref=item.audit,
        )
    return replace(item, answers=answers, followup=followup)


def doc_texts(store: ChromaStore) -> Sequence[DocumentText]:
    return [d for d in (store.document_text(x.meta.doc_id) for x in store.documents()) if d]
