"""Hybrid retrieval: dense (multilingual e5) and Swedish BM25, fused by weighted reciprocal rank.

The dense side carries English questions across to Swedish text; the lexical side ranks the
exact passage first when the question shares its words. English questions get Swedish terms
from the glossary ("exit interview" -> "avslutningssamtal", on both sides) and, for their other
words, from the lexicon ("score" -> "poäng", "adopted" -> "antogs", on the lexical side), so both
sides can vote for the right passage in both languages.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from .compose import addresses_model, split_sentences
from .embedding import Embedder
from .evidence import (
    UNITS,
    about_documents,
    asks_for_figure,
    author_names,
    compared_places,
    document_years,
    figure_form,
    figure_with,
    speaks_of,
    specifics,
    topic_terms,
    without_document_words,
)
from .glossary import Glossary
from .lexical import LexicalIndex, idf_weight
from .lexicon import Lexicon
from .store import ChromaStore
from .types import DocumentMeta, Filters, Passage, Turn

_SV_HINTS = frozenset(
    (
        "och att det som är för med inte vad hur vem vilka vilken varför när finns har ska kan om på av "
        "till från sa säger nämnden kommunen revisorerna"
    ).split()
)
_EN_HINTS = frozenset(
    (
        "the and what how who which why when does did is are was were of to in for about say said do "
        "all any use them they it its their there have has had can could should would will this that "
        "these those with from by on at an a"
    ).split()
)
# A question that opens as a continuation ("And how does that compare …?") follows on, however
# long; a short one that points back ("When was it submitted?") does too.
_CONTINUES = re.compile(
    # ("ok, and …", "jaha, och …": a word of assent may come first.)
    r"^(?:(?:ok|okay|okej|right|alright|so|jaha|jaså|aha|så)\b[,.!]?\s*)?"
    r"(and|also|what about|how about|och|men|samt|vad (svarade|sa|säger|gör)|hur (svarade|gör))\b",
    re.IGNORECASE,
)
_POINTS_BACK = re.compile(
    r"\b(it|they|them|their|this|that|those|these|det|den|dem|deras|dess|detta|dessa|där|då|de)\b",
    re.IGNORECASE,
)
_SHORT_FOLLOWUP = 12  # words
_LONG_FOLLOWUP = 25


def detect_language(text: str) -> str:
    """ "sv" or "en" by function words; Swedish letters only tip a tie (English questions often
    name Swedish terms: "what is a medarbetaröverenskommelse?")."""
    tokens = re.findall(r"[a-zåäöé]+", text.lower())
    sv = sum(t in _SV_HINTS for t in tokens) + (0.5 if re.search(r"[åäö]", text.lower()) else 0)
    en = sum(t in _EN_HINTS for t in tokens)
    return "en" if en > sv else "sv"


@dataclass(frozen=True, slots=True)
class FusionWeights:
    dense: float = 1.0  # tuned on the dev split (eval/questions.jsonl): see README "Figures"
    lexical: float = 1.0
    rrf_k: float = 30.0
    depth: int = 40  # candidates taken from each side
    history_boost: float = 0.004  # added to passages of documents the conversation is about
    en_lexical: float = 1.0  # English questions: weight of the lexical side (glossary and lexicon terms)
    meta_boost: float = 0.008  # added to passages of a document the question names, per way (place, kind…)
    year_boost: float = 0.008  # added to passages holding the question's years next to its subject
    figure_boost: float = 0.016  # "how many"/"what score": added to passages with a figure by its subject
    lexicon: float = 1.0  # English questions: weight of a translated word against a word of the question
    # A translated word whose Swedish forms are all this rare (BM25 idf) also names the question's
    # subject for the abstention checks; commoner ones ("år" for "year") are too loose to. 0: none.
    lexicon_topic_idf: float = 4.0
    # Added to the lexical side's best passage when its BM25 score is `lead_ratio` times the
    # second's: a passage that alone holds the question's rare words ("inte definierat vilka
    # processer") is the answer even when the dense side does not find it. 0: none.
    lexical_lead: float = 0.03
    lead_ratio: float = 1.5


@dataclass(frozen=True, slots=True)
class Retrieval:
    """What retrieval found, and the evidence strength the abstention decision reads."""

    passages: tuple[Passage, ...]
    language: str
    search_text: str  # the question as searched (with history for follow-ups)
    expansions: tuple[str, ...] = ()  # Swedish terms the glossary added
    translations: tuple[tuple[str, tuple[str, ...]], ...] = ()  # English word -> Swedish words (lexicon)
    # The English question's own topics the glossary did not take -> their Swedish names, whether
    # or not the documents use them (vocabulary): to tell a subject the documents never mention.
    topics: tuple[tuple[str, tuple[str, ...]], ...] = ()
    top_dense: float = 0.0  # best cosine similarity of any candidate
    query_terms: tuple[str, ...] = field(default=())


class Retriever:
    def __init__(
        self,
        store: ChromaStore,
        embedder: Embedder,
        glossary: Glossary | None = None,
        *,
        cache_dir=None,
        weights: FusionWeights = FusionWeights(),
        mode: str = "hybrid",  # "hybrid", "dense" or "lexical" (the last two for the baselines)
        expand_dense: bool = True,
        lexicon: Lexicon | None = None,
        vocabulary: Lexicon | None = None,
    ) -> None:
        self.store, self.embedder, self.glossary = store, embedder, glossary or Glossary()
        self.lexicon, self.vocabulary = lexicon or Lexicon(), vocabulary or Lexicon()
        self.weights, self.mode, self._cache_dir = weights, mode, cache_dir
        self.expand_dense = expand_dense
        self._lexical: LexicalIndex | None = None
        self._lock = threading.Lock()

    def lexical(self) -> LexicalIndex:
        """The BM25 index for the store's current documents (rebuilt when they change)."""
        with self._lock:
            fingerprint = self.store.fingerprint()
            if self._lexical is None or getattr(self._lexical, "fingerprint", None) != fingerprint:
                self._lexical = LexicalIndex.for_store(self.store, self._cache_dir)
            return self._lexical

    def search_text(self, question: str, history: tuple[Turn, ...] = ()) -> str:
        """A follow-up ("and what did they recommend?") is searched together with the last question."""
        if not (history and is_followup(question)):
            return question
        # The last question may follow on too ("What scored best in it?"): its subject is in
        # the one before it.
        asked = [history[-1].question]
        if len(history) > 1 and is_followup(asked[0]):
            asked.insert(0, history[-2].question)
        return " ".join([*asked, question])

    def retrieve(
        self, question: str, k: int = 5, filters: Filters | None = None, history: tuple[Turn, ...] = ()
    ) -> Retrieval:
        language = detect_language(question)
        text = self.search_text(question, history)
        found_terms, rest = self.glossary.expand_and_rest(text)
        expansions = tuple(found_terms)
        # The English words the glossary did not take, in the documents' Swedish.
        concepts = self.lexicon.concepts(rest) if language == "en" else []
        if language == "en":
            own_rest = rest if text == question else self.glossary.expand_and_rest(question)[1]
            # The lexicon's words for the same English count too: "term" is "termin" to the topic
            # list, and "begreppet" to the lexicon, which a document may use.
            glossed = {c.english: c.swedish for c in concepts}
            topics = [
                (c.english, (*c.swedish, *glossed.get(c.english, ())))
                for c in self.vocabulary.concepts(own_rest)
            ]
        else:
            topics = self.vocabulary.swedish_words(question)
        w = self.weights
        index = self.lexical()
        # Words for the document itself ("the audit", "i granskningen", "the evaluators") choose
        # the document (see _fuse), not the passage: as search terms they lift every passage that
        # names the audit (its background, its method) above the one on the subject.
        # So do the short names of their authors ("what did KPMG say about ...").
        lexical = self.mode in ("hybrid", "lexical")
        metas = {d.meta.doc_id: d.meta for d in self.store.documents()} if lexical else {}
        authors = author_names(metas.values())
        concepts = [
            c for c in concepts if not about_documents(c.english) and c.english.lower() not in authors
        ]
        groups = [g for c in concepts if (g := index.word_terms(c.swedish))]
        dense: list[Passage] = []
        lexical_hits: list[tuple[Passage, float]] = []
        if self.mode in ("hybrid", "dense"):
            # Only the glossary's terms join the dense query: adding the lexicon's translations
            # too (several per word, some loose) lowered MRR on the dev split.
            dense_text = " ".join([text, *expansions]) if self.expand_dense and expansions else text
            dense = self.store.query(self.embedder.embed_query(dense_text), w.depth, filters)
        lexical_text = without_document_words(" ".join([text, *expansions]), index.analyzer, authors)
        if lexical:
            found = index.search(
                lexical_text, w.depth, filters or Filters(), metas, groups=groups, group_weight=w.lexicon
            )
            for chunk, score in found:
                doc = metas.get(chunk.doc_id)
                if doc is not None:
                    lexical_hits.append((Passage(chunk, doc, 0.0, lexical=score), score))
        fused = self._fuse(dense, lexical_hits, history, question, language)
        query_terms = tuple(index.query_terms(lexical_text))
        if w.lexicon_topic_idf:
            # A translated word names the subject when even its commonest Swedish form is rare
            # ("report back": "återrapportering", "återrapporteras"); then any of its forms will do.
            specific = [g for g in groups if min(idf_weight(index, t) for t in g) >= w.lexicon_topic_idf]
            rare = (t for g in specific for t in g)
            query_terms = tuple(dict.fromkeys([*query_terms, *rare]))
        if w.year_boost and self.mode == "hybrid":
            fused = _boost_years(fused, question, query_terms, index, w.year_boost)
        if w.figure_boost and self.mode == "hybrid":
            subject = (*query_terms, *(t for g in groups for t in g))
            fused = _boost_figures(fused, question, subject, index, w.figure_boost)
        return Retrieval(
            passages=tuple(_each_named_document(fused, question, k)),
            language=language,
            search_text=text,
            expansions=expansions,
            translations=tuple((c.english, c.swedish) for c in concepts),
            topics=tuple(topics),
            top_dense=max((p.dense for p in dense), default=0.0),
            query_terms=query_terms,
        )

    def _fuse(
        self,
        dense: list[Passage],
        lexical_hits: list[tuple[Passage, float]],
        history: tuple[Turn, ...],
        question: str = "",
        language: str = "sv",
    ) -> list[Passage]:
        w = self.weights
        lexical_weight = w.lexical * (w.en_lexical if language == "en" else 1.0)
        scores: dict[tuple[str, int], float] = {}
        best: dict[tuple[str, int], Passage] = {}
        for rank, p in enumerate(dense):
            key = (p.chunk.doc_id, p.chunk.ordinal)
            scores[key] = scores.get(key, 0.0) + w.dense / (w.rrf_k + rank + 1)
            best[key] = p
        for rank, (p, score) in enumerate(lexical_hits):
            key = (p.chunk.doc_id, p.chunk.ordinal)
            scores[key] = scores.get(key, 0.0) + lexical_weight / (w.rrf_k + rank + 1)
            best[key] = replace(best[key], lexical=score) if key in best else p
        if (
            w.lexical_lead
            and len(lexical_hits) >= 2
            and lexical_hits[0][1] >= w.lead_ratio * lexical_hits[1][1]
        ):
            lead = lexical_hits[0][0].chunk
            # Text stuffed with the question's words is what a lead on BM25 alone rewards: a
            # passage that speaks to the model (an injected instruction) gets none.
            if not addresses_model(lead.text):
                scores[(lead.doc_id, lead.ordinal)] += w.lexical_lead
        talked_about = {d for turn in history[-2:] for d in turn.doc_ids}
        if talked_about:
            for key in scores:
                if key[0] in talked_about:
                    scores[key] += w.history_boost
        if question and self.mode == "hybrid":
            docs = docs_of(list(best.values()))
            # A document named several ways ("KPMG" and "Alingsås") is the one asked about more
            # surely than one named by its municipality alone.
            named = {doc_id: named_by(question, doc) for doc_id, doc in docs.items()}
            for key in scores:
                scores[key] += w.meta_boost * named.get(key[0], 0)
        ranked = sorted(scores, key=lambda key: -scores[key])
        return [replace(best[key], score=scores[key]) for key in ranked]


