"""The audit-recommendation tracker on a fictional audit trail (Tallbergs kommun) and on the seeds.

The fixture trail, tests/fixtures/audit_trail/: an audit with four numbered recommendations
(listed twice, in the summary and the conclusions), the municipal board's answer to three of them
in its own words and order, the social committee's answer to recommendations 2 and 3, a follow-up
audit with a table "Rekommendation | Status | Kommentar", and an unrelated audit of the payroll
process by the same firm in the same municipality.
"""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path
from types import SimpleNamespace

import pytest

from assistant.recommendation_extract import (
    classify,
    classify_verdict,
    clean,
    find_answers,
    find_recommendations,
    find_verdicts,
)
from assistant.recommendations import (
    TrackedRecommendation,
    filter_items,
    lexical_similarity,
    to_json,
    track,
)
from assistant.types import DocumentMeta, DocumentText
from ingest.chunking import section_starts

ROOT = Path(__file__).parent.parent
TRAIL = Path(__file__).parent / "fixtures" / "audit_trail"

AUDIT = "tallberg-granskning-arbetsmiljo-2022"
KS = "tallberg-ks-svar-arbetsmiljo-2022"
SN = "tallberg-sn-yttrande-arbetsmiljo-2022"
FOLLOWUP = "tallberg-uppfoljning-arbetsmiljo-2024"
PAYROLL = "tallberg-granskning-loneprocessen-2022"

# What a manifest would say about the fixture files: (doc_id, title, type, date, author).
MANIFEST = {
    "granskning_arbetsmiljo.txt": (
        AUDIT,
        "Granskning av arbetsmiljöarbetet och sjukfrånvaron",
        "revisionsrapport",
        "2022-05-10",
        "Granskningshuset AB",
    ),
    "svar_kommunstyrelsen.txt": (
        KS,
        "Svar på revisionsrapport avseende granskning av arbetsmiljöarbetet och sjukfrånvaron",
        "tjänsteskrivelse",
        "2022-09-20",
        "Kommunstyrelsen",
    ),
    "yttrande_socialnamnden.txt": (
        SN,
        "Yttrande över revisionsrapport \u2013 Granskning av arbetsmiljöarbetet och sjukfrånvaron",
        "tjänsteskrivelse",
        "2022-10-04",
        "Socialnämnden",
    ),
    "uppfoljning_arbetsmiljo.txt": (
        FOLLOWUP,
        "Uppföljande granskning av arbetsmiljöarbetet och sjukfrånvaron",
        "revisionsrapport",
        "2024-03-15",
        "Granskningshuset AB",
    ),
    "granskning_loneprocessen.txt": (
        PAYROLL,
        "Granskning av löneprocessen",
        "revisionsrapport",
        "2022-03-01",
        "Granskningshuset AB",
    ),
}


def _document(meta: DocumentMeta, text: str) -> DocumentText:
    # Form feeds mark page breaks in the fixtures; the seeds have none.
    pages = (0, *(k + 1 for k, c in enumerate(text) if c == "\f")) if "\f" in text else ()
    return DocumentText(meta, text, pages, section_starts(text))


def _trail(*leave_out: str) -> list[DocumentText]:
    docs = []
    for name, (doc_id, title, doc_type, date, author) in MANIFEST.items():
        if doc_id not in leave_out:
            meta = DocumentMeta(doc_id, title, "Tallbergs kommun", doc_type, date, author, name)
            docs.append(_document(meta, (TRAIL / name).read_text(encoding="utf-8")))
    return docs


def _seeds() -> list[DocumentText]:
    manifest = tomllib.loads((ROOT / "corpus" / "manifest.toml").read_text(encoding="utf-8"))
    docs = []
    for e in manifest["document"]:
        meta = DocumentMeta(
            e["doc_id"],
            e["title"],
            e.get("municipality", ""),
            e.get("type", ""),
            str(e.get("date", "")),
            e.get("author", ""),
            e["file"],
        )
        docs.append(_document(meta, (ROOT / "corpus" / e["file"]).read_text(encoding="utf-8")))
    return docs


def _by_start(items: list[TrackedRecommendation], doc_id: str) -> list[TrackedRecommendation]:
    return [it for it in items if it.audit.doc_id == doc_id]


@pytest.fixture(scope="module")
def trail() -> list[DocumentText]:
    return _trail()


@pytest.fixture(scope="module")
def tracked(trail: list[DocumentText]) -> list[TrackedRecommendation]:
    return track(trail)


# --- the fixture trail ---------------------------------------------------------------------------


