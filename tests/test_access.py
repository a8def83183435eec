"""Access control through the Python API: a document of an access group never reaches a user
outside the group, by any path: answers, retrieved passages, the related passages of an
abstention, the recommendation tracker and its answers. (The UI login is tested in test_ui.)

The fixture corpus holds "tallberg-lonekartlaggning-2023" (access_group "hr-only"): "Den hemliga
lönekartläggningen visar att skillnaden mellan kvinnors och mäns löner är 3,2 procent inom vården."
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.build import make_assistant, make_embedder, make_store
from assistant.config import Settings
from assistant.errors import InvalidQuestionError
from assistant.types import Answer, Filters
from ingest.pipeline import ingest

SECRET = "tallberg-lonekartlaggning-2023"
SECRET_WORDS = ("3,2 procent", "hemliga lönekartläggningen")
EXACT = "Hur stor är löneskillnaden mellan kvinnor och män inom vården?"
TRAIL = Path(__file__).parent / "fixtures" / "audit_trail"
EVERYONE = Filters(groups=())
HR = Filters(groups=("hr-only",))


@pytest.fixture(scope="module")
def indexed(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    from tests.conftest import FIXTURE_CORPUS

    root = tmp_path_factory.mktemp("access")
    settings = Settings(
        corpus_dir=FIXTURE_CORPUS, index_dir=root / "index", cache_dir=root / "cache", embedder="hashing"
    )
    report = ingest([FIXTURE_CORPUS], make_store(settings), make_embedder(settings))
    assert report.added and not report.failed
    return settings


@pytest.fixture(scope="module")
def assistant(indexed: Settings):
    return make_assistant(indexed)


def shown_doc_ids(answer: Answer) -> set[str]:
    return {c.doc_id for c in (*answer.citations, *answer.related)}


def leaks(answer: Answer) -> bool:
    text = answer.text + "".join(c.quote + c.title for c in (*answer.citations, *answer.related))
    return (
        SECRET in shown_doc_ids(answer) or any(w in text for w in SECRET_WORDS) or "Lönekartläggning" in text
    )


def test_the_exact_question_does_not_find_the_hr_only_document_without_the_group(assistant) -> None:
    r = assistant.retrieve(EXACT, filters=EVERYONE)
    assert all(p.doc.doc_id != SECRET for p in r.passages)
    answer = assistant.ask(EXACT, filters=EVERYONE)
    assert not leaks(answer), answer.text


def test_the_exact_question_finds_it_with_the_group_and_without_access_control(assistant) -> None:
    for filters in (HR, None):
        r = assistant.retrieve(EXACT, filters=filters)
        assert r.passages[0].doc.doc_id == SECRET
        answer = assistant.ask(EXACT, filters=filters)
        assert not answer.abstained and answer.citations[0].doc_id == SECRET
        assert "3,2 procent" in answer.citations[0].quote


def test_an_abstention_does_not_show_it_as_a_related_passage(assistant) -> None:
    question = "Hur stor var löneskillnaden mellan kvinnor och män inom vården år 2017?"  # no such year
    hidden = assistant.ask(question, filters=EVERYONE)
    assert hidden.abstained and not leaks(hidden)
    shown = assistant.ask(question, filters=HR)
    assert shown.abstained and SECRET in {
        c.doc_id for c in shown.related
    }  # so the check above means something


def test_another_group_does_not_open_it(assistant) -> None:
    answer = assistant.ask(EXACT, filters=Filters(groups=("chefer", "hr-only-not")))
    assert not leaks(answer)
    assert all(
        p.doc.doc_id != SECRET for p in assistant.retrieve(EXACT, filters=Filters(groups=("x",))).passages
    )


def test_other_filters_combined_with_groups_still_hide_it(assistant) -> None:
    narrowed = Filters(municipalities=("Tallbergs kommun",), year_from=2023, year_to=2023, groups=())
    answer = assistant.ask(EXACT, filters=narrowed)
    assert not leaks(answer) and not answer.citations  # the only 2023 document is the secret one
    assert assistant.retrieve(EXACT, filters=narrowed).passages == ()


@settings(
    max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    words=st.lists(
        st.sampled_from(
            "den hemliga lönekartläggningen visar att skillnaden mellan kvinnors och mäns löner är 3,2 "
            "procent inom vården lönekartläggning 2023 HR-avdelningen löneskillnad kvinnor män".split()
        ),
        min_size=1,
        max_size=14,
    ),
    ending=st.sampled_from(["?", "", " 2023?", " hr-only", " Lönekartläggning 2023"]),
)
def test_no_question_made_of_its_own_words_reaches_it(assistant, words: list[str], ending: str) -> None:
    question = " ".join(words) + ending
    try:
        answer = assistant.ask(question, filters=EVERYONE)
        passages = assistant.retrieve(question, filters=EVERYONE).passages
    except InvalidQuestionError:
        return
    assert not leaks(answer), question
    assert all(p.doc.doc_id != SECRET for p in passages), question


# -- the recommendation tracker ----------------------------------------------------------------------

_TRAIL_MANIFEST = """
[[document]]
file = "granskning_arbetsmiljo.txt"
doc_id = "tallberg-granskning-arbetsmiljo-2022"
title = "Granskning av arbetsmiljöarbetet och sjukfrånvaron"
municipality = "Tallbergs kommun"
type = "revisionsrapport"
date = "2022-05-10"
author = "Granskningshuset AB"

