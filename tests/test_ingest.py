"""Ingest pipeline + store on the tiny fixture corpus, with the hashing embedder."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from assistant.build import make_embedder, make_store
from assistant.config import Settings
from assistant.errors import IndexMismatchError
from assistant.types import Filters
from ingest.pipeline import IngestOptions, ingest
from ui.cli import main


def _ingest(settings: Settings, *paths: Path):
    return ingest(
        list(paths), make_store(settings), make_embedder(settings), IngestOptions.from_settings(settings)
    )


def test_first_ingest_adds_every_document_with_metadata(settings: Settings, corpus_copy: Path) -> None:
    report = _ingest(settings, corpus_copy)
    assert report.to_json()["added"] == 3 and not report.failed
    docs = {d.meta.doc_id: d for d in make_store(settings).documents()}
    audit = docs["tallberg-revision-2022"].meta
    assert (audit.title, audit.municipality, audit.doc_type, audit.date) == (
        "Granskning av personalomsättning",
        "Tallbergs kommun",
        "revisionsrapport",
        "2022-03-01",
    )
    assert docs["tallberg-lonekartlaggning-2023"].meta.access_group == "hr-only"


def test_reingest_of_unchanged_corpus_embeds_nothing(settings: Settings, corpus_copy: Path) -> None:
    _ingest(settings, corpus_copy)
    again = _ingest(settings, corpus_copy).to_json()
    assert again == {
        "added": 0,
        "updated": 0,
        "unchanged": 3,
        "removed": 0,
        "chunks_embedded": 0,
        "failed": [],
    }


def test_changed_document_is_replaced_and_deleted_one_removed(settings: Settings, corpus_copy: Path) -> None:
    _ingest(settings, corpus_copy)
    policy = corpus_copy / "policy.txt"
    policy.write_text(
        policy.read_text(encoding="utf-8") + "\n3 Distansarbete\nDistansarbete beviljas av chefen.\n",
        encoding="utf-8",
    )
    (corpus_copy / "hemligt.txt").unlink()
    report = _ingest(settings, corpus_copy)
    assert report.updated == ["tallberg-personalpolicy-2019"]
    assert report.removed == ["tallberg-lonekartlaggning-2023"]
    store = make_store(settings)
    assert store.check() == [] and store.leftovers() == []
    texts = [c.text for c in store.iter_chunks() if c.doc_id == "tallberg-personalpolicy-2019"]
    assert any("Distansarbete beviljas" in t for t in texts)
    assert {d.meta.doc_id for d in store.documents()} == {
        "tallberg-revision-2022",
        "tallberg-personalpolicy-2019",
    }


def test_chunks_carry_section_span_and_ordinal(settings: Settings, corpus_copy: Path) -> None:
    _ingest(settings, corpus_copy)
    store = make_store(settings)
    doc = store.document_text("tallberg-revision-2022")
    assert doc is not None
    chunks = [c for c in store.iter_chunks() if c.doc_id == "tallberg-revision-2022"]
    exit_chunk = next(c for c in chunks if "mall för avslutningssamtal och" in c.text)
    assert exit_chunk.section == "2 Avslutningssamtal"
    assert doc.text[exit_chunk.start : exit_chunk.end] == exit_chunk.text
    assert sorted(c.ordinal for c in chunks) == list(range(len(chunks)))


def test_document_without_manifest_entry_gets_inferred_metadata(settings: Settings, tmp_path: Path) -> None:
    folder = tmp_path / "drop"
    folder.mkdir()
    (folder / "riktlinje_rehab.txt").write_text(
        "Riktlinje för rehabilitering\n\nBeslutad av kommunstyrelsen 12 mars 2024 i Lerums kommun.\n\n"
        "Chefen ansvarar för att rehabiliteringen startar efter 14 dagars sjukfrånvaro.\n",
        encoding="cp1252",
    )
    assert _ingest(settings, folder).to_json()["added"] == 1
    meta = make_store(settings).documents()[0].meta
    assert meta.title == "Riktlinje för rehabilitering"
    assert meta.date == "2024-03-12"
    assert meta.municipality == "Lerums kommun"
    assert meta.doc_type == "riktlinje"


def test_files_with_the_same_name_in_different_folders_all_get_indexed(
    settings: Settings, tmp_path: Path
) -> None:
    # A meeting portal's archive holds a "protokoll.pdf" for every meeting.
    archive = tmp_path / "archive"
    for board, text in (
        ("kommunstyrelsen", "Kommunstyrelsen beslutade om lönekartläggning."),
        ("socialnamnden", "Socialnämnden beslutade om bemanning i hemtjänsten."),
    ):
        (archive / board / "2026-05-18").mkdir(parents=True)
        (archive / board / "2026-05-18" / "protokoll.txt").write_text(f"Protokoll\n\n{text}\n")
    first = _ingest(settings, archive)
    assert first.to_json()["added"] == 2 and not first.failed
    ids = sorted(d.meta.doc_id for d in make_store(settings).documents())
    assert ids == ["protokoll", "socialnamnden-2026-05-18-protokoll"]
    again = _ingest(settings, archive).to_json()
    assert (again["unchanged"], again["chunks_embedded"]) == (2, 0)
    # An edited file keeps its doc_id rather than taking the other's.
    edited = archive / "socialnamnden" / "2026-05-18" / "protokoll.txt"
    edited.write_text(edited.read_text() + "Ärendet bordlades.\n")
    third = _ingest(settings, archive)
    assert third.updated == ["socialnamnden-2026-05-18-protokoll"] and third.unchanged == ["protokoll"]


def test_bad_files_are_named_and_good_ones_indexed(settings: Settings, corpus_copy: Path) -> None:
    (corpus_copy / "tom.txt").write_bytes(b"")
    (corpus_copy / "skrap.pdf").write_bytes(bytes(range(256)) * 20)
    (corpus_copy / "bild.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"0" * 100)
    (corpus_copy / "stor.txt").write_text("ord " * 400_000, encoding="utf-8")
    small = settings.with_(max_file_mb=1.0)
    report = _ingest(small, corpus_copy)
    failed = dict((Path(p).name, reason) for p, reason in report.failed)
    assert set(failed) == {"tom.txt", "skrap.pdf", "bild.png", "stor.txt"}
    assert "empty" in failed["tom.txt"]
    assert "PDF" in failed["skrap.pdf"]
    assert "unsupported file type .png" in failed["bild.png"]
    assert "limit" in failed["stor.txt"]
    assert len(report.added) == 3


def test_failed_reload_keeps_the_indexed_version(settings: Settings, corpus_copy: Path) -> None:
    _ingest(settings, corpus_copy)
    (corpus_copy / "policy.txt").write_bytes(b"")
    report = _ingest(settings, corpus_copy)
    assert [Path(p).name for p, _ in report.failed] == ["policy.txt"]
    assert "tallberg-personalpolicy-2019" in {d.meta.doc_id for d in make_store(settings).documents()}


def test_cli_ingest_json_docs_remove_and_exit_status(
    settings: Settings, corpus_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["ingest", "--json", str(corpus_copy)], settings) == 0
    assert json.loads(capsys.readouterr().out)["added"] == 3
    assert main(["docs", "--json"], settings) == 0
    listed = json.loads(capsys.readouterr().out)
    assert {d["doc_id"] for d in listed} >= {"tallberg-revision-2022"}
    assert all({"title", "municipality", "type", "date", "chunks"} <= set(d) for d in listed)
    assert main(["remove", "tallberg-revision-2022"], settings) == 0
    assert main(["remove", "no-such-doc"], settings) == 1
    assert "no document 'no-such-doc'" in capsys.readouterr().err
    (corpus_copy / "trasig.pdf").write_bytes(b"%PDF-1.4 garbage")
    assert main(["ingest", "--json", str(corpus_copy)], settings) == 1
    out = json.loads(capsys.readouterr().out)
    assert out["added"] == 1 and out["failed"][0]["path"].endswith("trasig.pdf")
    assert main(["check"], settings) == 0


def test_index_refuses_another_embedder_and_says_what_to_run(settings: Settings, corpus_copy: Path) -> None:
    _ingest(settings, corpus_copy)
    other = settings.with_(embedder="sentence-transformers", embedding_model="/models/other-model")
    with pytest.raises(IndexMismatchError, match="hrdocs ingest --rebuild"):
        make_store(other)


def test_filters_and_access_groups_apply_in_the_store_query(settings: Settings, corpus_copy: Path) -> None:
    _ingest(settings, corpus_copy)
    store, embedder = make_store(settings), make_embedder(settings)
    vector = embedder.embed_query("lönekartläggning löner vården")
    anyone = store.query(vector, 10, Filters(groups=()))
    assert all(p.doc.access_group == "" for p in anyone) and anyone
    hr = store.query(vector, 10, Filters(groups=("hr-only",)))
    assert hr[0].chunk.doc_id == "tallberg-lonekartlaggning-2023"
    only_2019 = store.query(vector, 10, Filters(year_from=2019, year_to=2019))
    assert {p.chunk.doc_id for p in only_2019} == {"tallberg-personalpolicy-2019"}


def test_repair_removes_orphans_and_incomplete_documents(settings: Settings, corpus_copy: Path) -> None:
    _ingest(settings, corpus_copy)
    store = make_store(settings)
    # Simulate a crash after step 1 of a replace: chunks of a version the registry never got.
    store._chunks.add(
        ids=["tallberg-revision-2022@deadbeef0000#0000"],
        embeddings=[[0.0] * 511 + [1.0]],
        documents=["stale"],
        metadatas=[{"doc_id": "tallberg-revision-2022", "version": "deadbeef0000", "ordinal": 0}],
    )
    store._chunks.delete(ids=[store._chunks.get(where={"doc_id": "tallberg-personalpolicy-2019"})["ids"][0]])
    assert store.leftovers() and store.check()
    fixed = store.repair()
    assert len(fixed) == 2
    assert store.check() == [] and store.leftovers() == []
    report = _ingest(settings, corpus_copy)  # the dropped document comes back
    assert report.added == ["tallberg-personalpolicy-2019"]


def test_rebuild_switches_embedder(settings: Settings, corpus_copy: Path, tmp_path: Path) -> None:
    _ingest(settings, corpus_copy)
    shutil.rmtree(settings.cache_dir, ignore_errors=True)
    assert main(["ingest", "--rebuild", "--json", str(corpus_copy)], settings) == 0
    assert len(make_store(settings).documents()) == 3


def test_an_index_searches_broadly_enough_to_find_the_true_nearest_passages(
    settings: Settings, corpus_copy: Path
) -> None:
    import chromadb
    import numpy as np
    from chromadb.config import Settings as ChromaSettings

    from assistant.store import _EF_SEARCH

    # An index made with Chroma's default search breadth (as earlier versions made it) is widened
    # when opened: at the default, the graph Chroma rebuilds at each start sometimes hid one of
    # the true nearest passages.
    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    client = chromadb.PersistentClient(path=str(settings.index_dir), settings=chroma_settings)
    client.get_or_create_collection(settings.collection, metadata={"hnsw:space": "cosine"})
    assert client.get_collection(settings.collection).configuration_json["hnsw"]["ef_search"] < _EF_SEARCH
    _ingest(settings, corpus_copy)
    store, embedder = make_store(settings), make_embedder(settings)
    assert store._chunks.configuration_json["hnsw"]["ef_search"] == _EF_SEARCH
    vector = embedder.embed_query("avslutningssamtal personalomsättning")
    found = [p.dense for p in store.query(vector, 10, None)]
    embeddings = np.asarray(store._chunks.get(include=["embeddings"])["embeddings"])
    exact = np.sort(embeddings @ np.asarray(vector))[::-1][:10]  # the true 10 nearest (ties aside)
    assert np.allclose(found, exact, atol=1e-5)