def test_documents_are_classified_from_type_title_and_text(trail: list[DocumentText]) -> None:
    kinds = {d.meta.doc_id: classify(d) for d in trail}
    assert kinds == {AUDIT: "audit", KS: "answer", SN: "answer", FOLLOWUP: "followup", PAYROLL: "audit"}


def test_the_audit_list_printed_twice_yields_four_recommendations_from_the_conclusions(
    tracked: list[TrackedRecommendation],
) -> None:
    recs = _by_start(tracked, AUDIT)
    assert [r.recommendation.split()[0] for r in recs] == ["Upprätta", "Säkerställa", "Tillse", "Säkerställa"]
    assert {r.audit.section for r in recs} == {"4 Slutsatser och rekommendationer"}
    assert {r.audit.page for r in recs} == {4}
    assert recs[0].recommendation.endswith("mellan chef och HR-funktion.")  # the whole item, one line


def test_statuses_follow_the_follow_up_where_it_has_a_verdict(tracked: list[TrackedRecommendation]) -> None:
    recs = _by_start(tracked, AUDIT)
    assert [r.status for r in recs] == [
        "done (follow-up)",
        "open (follow-up)",
        "open (follow-up)",
        "not answered",
    ]
    assert [r.verdict for r in recs] == ["done", "partly", "open", ""]
    assert "Åtgärdad" in recs[0].evidence
    assert "Delvis åtgärdad" in recs[1].evidence
    assert "Kvarstår" in recs[2].evidence
    assert all(r.followup is not None and r.followup.doc_id == FOLLOWUP for r in recs[:3])


def test_open_recommendations_link_to_the_right_committee_answers(
    tracked: list[TrackedRecommendation],
) -> None:
    _, training, reporting, _ = _by_start(tracked, AUDIT)
    # The board answered in another order (3, 1, 2) and in other words; the committee by number.
    assert [a.doc_id for a in training.answers] == [KS, SN]
    assert "obligatorisk" in training.answers[0].text
    assert "utbildningsdag" in training.answers[1].text
    assert [a.doc_id for a in reporting.answers] == [KS, SN]
    assert "delårsrapporten" in reporting.answers[0].text
    assert "instämmer delvis" in reporting.answers[1].text
    # An answer ends where the next quoted recommendation begins.
    assert not any("Rekommendation" in a.text for r in tracked for a in r.answers)


def test_a_recommendation_nobody_answered_is_shown_with_itself_as_evidence(
    tracked: list[TrackedRecommendation],
) -> None:
    risk = _by_start(tracked, AUDIT)[3]
    assert risk.status == "not answered" and risk.answers == () and risk.followup is None
    assert risk.evidence_ref == risk.audit and risk.evidence == risk.audit.text
    payroll = _by_start(tracked, PAYROLL)
    assert len(payroll) == 2 and all(r.status == "not answered" and not r.answers for r in payroll)
    # A wrapped bullet item is read to its end.
    assert payroll[1].recommendation.endswith("rapporteras till kommunstyrelsen.")


def test_without_follow_up_the_answers_decide(trail: list[DocumentText]) -> None:
    statuses = [r.status for r in _by_start(track(_trail(FOLLOWUP)), AUDIT)]
    # Recommendation 3: the board's full answer outweighs the committee's partial one.
    assert statuses == ["answered", "answered", "answered", "not answered"]
    statuses = [r.status for r in _by_start(track(_trail(FOLLOWUP, KS)), AUDIT)]
    assert statuses == ["not answered", "answered", "partly answered", "not answered"]


def test_every_status_cites_an_exact_passage(tracked: list[TrackedRecommendation]) -> None:
    texts = {d.meta.doc_id: d.text for d in _trail()}
    for item in tracked:
        ref = item.evidence_ref
        assert item.evidence and ref is not None and ref.text == item.evidence
        assert texts[ref.doc_id][ref.start : ref.end] == item.evidence
        for passage in (item.audit, *item.answers):
            assert texts[passage.doc_id][passage.start : passage.end] == passage.text


def test_answers_whose_audit_is_missing_still_show_what_they_answer() -> None:
    items = track(_trail(AUDIT))
    answered = [a.text for it in items for a in it.answers]
    for doc in _trail(AUDIT, FOLLOWUP, PAYROLL):
        for reply in find_answers(doc):
            assert reply.reply.text in answered
    assert {it.audit.doc_id for it in items if it.answers} <= {KS, SN}


