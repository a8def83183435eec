"""Track audit recommendations across documents: recommended -> answered -> followed up.

An answer or follow-up is first tied to the audit it concerns (it names the audit's title, date or
firm, or quotes its recommendations), then each quoted recommendation to one of that audit's
recommendations by similarity. Nothing is dropped: a recommendation nobody answered is listed as
"not answered", and an answer whose audit is not in the corpus still yields tracked
recommendations, the ones it quotes. Every status comes with the passage it rests on.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from assistant.recommendation_extract import (
    Located,
    Reply,
    answer_extent,
    classify,
    clean,
    find_answers,
    find_recommendations,
    find_verdicts,
)
from assistant.types import DocumentMeta, DocumentText

__all__ = [
    "OPEN_STATUSES",
    "Located",
    "Similarity",
    "TrackedRecommendation",
    "filter_items",
    "lexical_similarity",
    "to_json",
    "track",
]

Similarity = Callable[[list[str], list[str]], list[list[float]]]  # cosine matrix, rows = first list

ANSWERED, PARTLY, NOT_ANSWERED = "answered", "partly answered", "not answered"
DONE, OPEN = "done (follow-up)", "open (follow-up)"
OPEN_STATUSES = frozenset({NOT_ANSWERED, PARTLY, OPEN})

# Tuned on the fixture and seed documents: paraphrased answers to the right recommendation score
# 0.25-0.6 lexically, answers to another recommendation of the same audit below 0.15.
LEXICAL_MIN = 0.2
MODEL_MIN = 0.5  # for a caller's embedding cosine, which rarely falls below 0.3 even for unrelated text
_QUOTED = 0.55  # lexical similarity at which a passage quotes a recommendation rather than paraphrasing
_LINK_SCORE = 0.6  # evidence needed to tie a document to an audit (see _reference_score)


@dataclass(frozen=True, slots=True)
class TrackedRecommendation:
    recommendation: str  # one line, without list marker
    audit: Located  # where it was recommended (or quoted, when the audit is not in the corpus)
    answers: tuple[Located, ...]  # oldest first
    status: str  # answered | partly answered | not answered | done (follow-up) | open (follow-up)
    evidence: str  # the passage the status rests on; never empty
    evidence_ref: Located | None
    followup: Located | None = None  # the latest follow-up verdict, if any
    verdict: str = ""  # the follow-up's own word: "done", "partly" or "open"; "" without follow-up


@dataclass
class _Rec:
    """A recommendation while evidence is gathered for it."""

    audit: Located
    number: int | None
    answers: list[tuple[Located, str]] = field(default_factory=list)  # (answer, "full" | "partly")
    verdicts: list[tuple[Located, str]] = field(default_factory=list)  # (verdict passage, verdict)

    @property
    def text(self) -> str:
        return clean(self.audit.text)


def track(
    docs: Sequence[DocumentText], similarity: Similarity | None = None, *, min_similarity: float | None = None
) -> list[TrackedRecommendation]:
    """Every recommendation in `docs` with its answers, follow-up verdict and status.

    Args:
        docs: the corpus; documents that are neither audits, answers nor follow-ups are ignored.
        similarity: cosine matrix of two lists of texts, e.g. from the embedding model, to match
            reworded answers to recommendations. None: a Swedish-aware lexical similarity.
        min_similarity: the least similarity at which an answer is tied to a recommendation;
            None: 0.2 for the lexical similarity, 0.5 for a caller's function.
    Returns:
        Audits in the order of `docs`, recommendations in reading order; then recommendations
        known only from answers or follow-ups whose audit is not in `docs`.
    """
    sim = similarity or lexical_similarity
    floor = min_similarity if min_similarity is not None else MODEL_MIN if similarity else LEXICAL_MIN
    kinds = {d.meta.doc_id: classify(d) for d in docs}
    pools: dict[str, list[_Rec]] = {}  # doc_id -> recommendations made in that document
    for doc in docs:
        if kinds[doc.meta.doc_id] in ("audit", "followup"):
            found = find_recommendations(doc, tables=kinds[doc.meta.doc_id] == "audit")
            found = _drop_merged(found)
            if found:
                pools[doc.meta.doc_id] = [_Rec(loc, n) for loc, n in found]
    audits = {d.meta.doc_id: d for d in docs if d.meta.doc_id in pools}
    quoted_only: dict[str, list[_Rec]] = {}  # recommendations known only from answers/follow-ups

    by_date = sorted(docs, key=lambda d: d.meta.date)  # later follow-ups override earlier ones
    for doc in by_date:
        kind = kinds[doc.meta.doc_id]
        if kind not in ("answer", "followup"):
            continue
        replies = find_answers(doc) if kind == "answer" else find_verdicts(doc)
        if not replies:
            continue
        candidates = [
            a for a in audits.values() if a.meta.doc_id != doc.meta.doc_id and _admissible(doc, a.meta)
        ]
        target = _referenced_audit(doc, replies, candidates, pools)
        pool = pools[target.meta.doc_id] if target else []
        assigned = _assign(replies, pool, sim, floor)
        unmatched = [r for k, r in enumerate(replies) if k not in assigned]
        if unmatched:
            # The audit is not in the corpus: match earlier answers quoting the same list (same
            # municipality, near-identical wording), else the quotes become the recommendations.
            earlier = [
                r
                for recs in quoted_only.values()
                for r in recs
                if _same_municipality(r.audit.municipality, doc.meta.municipality)
            ]
            again = _assign(unmatched, earlier, lexical_similarity, _QUOTED)
            for k, rec in again.items():
                _attach(rec, unmatched[k])
            for reply in (r for k, r in enumerate(unmatched) if k not in again):
                # A reply naming only a number ("Rekommendation 2") has no quote to show: the reply
                # itself stands in for it rather than being dropped.
                rec = _Rec(reply.quoted or reply.reply, reply.number)
                _attach(rec, reply)
                quoted_only.setdefault(doc.meta.doc_id, []).append(rec)
        for k, rec in assigned.items():
            _attach(rec, replies[k])

    ordered = [r for d in docs for r in pools.get(d.meta.doc_id, [])]
    ordered += [r for d in docs for r in quoted_only.get(d.meta.doc_id, [])]
    return [_finish(r) for r in ordered]


def _drop_merged(found: list[tuple[Located, int]]) -> list[tuple[Located, int]]:
    """Drop an item that is two others run together: a list whose items lost their bullets and
    the blank line between them, printed again elsewhere in the report with the items apart."""

    def norm(text: str) -> str:
        return " ".join(text.split()).lower()

    texts = [norm(loc.text) for loc, _ in found]
    keep = []
    for i, (loc, n) in enumerate(found):
        parts = [t for j, t in enumerate(texts) if j != i and t and t in texts[i] and t != texts[i]]
        if len(parts) < 2:
            keep.append((loc, n))
    return keep


def _attach(rec: _Rec, reply: Reply) -> None:
    if reply.verdict is not None:
        rec.verdicts.append((reply.reply, reply.verdict))
    else:
        rec.answers.append((reply.reply, answer_extent(reply.reply.text)))


def _finish(rec: _Rec) -> TrackedRecommendation:
    answers = tuple(a for a, _ in sorted(rec.answers, key=lambda x: (x[0].date, x[0].doc_id)))
    followup, verdict = rec.verdicts[-1] if rec.verdicts else (None, "")
    if followup is not None:
        status, ref = (DONE if verdict == "done" else OPEN), followup
    elif full := [a for a, extent in rec.answers if extent == "full"]:
        status, ref = ANSWERED, full[0]
    elif rec.answers:
        status, ref = PARTLY, rec.answers[0][0]
    else:
        status, ref = NOT_ANSWERED, rec.audit  # the recommendation itself is the evidence
    return TrackedRecommendation(rec.text, rec.audit, answers, status, ref.text, ref, followup, verdict)


# --- which audit a document answers ---------------------------------------------------------------

_GENERIC_WORDS = (
    "granskning",
    "revisionsrapport",
    "rapport",
    "revision",
    "kommun",
    "kommunens",
    "avseende",
    "uppföljande",
    "uppföljning",
    "svar",
    "yttrande",
    "revisionsgranskning",
)
_NOT_FIRMS = {"de", "revisorerna", "kommunens", "förtroendevalda", "revisionen", "kommunrevisionen"}
_MONTHS = (
    "januari",
    "februari",
    "mars",
    "april",
    "maj",
    "juni",
    "juli",
    "augusti",
    "september",
    "oktober",
    "november",
    "december",
)


def _referenced_audit(
    doc: DocumentText, replies: list[Reply], candidates: list[DocumentText], pools: dict[str, list[_Rec]]
) -> DocumentText | None:
    best, best_score = None, _LINK_SCORE
    for audit in candidates:
        score = _reference_score(doc, audit, replies, pools[audit.meta.doc_id])
        if score >= best_score:
            best, best_score = audit, score
    return best


def _reference_score(doc: DocumentText, audit: DocumentText, replies: list[Reply], recs: list[_Rec]) -> float:
    """Evidence that `doc` concerns `audit`: up to 1.0 for naming the content words of its title,
    0.4 for its full date, 0.2 for its firm, up to 1.0 for quoting its recommendations. A firm
    alone (it audits the whole municipality) or a half-named title alone is not enough."""
    head = f"{doc.meta.title}\n{doc.text[:3000]}"
    head_terms = set(_terms(head))
    generic = set(_terms(" ".join(_GENERIC_WORDS)))
    title_terms = [t for t in dict.fromkeys(_terms(audit.meta.title)) if t not in generic]
    coverage = (
        (sum(any(_term_similarity(t, h) >= 0.8 for h in head_terms) for t in title_terms) / len(title_terms))
        if title_terms
        else 0.0
    )
    firm = audit.meta.author.split(",")[0].split()[:1]
    names_firm = (
        bool(firm)
        and firm[0].lower() not in _NOT_FIRMS
        and len(firm[0]) >= 3
        and bool(re.search(rf"\b{re.escape(firm[0])}\b", doc.text))
    )
    score = coverage + 0.2 * names_firm + 0.4 * _names_date(doc.text, audit.meta.date)
    quotes = [clean(r.quoted.text) for r in replies if r.quoted is not None]
    if quotes and recs:
        matrix = lexical_similarity(quotes, [r.text for r in recs])
        score += sum(max(row) >= _QUOTED for row in matrix) / len(quotes)
    return score


def _names_date(text: str, date: str) -> bool:
    """Whether `text` writes the full date `date` (a bare year says too little to count)."""
    m = re.fullmatch(r"(\d{4})-(\d\d)-(\d\d)", date)
    if not m:
        return False
    year, month, day = m.groups()
    spelled = rf"\b{int(day)}\s+{_MONTHS[int(month) - 1]}\s+{year}\b"
    return date in text or bool(re.search(spelled, text, re.IGNORECASE))


def _admissible(doc: DocumentText, audit: DocumentMeta) -> bool:
    """An answer cannot predate its audit, nor concern another municipality's audit."""
    if not _same_municipality(doc.meta.municipality, audit.municipality):
        return False
    n = min(len(doc.meta.date), len(audit.date))
    return not n or doc.meta.date[:n] >= audit.date[:n]


