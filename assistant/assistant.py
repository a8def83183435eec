"""Assistant.ask: question (+ history, filters) -> a cited answer, or a plain "the documents don't answer"."""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass, replace

from .answer_kinds import (
    asks_where_in_document,
    missing_audit_reply,
    missing_body,
    missing_frequency,
    missing_name,
    missing_person,
    missing_time,
    missing_view,
)
from .compose import abstain, compose
from .errors import InvalidQuestionError
from .evidence import (
    has_sibling,
    mentions,
    missing_count,
    missing_figure,
    missing_part,
    missing_reply,
    missing_result,
    missing_specifics,
    subject_elsewhere,
    unknown_words,
    unmentioned_topics,
)
from .glossary import Glossary
from .lexical import LexicalIndex
from .retrieval import Retrieval, Retriever, detect_language
from .types import Answer, Filters, Turn

MAX_QUESTION_CHARS = 2000


@dataclass(frozen=True, slots=True)
class AbstentionPolicy:
    """When to say "the documents don't answer". Calibrated on the dev split (see README, Figures).

    Similarity scores alone do not separate answerable from unanswerable questions here: a
    question about sick leave in 2022 finds the same passages as one about 2020. So the policy
    asks whether one retrieved document holds the question's specifics (years, names), whether
    a long Swedish word of the question, or a topic of it that a topic list names, is one the
    documents never use ("uppsägningstid", "gift card"), and, last, whether anything is close.
    """

    min_dense: float = 0.79
    check_specifics: bool = True
    check_unknown_words: bool = True
    check_figures: bool = True
    check_topics: bool = True

    def reasons(self, question: str, lang: str, r: Retrieval, index: LexicalIndex) -> list[str]:
        if not r.passages:
            return ["nothing retrieved"]
        found = []
        if r.top_dense < self.min_dense:
            found.append(f"best similarity {r.top_dense:.2f} < {self.min_dense:.2f}")
        # A Swedish word the documents never use stands for their synonyms in the topic list: a
        # question on "webbplats" is on the subject of their "hemsida", and the price of an
        # "årskort" is a figure next to "friskvårdsbidrag".
        stand_ins = [(w, names) for w, names in r.topics if not mentions(w, index)] if lang == "sv" else []
        if self.check_specifics:
            aliases = dict(r.translations) | dict(stand_ins)
            found += missing_specifics(question, r.passages, index, r.query_terms, aliases)
        # "Var i rapporten beskrivs hur många som jobbar på HR?" asks where, not how many.
        locating = asks_where_in_document(question)
        if (
            self.check_figures
            and not locating
            and missing_figure(
                question,
                r.passages,
                r.query_terms,
                index,
                [*r.translations, *stand_ins],
                r.expansions,
                context="" if r.search_text == question else r.search_text,
            )
        ):
            found.append("the passages hold no figure for this question")
        elif self.check_figures and not locating:
            # English nouns are looked for in their Swedish names, from the glossary or topic list.
            counted = missing_count(question, r.passages, index, [*r.translations, *r.topics], lang)
            if counted:
                found.append(f"the passages give no number of '{counted}'")
        if self.check_specifics and (
            missing_reply(question, r.passages) or missing_audit_reply(question, r.passages)
        ):
            found.append("no retrieved document is the reply asked about")
        if self.check_specifics:
            # "Och i Alingsås då – vem har där beslutat …?" asks its own question of another
            # place: the words of the question before it are not what the place must speak of.
            own_terms = index.query_terms(question) if r.search_text != question else []
            elsewhere = subject_elsewhere(
                question, r.passages, index, own_terms or r.query_terms, r.translations, r.expansions
            )
            if elsewhere:
                found.append(f"the documents of the place asked about never speak of '{elsewhere}'")
        if self.check_specifics and (part := missing_part(question, r.passages, index)):
            found.append(f"the documents have no part numbered {part}")
        if self.check_specifics and missing_result(question, r.passages, r.query_terms, index):
            found.append("the passages report no result of it")
        if self.check_specifics and missing_view(question, r.passages, index, r.translations):
            found.append("the passages tell no view of theirs")
        # A follow-up's subject is in the history, not in its own words ("When was it submitted?").
        own_subject = r.search_text == question and not locating
        if (
            self.check_specifics
            and own_subject
            and missing_name(question, r.passages, r.query_terms, index, r.translations)
        ):
            found.append("the passages name no one of the kind asked for")
        if self.check_specifics and missing_person(
            question, r.passages, r.query_terms, index, r.translations
        ):
            found.append("the passages name no person who holds the post")
        if self.check_specifics and own_subject:
            if missing_frequency(question, r.passages, r.query_terms, index, r.translations):
                found.append("the passages say not how often")
            if missing_body(question, r.passages, r.query_terms, index, r.translations):
                found.append("the passages name no committee or department of the kind asked for")
        if (
            self.check_specifics
            and own_subject
            and missing_time(question, r.passages, r.query_terms, index, r.translations, r.expansions, lang)
        ):
            found.append("the passages give no time for this question")
        # "Hur beskriver avsnitt 3.2.1 arbetsdelningen …": the section it names is retrieved, and
        # its other words are the asker's own for what the section says.
        if self.check_unknown_words and not _names_retrieved_section(question, r):
            # An English question's subject is in the Swedish terms the glossary gave it: "notice
            # period" is "uppsägningstid", which the documents never use.
            if lang == "sv":
                unknown = unknown_words(question, index, passages=r.passages)
                if self.check_topics:
                    # A shorter noun is a subject too when the topic list (corpus/vocabulary.tsv)
                    # names it and the documents use neither it nor a synonym ("bonus", "bisyssla").
                    own = unmentioned_topics(r.topics, index, asked_first=True)
                    unknown += [w for w in own if w not in unknown]
            else:
                # The glossary's word is one Swedish name for the English: a sibling the documents
                # use ("föräldrapenningen" for "föräldraledighet") may be what they call it.
                unknown = [
                    w
                    for w in unknown_words(" ".join(r.expansions), index, glossary=True)
                    if not has_sibling(w, index)
                ]
                if self.check_topics:
                    # Its other topics have Swedish names in the topic list, used or not: "gift
                    # card" is "presentkort", "gåvokort", "värdebevis", none of them in the documents.
                    unknown += unmentioned_topics(r.topics, index)
            found += [f"'{w}' does not occur in the documents" for w in unknown]
        return found