def test_the_similarity_function_is_pluggable(trail: list[DocumentText]) -> None:
    calls: list[tuple[int, int]] = []

    def recording(left: list[str], right: list[str]) -> list[list[float]]:
        calls.append((len(left), len(right)))
        return lexical_similarity(left, right)

    def blind(left: list[str], right: list[str]) -> list[list[float]]:
        return [[0.0] * len(right) for _ in left]

    same = track(trail, recording, min_similarity=0.2)
    assert calls and [r.status for r in same] == [r.status for r in track(trail)]
    assert {r.status for r in _by_start(track(trail, blind), AUDIT)} == {"not answered"}


def test_lexical_similarity_matches_swedish_inflections_and_compounds() -> None:
    rec = ["Tillse att resultatet av den årliga uppföljningen rapporteras till nämnden."]
    matrix = lexical_similarity(
        ["Årlig rapportering av uppföljningen till nämnderna", "Attest av lönetillägg"], rec
    )
    assert matrix[0][0] > 0.4 > 0.1 > matrix[1][0]


def _inline(text: str, doc_type: str) -> DocumentText:
    return DocumentText(DocumentMeta("x", "Granskning av x", "Tallbergs kommun", doc_type, "2023"), text)


def test_recommendations_are_read_from_a_table_column_and_after_a_heading() -> None:
    table = (
        "| Revisionsfråga | Bedömning | Rekommendation |\n|---|---|---|\n"
        "| Finns en plan? | Delvis | Upprätta en kompetensförsörjningsplan för förvaltningen |\n"
        "| Följs den upp? | Nej | Säkerställa att planen följs upp årligen |\n"
    )
    assert [loc.text for loc, _ in find_recommendations(_inline(table, "revisionsrapport"))] == [
        "Upprätta en kompetensförsörjningsplan för förvaltningen",
        "Säkerställa att planen följs upp årligen",
    ]
    heading = (
        "Rekommendationer\nUtifrån granskningen lämnas\nföljande rekommendationer:\n\n"
        "1. Upprätta en plan för introduktion av nyanställda.\n2. Säkerställa att lönekartläggningen\n"
        "dokumenteras årligen.\n\nRevisorerna i Tallbergs kommun\n"
    )
    found = find_recommendations(_inline(heading, "revisionsrapport"))
    assert [(clean(loc.text), n) for loc, n in found] == [
        ("Upprätta en plan för introduktion av nyanställda.", 1),
        ("Säkerställa att lönekartläggningen dokumenteras årligen.", 2),
    ]


def test_follow_up_status_lines_are_read_per_recommendation() -> None:
    text = (
        "Rekommendation 1: Upprätta en plan för introduktion.\n"
        "Status: Delvis genomförd. Planen finns men används inte överallt.\n\n"
        "Rekommendation 2: Säkerställa årlig lönekartläggning.\nStatus: Genomförd.\n"
    )
    replies = find_verdicts(_inline(text, "uppföljande granskning"))
    found = [(r.number, r.verdict, r.quoted and r.quoted.text) for r in replies]
    assert found == [
        (1, "partly", "Upprätta en plan för introduktion."),
        (2, "done", "Säkerställa årlig lönekartläggning."),
    ]


def test_follow_up_wording_is_read_as_a_verdict() -> None:
    assert classify_verdict("Åtgärdad") == "done"
    assert classify_verdict("Genomförd") == "done"
    assert classify_verdict("Delvis åtgärdad") == "partly"
    assert classify_verdict("Ej helt genomförd") == "partly"
    assert classify_verdict("Kvarstår") == "open"
    assert classify_verdict("Ej åtgärdad") == "open"
    assert classify_verdict("Har inte genomförts") == "open"
    assert classify_verdict("Se kommentar") is None


def test_json_has_exactly_the_agreed_shape(tracked: list[TrackedRecommendation]) -> None:
    rows = to_json(tracked)
    assert len(rows) == len(tracked)
    for row in rows:
        assert list(row) == ["recommendation", "audit", "answers", "status", "evidence"]
        assert list(row["audit"]) == ["doc", "title", "date", "page", "section"]
        assert all(list(a) == ["doc", "title", "date", "page", "text"] for a in row["answers"])
    training = rows[1]
    assert training["audit"] == {
        "doc": AUDIT,
        "title": "Granskning av arbetsmiljöarbetet och sjukfrånvaron",
        "date": "2022-05-10",
        "page": 4,
        "section": "4 Slutsatser och rekommendationer",
    }
    assert [a["doc"] for a in training["answers"]] == [KS, SN]


def test_filter_keeps_open_items_of_one_municipality(tracked: list[TrackedRecommendation]) -> None:
    open_items = filter_items(tracked, municipality="Tallberg", open_only=True)
    assert [r.status for r in open_items] == [
        "open (follow-up)",
        "open (follow-up)",
        "not answered",
        "not answered",
        "not answered",
    ]
    assert filter_items(tracked, municipality="Askersunds kommun") == []
    assert filter_items(tracked) == tracked