def _muni_key(name: str) -> str:
    key = re.sub(r"\s+(kommun|stad|region)$", "", name.strip().lower())
    return key.rstrip("s")  # "Askersunds kommun" and "Askersund" are the same place


def _same_municipality(a: str, b: str) -> bool:
    return not a or not b or _muni_key(a) == _muni_key(b)


def _assign(replies: list[Reply], recs: list[_Rec], sim: Similarity, floor: float) -> dict[int, _Rec]:
    """Reply index -> recommendation, one to one, most similar pairs first."""
    if not replies or not recs:
        return {}
    texts = [clean(r.quoted.text) if r.quoted else "" for r in replies]
    matrix = sim(texts, [r.text for r in recs])
    pairs = []
    for i, reply in enumerate(replies):
        for j, rec in enumerate(recs):
            score = matrix[i][j] if texts[i] else 0.0
            # An explicit "Rekommendation 2" settles ties between similar recommendations.
            if reply.number is not None and reply.number == rec.number:
                score += floor if not texts[i] else 0.1
            if score >= floor:
                pairs.append((score, i, j))
    out: dict[int, _Rec] = {}
    used: set[int] = set()
    for _, i, j in sorted(pairs, reverse=True):
        if i not in out and j not in used:
            out[i] = recs[j]
            used.add(j)
    return out