# What a question says about the kind of document it wants ("the audit" is the auditors' report,
# not the committee's answer to it).
_KIND_CUES: tuple[tuple[re.Pattern[str], tuple[str, ...]], ...] = (
    (
        re.compile(r"\b(audit|auditors?|revisor\w*|revisionsrapport\w*|granskning\w*|KPMG)\b", re.I),
        ("revisionsrapport", "uppföljande granskning"),
    ),
    (
        re.compile(r"\b(answer\w*|respon\w*|svar\w*|yttrande\w*)\b", re.I),
        ("svar på revisionsrapport", "yttrande"),
    ),
    (re.compile(r"\b(evaluation|evaluators?|utvärdering\w*|utvärderar\w*|SKR)\b", re.I), ("utvärdering",)),
    (re.compile(r"\binterpellation\w*", re.I), ("interpellation",)),
    (re.compile(r"\b(minutes|protokoll\w*)\b", re.I), ("protokoll",)),
    (re.compile(r"\b(policy|policyn)\b", re.I), ("policy",)),
    (re.compile(r"\b(guideline\w*|riktlinje\w*)\b", re.I), ("riktlinje",)),
)
_PLACE = re.compile(r"\b([A-ZÅÄÖ][a-zåäöé]{3,})")


def named_by(question: str, doc: DocumentMeta) -> int:
    """How many ways the question names this document: its municipality, a word of its title, its
    year, its author's short name, its kind. 0 when it does not.

    Each adds to the document's boost: "What did KPMG recommend regarding Alingsås's staff
    policy?" names every Alingsås document by place, and the audit also by its author.
    """
    return sum(_naming_cues(question, doc))


