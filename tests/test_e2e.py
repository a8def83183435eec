"""End to end with the real bundled model and a real Chroma store on the bundled corpus."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.build import make_assistant, make_embedder, make_store
from assistant.config import Settings
from ingest.pipeline import IngestOptions, ingest
from ui.cli import main

from .conftest import ARCHIVE, BUNDLED_CORPUS

pytestmark = pytest.mark.e2e

AUDIT = "alingsas-kpmg-kompetensforsorjning-2021"
ASKERSUND = "askersund-svar-attraktiv-arbetsgivare-2023"


@pytest.fixture(scope="module")
def assistant(real_index: Settings):
    return make_assistant(real_index)


def test_reingest_embeds_nothing_and_docs_lists_metadata(
    real_index: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["ingest", "--json"], real_index) == 0
    again = json.loads(capsys.readouterr().out)
    assert again == {
        "added": 0,
        "updated": 0,
        "unchanged": 4,
        "removed": 0,
        "chunks_embedded": 0,
        "failed": [],
    }
    assert main(["docs", "--json"], real_index) == 0
    docs = {d["doc_id"]: d for d in json.loads(capsys.readouterr().out)}
    assert len(docs) == 4
    assert docs[AUDIT]["municipality"] == "Alingsås kommun" and docs[AUDIT]["type"] == "revisionsrapport"
    assert docs[ASKERSUND]["municipality"] == "Askersunds kommun" and docs[ASKERSUND]["date"] == "2023"


def test_exit_interview_chunk_carries_its_section(real_index: Settings) -> None:
    chunks = [c for c in make_store(real_index).iter_chunks() if c.doc_id == AUDIT]
    chunk = next(c for c in chunks if "rutin att närmsta chef ska genomföra avslutningssamtal" in c.text)
    assert chunk.section == "3.8 Avslutningssamtal"
    footnote = [c for c in chunks if "2007-06-20" in c.text]
    assert footnote, "footnote 4 (personalpolicy 2007-06-20 § 124) must stay findable"


@pytest.mark.parametrize(
    "question",
    ["What did the audit say about exit interviews?", "Vad sa revisorerna om avslutningssamtal?"],
)
def test_audit_section_on_exit_interviews_is_cited_first(assistant, question: str) -> None:
    answer = assistant.ask(question)
    assert not answer.abstained
    first = answer.citations[0]
    assert first.doc_id == AUDIT and "3.8 Avslutningssamtal" in first.section


def test_askersund_exit_interviews_cite_novi(assistant) -> None:
    answer = assistant.ask("How does Askersund document exit interviews?")
    assert answer.citations[0].doc_id == ASKERSUND
    assert "Novi" in answer.citations[0].quote and answer.text.startswith("According to")


def test_unanswerable_question_says_so(assistant) -> None:
    answer = assistant.ask("What was Askersund's sickness absence rate in 2022?")
    assert answer.abstained and answer.text.startswith("The documents don't answer this.")
    assert answer.related


def test_recommendations_on_the_bundled_corpus(
    real_index: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["recommendations", "--json"], real_index) == 0
    items = json.loads(capsys.readouterr().out)
    kpmg = [i for i in items if i["audit"]["doc"] == AUDIT]
    askersund = [i for i in items if i["audit"]["doc"] == ASKERSUND]
    assert len(kpmg) == 6 and all(i["status"] == "not answered" for i in kpmg)
    assert len(askersund) == 7 and all(i["answers"] for i in askersund)
    assert set(items[0]) == {"recommendation", "audit", "answers", "status", "evidence"}


@pytest.mark.archive
def test_archive_pdfs_ingest_with_page_numbers(real_settings: Settings, tmp_path: Path) -> None:
    """A sample of the real archive with the real model (the whole archive runs in `hrdocs bench`)."""
    if not ARCHIVE.is_dir():
        pytest.skip(f"{ARCHIVE} is not here")
    sample = sorted(ARCHIVE.rglob("*.pdf"))[:6]
    settings = real_settings.with_(index_dir=tmp_path / "archive-index")
    report = ingest(
        sample, make_store(settings), make_embedder(settings), IngestOptions.from_settings(settings)
    )
    assert len(report.added) + len(report.failed) == len(sample) and len(report.added) >= 5
    chunks = list(make_store(settings).iter_chunks())
    assert chunks and sum(c.page is not None for c in chunks) == len(chunks)
    assert BUNDLED_CORPUS.is_dir()