# --- lexical similarity -------------------------------------------------------------------------------

_STOP = frozenset(
    {
        "och",
        "att",
        "i",
        "av",
        "för",
        "på",
        "med",
        "som",
        "en",
        "ett",
        "det",
        "den",
        "de",
        "till",
        "är",
        "om",
        "har",
        "vi",
        "vår",
        "våra",
        "samt",
        "vid",
        "inte",
        "ej",
        "eller",
        "men",
        "så",
        "där",
        "när",
        "från",
        "under",
        "över",
        "efter",
        "inom",
        "även",
        "sig",
        "sin",
        "sina",
        "sitt",
        "ska",
        "skall",
        "bör",
        "kan",
        "kommer",
        "detta",
        "denna",
        "dessa",
        "alla",
        "samtliga",
        "varje",
        "hur",
        "vad",
        "vilka",
        "vilken",
    }
)
# Longest first. Crude on purpose: it only has to make "uppföljningen" and "uppföljning",
# "cheferna" and "chefer" meet; compounds are handled by prefix matching in _term_similarity.
_SUFFIXES = sorted(
    (
        "ningarna",
        "ningar",
        "ningen",
        "ning",
        "heterna",
        "heten",
        "heter",
        "andet",
        "endet",
        "arnas",
        "ernas",
        "ornas",
        "arna",
        "erna",
        "orna",
        "ande",
        "ende",
        "aste",
        "are",
        "ast",
        "het",
        "ens",
        "ets",
        "ats",
        "ade",
        "ad",
        "at",
        "ar",
        "er",
        "or",
        "en",
        "et",
        "na",
        "as",
        "es",
        "a",
        "e",
        "s",
    ),
    key=len,
    reverse=True,
)