def _naming_cues(question: str, doc: DocumentMeta) -> tuple[bool, bool, bool, bool, bool]:
    """Whether the question names the document by place, title, year, author and kind."""
    places = [
        word
        for m in _PLACE.finditer(question)
        if m.start() > 0 and len(word := m.group(1).lower().rstrip("s")) > 4
    ]
    title = doc.title.lower()
    return (
        any(word in doc.municipality.lower() for word in places),
        any(word in title.split()[:6] or (word == "kommunkompassen" and word in title) for word in places),
        doc.year is not None and str(doc.year) in document_years(question),  # "the 2023 evaluation"
        bool(author_names([doc]) & {w.lower() for w in re.findall(r"\w+", question)}),  # "what did PwC find"
        any(cue.search(question) and doc.doc_type in kinds for cue, kinds in _KIND_CUES),
    )


def names_document(question: str, doc: DocumentMeta, among: Sequence[DocumentMeta]) -> bool:
    """Whether the question names the document itself, not only its place: by its author's short
    name ("KPMG"), its title's name ("Kommunkompassen"), or its kind ("the audit") when no other
    document `among` the candidates is of that kind."""
    place = {w.rstrip("s") for w in re.findall(r"\w+", doc.municipality.lower())}
    title = " ".join(w for w in doc.title.split() if w.lower().rstrip("s") not in place)
    _, by_title, _, by_author, by_kind = _naming_cues(question, replace(doc, title=title, municipality=""))
    alike = sum(d.doc_type == doc.doc_type for d in among)
    return by_title or by_author or (by_kind and alike == 1)