_SECTION_NUMBER = re.compile(r"(?<![\d.])(\d+(?:\.\d+)+)(?![\d.]*\d)")


def _names_retrieved_section(question: str, r: Retrieval) -> bool:
    """Whether the question names a numbered section ("3.2.1") that a retrieved passage is in."""
    numbers = set(_SECTION_NUMBER.findall(question))
    return bool(numbers) and any(
        label.split()[0] in numbers for p in r.passages for label in p.chunk.section_path if label
    )


class Assistant:
    def __init__(
        self,
        retriever: Retriever,
        glossary: Glossary | None = None,
        *,
        policy: AbstentionPolicy = AbstentionPolicy(),
        top_k: int = 5,
        llm=None,
        tracker=None,
    ) -> None:
        self.retriever, self.glossary = retriever, glossary or Glossary()
        self.policy, self.top_k, self.llm, self.tracker = policy, top_k, llm, tracker
        self._lock = threading.Lock()

    def retrieve(
        self, question: str, *, history: Sequence[Turn] = (), filters: Filters | None = None
    ) -> Retrieval:
        """The passages alone (meeting mode shows them before the answer is composed)."""
        question = check_question(question)
        return self.retriever.retrieve(question, self.top_k, filters, tuple(history))

    def ask(
        self,
        question: str,
        *,
        history: Sequence[Turn] = (),
        filters: Filters | None = None,
        retrieval: Retrieval | None = None,
    ) -> Answer:
        question = check_question(question)
        lang = detect_language(question)
        if self.tracker is not None and self.tracker.is_about_recommendations(question):
            answer = self.tracker.answer(question, lang, filters)
            if answer is not None:
                return answer
        r = retrieval or self.retriever.retrieve(question, self.top_k, filters, tuple(history))
        term = self.glossary.define(question)
        index = self.retriever.lexical()
        reasons = self.policy.reasons(question, lang, r, index)
        if reasons:
            answer = abstain(question, lang, r.passages, term)
            answer = replace(answer, notes=(*answer.notes, *reasons))
        elif self.llm is not None:
            answer = self.llm.compose(question, lang, r.passages, history)
        else:
            idf = {t: float(index.idf[index.term_ids[t]]) for t in r.query_terms if t in index.term_ids}
            answer = compose(question, lang, r.passages, r.query_terms, index.analyzer, idf, term)
        notes = list(answer.notes)
        if filters is not None and not filters.is_empty():
            notes.append(describe_filters(filters, lang))
        return replace(answer, notes=tuple(notes))


_WORDISH = re.compile(r"[0-9A-Za-zÅÄÖåäöÉé]")


def check_question(question: str) -> str:
    """The question, trimmed; a one-line error for what cannot be asked."""
    if not isinstance(question, str):
        raise InvalidQuestionError("The question must be text")
    cleaned = "".join(ch for ch in question if ch.isprintable() or ch in "\n\t").strip()
    if not cleaned:
        raise InvalidQuestionError("Skriv en fråga / Type a question")
    if len(cleaned) > MAX_QUESTION_CHARS:
        raise InvalidQuestionError(
            f"The question is {len(cleaned)} characters; at most {MAX_QUESTION_CHARS} are allowed"
        )
    if not _WORDISH.search(cleaned):
        raise InvalidQuestionError("The question has no words: ask with words / Frågan saknar ord")
    return cleaned


def describe_filters(filters: Filters, lang: str) -> str:
    parts = []
    if filters.municipalities:
        parts.append(", ".join(filters.municipalities))
    if filters.doc_ids:
        parts.append(", ".join(filters.doc_ids))
    if filters.doc_types:
        parts.append(", ".join(filters.doc_types))
    if filters.year_from is not None or filters.year_to is not None:
        parts.append(f"{filters.year_from or '…'}–{filters.year_to or '…'}")
    label = "Filtered" if lang == "en" else "Filtrerat"
    return f"{label}: " + "; ".join(parts)