def _stem(token: str) -> str:
    for suffix in _SUFFIXES:
        if token.endswith(suffix) and len(token) - len(suffix) >= 4:
            return token[: -len(suffix)]
    return token


def _terms(text: str) -> list[str]:
    return [_stem(t) for t in re.findall(r"[a-zåäöéü0-9]+", text.lower()) if len(t) > 1 and t not in _STOP]


def _term_similarity(a: str, b: str) -> float:
    """1 for equal stems; for a shared prefix (Swedish compounds: "sjukfrånvaro"/"sjukfrånvaron",
    "arbetsmiljöarbete"/"arbetsmiljöansvar") the share of the longer word it covers."""
    if a == b:
        return 1.0
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    if n >= 5 and n >= 0.75 * min(len(a), len(b)):
        return n / max(len(a), len(b))
    return 0.0


def lexical_similarity(left: list[str], right: list[str]) -> list[list[float]]:
    """Soft, idf-weighted Dice overlap of stemmed content words, in [0, 1]. No model needed."""
    bags = [set(_terms(t)) for t in [*left, *right]]
    df = Counter(t for bag in bags for t in bag)
    n = len(bags)
    weight = {t: math.log(1 + (n + 1) / (c + 0.5)) for t, c in df.items()}
    cache: dict[tuple[str, str], float] = {}

    def soft(a: str, bag: set[str]) -> float:
        best = 0.0
        for b in bag:
            key = (a, b) if a <= b else (b, a)
            if key not in cache:
                cache[key] = _term_similarity(a, b)
            best = max(best, cache[key])
            if best == 1.0:
                break
        return best

    matrix = []
    for a in bags[: len(left)]:
        row = []
        for b in bags[len(left) :]:
            total = sum(weight[t] for t in a) + sum(weight[t] for t in b)
            shared = sum(weight[t] * soft(t, b) for t in a) + sum(weight[t] * soft(t, a) for t in b)
            row.append(shared / total if total else 0.0)
        matrix.append(row)
    return matrix


# --- output -------------------------------------------------------------------------------------------


def to_json(items: Sequence[TrackedRecommendation]) -> list[dict[str, object]]:
    """The tracker as plain JSON: one object per recommendation."""
    return [
        {
            "recommendation": it.recommendation,
            "audit": {
                "doc": it.audit.doc_id,
                "title": it.audit.title,
                "date": it.audit.date,
                "page": it.audit.page,
                "section": it.audit.section,
            },
            "answers": [
                {"doc": a.doc_id, "title": a.title, "date": a.date, "page": a.page, "text": a.text}
                for a in it.answers
            ],
            "status": it.status,
            "evidence": it.evidence,
        }
        for it in items
    ]


def filter_items(
    items: Sequence[TrackedRecommendation], municipality: str | None = None, open_only: bool = False
) -> list[TrackedRecommendation]:
    """Recommendations of one municipality ("Askersund" matches "Askersunds kommun"), optionally
    only those still open: not answered, partly answered, or open at the latest follow-up."""
    key = _muni_key(municipality) if municipality else None
    return [
        it
        for it in items
        if (key is None or (it.audit.municipality and _muni_key(it.audit.municipality) == key))
        and (not open_only or it.status in OPEN_STATUSES)
    ]