def _each_named_document(fused: list[Passage], question: str, k: int) -> list[Passage]:
    """The top k, whose first five hold the best passage of each document a comparison names.

    "Kolada comes up in both the KPMG audit and SKR's evaluation: what is it used for in each?"
    found five passages of the evaluation and none of the audit. (Five: what an answer quotes.)
    """
    docs = docs_of(fused)
    among = list(docs.values())
    named = [d for d, doc in docs.items() if names_document(question, doc, among)]
    # Each place a comparison names is one document of that place ("Har Alingsås och Askersund …").
    for place in compared_places(question):
        of_place = [d for d, doc in docs.items() if place.lower() in doc.municipality.lower()]
        if of_place and not set(of_place) & set(named):
            named.append(of_place[0])  # fused is best first, and so is docs_of
    head = fused[: min(k, _ANSWER_DEPTH)]
    if len(named) < 2 or len(head) < len(named):
        return fused[:k]
    for doc_id in named:
        if any(p.doc.doc_id == doc_id for p in head):
            continue
        held = {d: sum(p.doc.doc_id == d for p in head) for d in named}
        # The lowest passage of a document that keeps another in the head gives way.
        for i in range(len(head) - 1, -1, -1):
            if head[i].doc.doc_id not in named or held[head[i].doc.doc_id] > 1:
                head[i] = next(p for p in fused if p.doc.doc_id == doc_id)
                break
    return [*head, *(p for p in fused if p not in head)][:k]


