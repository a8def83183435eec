"""Scoring retrieved passages against the gold set's evidence (by document and section/quote).

A retrieved passage holds the evidence when it is from the evidence's document and either
contains the quoted words (the start or end of the quote, when the quote straddles a chunk
boundary) or lies in the evidence's section. Gold labels name documents and sections, not chunk
ids, so the same gold set scores any chunking, including the LangChain baseline's.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from .validate_gold import Evidence, GoldQuestion, normalize_space


@dataclass(frozen=True, slots=True)
class Hit:
    """One retrieved passage, reduced to what scoring needs."""

    doc_id: str
    section_path: tuple[str, ...]
    text: str


def holds(hit: Hit, ev: Evidence) -> bool:
    if hit.doc_id != ev.doc:
        return False
    text = normalize_space(hit.text)
    quote = normalize_space(ev.quote)
    if quote and (quote in text or quote[:50] in text or quote[-50:] in text):
        return True
    return bool(ev.section) and ev.section in hit.section_path


@dataclass(frozen=True, slots=True)
class QuestionScore:
    question: GoldQuestion
    first_relevant: int | None  # 1-based rank of the first passage holding evidence; None: none in top 10
    relevant_at: tuple[bool, ...]  # per retrieved rank
    abstained: bool
    cited_relevant: tuple[bool, ...] = ()  # per citation of the answer


def score_question(
    q: GoldQuestion, hits: Sequence[Hit], abstained: bool, cited: Sequence[Hit] = ()
) -> QuestionScore:
    rel = tuple(any(holds(h, ev) for ev in q.evidence) for h in hits)
    first = next((i + 1 for i, r in enumerate(rel) if r), None)
    return QuestionScore(
        q, first, rel, abstained, tuple(any(holds(h, ev) for ev in q.evidence) for h in cited)
    )


def summarize(scores: Sequence[QuestionScore]) -> dict[str, float]:
    """recall@1/3/5, MRR, nDCG@5 over answerable questions; abstention figures over all."""
    answerable = [s for s in scores if s.question.answerable]
    unanswerable = [s for s in scores if not s.question.answerable]
    out: dict[str, float] = {"n": float(len(scores)), "n_answerable": float(len(answerable))}
    if answerable:
        for k in (1, 3, 5):
            out[f"recall@{k}"] = sum(
                s.first_relevant is not None and s.first_relevant <= k for s in answerable
            ) / len(answerable)
        out["mrr"] = sum(1 / s.first_relevant for s in answerable if s.first_relevant) / len(answerable)
        out["ndcg@5"] = sum(_ndcg(s.relevant_at[:5]) for s in answerable) / len(answerable)
        out["false_refusal"] = sum(s.abstained for s in answerable) / len(answerable)
        cited = [r for s in answerable if not s.abstained for r in s.cited_relevant]
        if cited:
            out["citation_precision"] = sum(cited) / len(cited)
    if unanswerable:
        out["abstention_accuracy"] = sum(s.abstained for s in unanswerable) / len(unanswerable)
    return out


def _ndcg(rel: Sequence[bool]) -> float:
    dcg = sum(1 / math.log2(i + 2) for i, r in enumerate(rel) if r)
    ideal = sum(1 / math.log2(i + 2) for i in range(max(sum(rel), 1 if any(rel) else 0)))
    return dcg / ideal if ideal else 0.0
