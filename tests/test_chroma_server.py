"""End to end against a real Chroma server (`chroma run`), the way a municipality scales out.

The server runs in its own process; this test process ingests and asks through HttpClient
(HRDOCS_CHROMA_URL), and the CLI in other processes re-ingests and removes a document at the
same time as the test process holds its assistant: nothing here shares a disk folder.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.build import make_assistant, make_embedder, make_store
from assistant.config import Settings
from assistant.lexical import LexicalIndex
from ingest.pipeline import ingest

from .chroma_server import CHROMA, free_port, running_chroma

REPO = Path(__file__).resolve().parent.parent
AUDIT = "alingsas-kpmg-kompetensforsorjning-2021"
QUESTION = "What did the audit say about exit interviews?"

pytestmark = [pytest.mark.e2e, pytest.mark.server]


@pytest.fixture(scope="module")
def chroma_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if CHROMA is None:
        pytest.skip("the `chroma` command is not installed (pip install chromadb puts it in the venv's bin/)")
    data = tmp_path_factory.mktemp("chroma-server")
    with running_chroma(data) as url:
        yield url
    with pytest.raises(OSError):
        urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=2)


@pytest.fixture(scope="module")
def server_settings(chroma_url: str, model_cache: Path, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    root = tmp_path_factory.mktemp("server-client")
    return Settings(
        index_dir=root / "unused-index",  # must stay untouched: the data lives in the server
        cache_dir=model_cache,
        embedder="bundled",
        chroma_url=chroma_url,
        feedback_db=root / "feedback.sqlite",
        upload_dir=root / "uploads",
    )


def cli(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "HRDOCS_CHROMA_URL": settings.chroma_url,
        "HRDOCS_CACHE_DIR": str(settings.cache_dir),
        "HRDOCS_INDEX_DIR": str(settings.index_dir),
        "HRDOCS_EMBEDDER": settings.embedder,
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
    }
    return subprocess.run(
        [str(Path(sys.executable).parent / "hrdocs"), *args],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_ingest_ask_and_remove_through_a_chroma_server(server_settings: Settings) -> None:
    settings = server_settings
    store = make_store(settings)
    assert store.location == settings.chroma_url
    report = ingest([settings.corpus_dir], store, make_embedder(settings))
    assert sorted(report.added) == sorted(
        [
            AUDIT,
            "alingsas-interpellation-chefsrekrytering-2023",
            "askersund-svar-attraktiv-arbetsgivare-2023",
            "alingsas-kommunkompassen-2023",
        ]
    )
    assert report.failed == [] and report.chunks_embedded > 0
    assert store.check() == [] and store.leftovers() == []
    assert not settings.index_dir.exists()

    # Another process, the CLI, sees the same index: nothing changed, nothing to embed.
    again = cli(settings, "ingest", "--json")
    assert again.returncode == 0, again.stderr
    summary = json.loads(again.stdout.strip().splitlines()[-1])
    assert summary == {
        "added": 0,
        "updated": 0,
        "unchanged": 4,
        "removed": 0,
        "chunks_embedded": 0,
        "failed": [],
    }
    checked = cli(settings, "check", "--json")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert json.loads(checked.stdout)["documents"] == 4

    assistant = make_assistant(settings)
    answer = assistant.ask(QUESTION)
    assert not answer.abstained, answer.text
    first = answer.citations[0]
    assert first.doc_id == AUDIT and "3.8" in first.section, (first.doc_id, first.section)
    assert LexicalIndex.check(assistant.retriever.store, settings.cache_dir) == []

    # Removed by another process while this one holds its assistant: gone from the next answer.
    removed = cli(settings, "remove", AUDIT)
    assert removed.returncode == 0, removed.stderr
    after = assistant.ask(QUESTION)
    assert AUDIT not in {c.doc_id for c in (*after.citations, *after.related)}
    assert all(p.doc.doc_id != AUDIT for p in assistant.retrieve(QUESTION).passages)
    assert LexicalIndex.check(assistant.retriever.store, settings.cache_dir) == []
    assert AUDIT not in {d.meta.doc_id for d in make_store(settings).documents()}
    assert make_store(settings).check() == [] and make_store(settings).leftovers() == []


def test_an_unreachable_server_is_one_clear_error(server_settings: Settings) -> None:
    from assistant.errors import AssistantError

    with pytest.raises(AssistantError, match="Cannot reach the Chroma server"):
        make_store(server_settings.with_(chroma_url=f"http://127.0.0.1:{free_port()}"))
    result = cli(server_settings.with_(chroma_url=f"http://127.0.0.1:{free_port()}"), "docs")
    assert result.returncode == 1 and result.stderr.startswith("hrdocs: Cannot reach the Chroma server")
    assert len(result.stderr.strip().splitlines()) == 1