# --- the bundled seed corpus -------------------------------------------------------------------------


def test_seeds_give_six_unanswered_kpmg_and_seven_answered_askersund_recommendations() -> None:
    items = track(_seeds())
    kpmg = _by_start(items, "alingsas-kpmg-kompetensforsorjning-2021")
    askersund = _by_start(items, "askersund-svar-attraktiv-arbetsgivare-2023")
    assert len(items) == 13 and len(kpmg) == 6 and len(askersund) == 7
    assert all(r.status == "not answered" and not r.answers for r in kpmg)
    assert {r.audit.section for r in kpmg} == {"4 Slutsats och rekommendationer"}
    assert [r.recommendation.split()[0] for r in kpmg] == [
        "Säkerställa",
        "Säkerställa",
        "Tillse",
        "Tillse",
        "Säkerställa",
        "Säkerställa",
    ]
    assert kpmg[5].recommendation == (
        "Säkerställa att sammanställning av avslutningssamtal genomförs i varje nämnd och återrapporteras "
        "till kommunstyrelsen."
    )
    # Each quoted recommendation is paired with the answer under it, and only that answer.
    assert all(len(r.answers) == 1 and r.answers[0].doc_id == r.audit.doc_id for r in askersund)
    assert askersund[0].recommendation.startswith("Tydligt definiera vad begreppet attraktiv arbetsgivare")
    assert askersund[0].answers[0].text.startswith("Kommundirektören kommer under hösten 2023")
    assert askersund[2].answers[0].text.endswith("tillsammans med nämndernas chefer.")
    assert askersund[6].answers[0].text.endswith("utveckla marknadsföringen av kommunen som arbetsgivare.")
    # Only the stödfunktioner answer refers the matter to the board without a measure of its own.
    assert [r.status for r in askersund] == ["answered"] * 5 + ["partly answered", "answered"]


class _SeedStore:
    """The seeds as the tracker reads them from the store."""

    def __init__(self, docs: list[DocumentText]) -> None:
        self.docs = {d.meta.doc_id: d for d in docs}

    def fingerprint(self) -> str:
        return "seeds"

    def documents(self) -> list[SimpleNamespace]:
        return [SimpleNamespace(meta=d.meta) for d in self.docs.values()]

    def document_text(self, doc_id: str) -> DocumentText:
        return self.docs[doc_id]


def test_a_question_for_an_answer_nobody_gave_is_told_so() -> None:
    from assistant.tracker import RecommendationService

    service = RecommendationService(_SeedStore(_seeds()))  # type: ignore[arg-type]
    # Alingsås's audit is in the corpus, but no answer to it.
    alingsas = service.answer("How did the Alingsås executive board respond to KPMG's recommendations?", "en")
    assert alingsas is not None and alingsas.abstained and alingsas.citations == ()
    assert alingsas.text.startswith("The documents don't answer this.") and alingsas.related
    # Askersund's culture committee answered its auditors; its executive board did not.
    board = "Vad svarade kommunstyrelsen i Askersund på revisorernas rekommendation om hemsidan?"
    assert service.answer(board, "sv").abstained  # type: ignore[union-attr]
    committee = service.answer("Vad svarade nämnden i Askersund på rekommendationen om hemsidan?", "sv")
    assert committee is not None and not committee.abstained and committee.citations
    # A committee named by its name: the culture committee's answers are not the social committee's.
    social = service.answer("Vad svarade socialnämnden i Askersund på rekommendationen om hemsidan?", "sv")
    assert social is not None and social.abstained
    culture = "Vad svarade kultur- och tekniknämnden i Askersund på rekommendationen om hemsidan?"
    assert not service.answer(culture, "sv").abstained  # type: ignore[union-attr]


def test_seed_documents_that_are_not_audit_trail_are_ignored() -> None:
    kinds = {d.meta.doc_id: classify(d) for d in _seeds()}
    assert kinds["alingsas-interpellation-chefsrekrytering-2023"] == "other"
    assert kinds["alingsas-kommunkompassen-2023"] == "other"


def test_tracker_modules_import_nothing_outside_assistant() -> None:
    for name in ("recommendations.py", "recommendation_extract.py"):
        tree = ast.parse((ROOT / "assistant" / name).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                assert node.module.split(".")[0] not in {"ingest", "ui", "eval"}, name
            if isinstance(node, ast.Import):
                assert all(a.name.split(".")[0] not in {"ingest", "ui", "eval"} for a in node.names), name