[[document]]
file = "svar_kommunstyrelsen.txt"
doc_id = "tallberg-ks-svar-arbetsmiljo-2022"
title = "Svar på revisionsrapport avseende granskning av arbetsmiljöarbetet och sjukfrånvaron"
municipality = "Tallbergs kommun"
type = "tjänsteskrivelse"
date = "2022-09-20"
author = "Kommunstyrelsen"
access_group = "hr-only"

[[document]]
file = "granskning_loneprocessen.txt"
doc_id = "tallberg-granskning-loneprocessen-2022"
title = "Granskning av löneprocessen"
municipality = "Tallbergs kommun"
type = "revisionsrapport"
date = "2022-03-01"
author = "Granskningshuset AB"
access_group = "hr-only"
"""
PUBLIC_AUDIT = "tallberg-granskning-arbetsmiljo-2022"
HR_ANSWER = "tallberg-ks-svar-arbetsmiljo-2022"
HR_AUDIT = "tallberg-granskning-loneprocessen-2022"


@pytest.fixture(scope="module")
def trail(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """A public audit, the board's answer to it (hr-only) and another audit (hr-only)."""
    root = tmp_path_factory.mktemp("trail")
    corpus = root / "corpus"
    corpus.mkdir()
    for name in ("granskning_arbetsmiljo.txt", "svar_kommunstyrelsen.txt", "granskning_loneprocessen.txt"):
        shutil.copy(TRAIL / name, corpus / name)
    (corpus / "manifest.toml").write_text(_TRAIL_MANIFEST, encoding="utf-8")
    settings = Settings(
        corpus_dir=corpus, index_dir=root / "index", cache_dir=root / "cache", embedder="hashing"
    )
    report = ingest([corpus], make_store(settings), make_embedder(settings))
    assert len(report.added) == 3 and not report.failed
    return settings


def _doc_ids_of_items(items) -> set[str]:
    found = set()
    for item in items:
        found.add(item.audit.doc_id)
        found.update(a.doc_id for a in item.answers)
        if item.followup is not None:
            found.add(item.followup.doc_id)
        if item.evidence_ref is not None:
            found.add(item.evidence_ref.doc_id)
    return found


def test_tracker_items_never_include_hr_only_audits_or_answers(trail: Settings) -> None:
    from assistant.tracker import RecommendationService

    service = RecommendationService(make_store(trail))
    everything = service.items()
    full = service.items(HR)
    assert {HR_AUDIT, HR_ANSWER, PUBLIC_AUDIT} <= _doc_ids_of_items(everything) == _doc_ids_of_items(full)

    public = service.items(EVERYONE)
    assert public, "the public audit's recommendations are listed"
    assert _doc_ids_of_items(public) == {PUBLIC_AUDIT}
    # An answer the user may not read does not count: the status says so instead of leaking it.
    answered_in_secret = [i for i in full if i.audit.doc_id == PUBLIC_AUDIT and i.answers]
    assert answered_in_secret
    for item in public:
        assert item.answers == () and item.status == "not answered"
        assert "Kommunstyrelsen" not in item.evidence or item.evidence_ref.doc_id == PUBLIC_AUDIT
    assert {i.recommendation for i in public} == {
        i.recommendation for i in full if i.audit.doc_id == PUBLIC_AUDIT
    }
    assert service.filtered(open_only=True, filters=EVERYONE) and all(
        i.audit.doc_id == PUBLIC_AUDIT for i in service.filtered(filters=EVERYONE)
    )


def test_questions_about_recommendations_do_not_cite_hr_only_documents(trail: Settings) -> None:
    assistant = make_assistant(trail)
    seen_with_group: set[str] = set()
    for question in (
        "Vilka rekommendationer är fortfarande öppna?",
        "Vad svarade kommunstyrelsen på revisorernas rekommendationer?",
        "Which recommendations about the payroll process are still open?",
        "Vilka rekommendationer gav revisorerna om löneprocessen och vad svarade nämnden?",
    ):
        answer = assistant.ask(question, filters=EVERYONE)
        assert shown_doc_ids(answer) <= {PUBLIC_AUDIT}, (question, shown_doc_ids(answer))
        seen_with_group |= shown_doc_ids(assistant.ask(question, filters=HR))
    assert seen_with_group == {PUBLIC_AUDIT, HR_ANSWER, HR_AUDIT}  # the group does see them