_ANSWER_DEPTH = 5


def is_followup(question: str) -> bool:
    n = len(question.split())
    return (n <= _LONG_FOLLOWUP and bool(_CONTINUES.search(question))) or (
        n <= _SHORT_FOLLOWUP and bool(_POINTS_BACK.search(question))
    )


def docs_of(passages: tuple[Passage, ...] | list[Passage]) -> dict[str, DocumentMeta]:
    return {p.doc.doc_id: p.doc for p in passages}


def _boost_years(
    fused: list[Passage], question: str, terms: tuple[str, ...], index: LexicalIndex, boost: float
) -> list[Passage]:
    """Lift passages that hold every year the question names together with one of its rarer terms.

    "Staff turnover in 2020" wants the sentence on turnover that says 2020, which an English
    question's embedding ranks no higher than turnover in other years.
    """
    years, names = specifics(question)
    if not years:
        return fused
    topic = topic_terms(terms, index, names, years)
    return _lift(
        fused, boost, lambda _, p: all(y in p.chunk.text for y in years) and speaks_of(p, topic, index)
    )


_FIGURE_DEPTH = 20  # candidates looked at for figures: enough to lift a table row into the top 5


def _boost_figures(
    fused: list[Passage], question: str, terms: tuple[str, ...], index: LexicalIndex, boost: float
) -> list[Passage]:
    """Lift passages with a figure in a sentence or table row that holds the question's subject,
    for questions answered by a number. `terms` are the question's index terms and, for an
    English question, every Swedish translation of its words.

    "How many points did Alingsås get for work environment?" is answered by the score table's
    row "7.3 Arbetsmiljö 18 25", which shares one word with the question and ranks below the
    prose about the work environment.
    """
    if not asks_for_figure(question):
        return fused
    years, names = specifics(question)
    # The row must name the subject, not just the unit the question asks in: "poäng" on a line
    # with a number is any score, "Arbetsmiljö 18 25" is the one asked for.
    wanted = (topic_terms(terms, index, names, years) or set(terms)) - set(index.analyzer.terms(UNITS))
    # A score is no year or sum: "sedan 2021 en reviderad rutin för arbetsmiljöarbete" is prose
    # about the subject, "7.3 Arbetsmiljö 18 25" its score. The question's own numbers are not it.
    form = figure_form(question)
    own = set(re.findall(r"\d+", question))
    lifted = _lift(
        fused,
        boost,
        lambda i, p: (
            i < _FIGURE_DEPTH and figure_with(split_sentences(p.chunk.text), wanted, index, form, own)
        ),
    )
    if not _SUPERLATIVE.search(question):
        return lifted
    # "Which area scored highest?" names no row: the whole table answers it, above the prose on
    # each area (which the first lift raised too).
    return _lift(
        lifted,
        boost * _RANKING_LIFT,
        lambda i, p: i < _FIGURE_DEPTH and len(_ROW.findall(p.chunk.text)) >= _TABLE_ROWS,
    )


_SUPERLATIVE = re.compile(
    r"\b(highest|lowest|best|worst|most|least|top|högst\w*|lägst\w*|bäst\w*|sämst\w*|flest|färrest"
    r"|full (?:poäng|marks|score)|maxpoäng\w*|max(?:imum)? (?:poäng|points|score))\b",
    re.IGNORECASE,
)
_TABLE_ROWS = 3  # a table, not a sentence with two numbers
_RANKING_LIFT = 2  # times the figure boost: the one dev question of the kind needed 2 for the top 5
# A row of a table, numbered or not: "7.3 Arbetsmiljö 18 25", "Dag 1–14 2,8 4,3".
_ROW = re.compile(r"^.*[^\W\d].*\s\d+(?:[,.]\d+)?\s+\d+(?:[,.]\d+)?\s*$", re.MULTILINE)


def _lift(fused: list[Passage], boost: float, holds: Callable[[int, Passage], bool]) -> list[Passage]:
    """`fused` with `boost` added to each passage that `holds` (given its rank), best first again."""
    lifted = [replace(p, score=p.score + boost) if holds(i, p) else p for i, p in enumerate(fused)]
    return sorted(lifted, key=lambda p: -p.score)
