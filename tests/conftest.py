"""Shared fixtures. Unit tests use the tiny fixture corpus and the hashing embedder; tests
marked e2e use the real bundled model (built once per session into a shared cache)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from assistant.config import Settings

REPO = Path(__file__).resolve().parent.parent
FIXTURE_CORPUS = REPO / "tests" / "fixtures" / "corpus"
BUNDLED_CORPUS = REPO / "corpus"
ARCHIVE = REPO.parent / "shared" / "alingsas-archive"


@pytest.fixture
def corpus_copy(tmp_path: Path) -> Path:
    """A writable copy of the fixture corpus."""
    target = tmp_path / "corpus"
    shutil.copytree(FIXTURE_CORPUS, target)
    return target


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Hashing embedder, every path in a temporary folder."""
    return Settings(
        corpus_dir=FIXTURE_CORPUS,
        index_dir=tmp_path / "index",
        cache_dir=tmp_path / "cache",
        embedder="hashing",
        feedback_db=tmp_path / "feedback.sqlite",
        upload_dir=tmp_path / "uploads",
    )


@pytest.fixture(scope="session")
def model_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the real model is built: HRDOCS_CACHE_DIR if set (CI builds it once), else a temp dir."""
    env = os.environ.get("HRDOCS_CACHE_DIR")
    return Path(env) if env else tmp_path_factory.mktemp("model-cache")


@pytest.fixture(scope="session")
def real_settings(tmp_path_factory: pytest.TempPathFactory, model_cache: Path) -> Settings:
    root = tmp_path_factory.mktemp("real")
    return Settings(
        corpus_dir=BUNDLED_CORPUS,
        index_dir=root / "index",
        cache_dir=model_cache,
        embedder="bundled",
        feedback_db=root / "feedback.sqlite",
        upload_dir=root / "uploads",
    )


@pytest.fixture(scope="session")
def chroma_server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real `chroma run` on loopback for the whole session."""
    from .chroma_server import CHROMA, running_chroma

    if CHROMA is None:
        pytest.skip("the `chroma` command is not installed (pip install chromadb puts it in the venv's bin/)")
    with running_chroma(tmp_path_factory.mktemp("chroma-server-e2e")) as url:
        yield url


@pytest.fixture(scope="session", params=["embedded", pytest.param("server", marks=pytest.mark.server)])
def real_index(request: pytest.FixtureRequest, real_settings: Settings) -> Settings:
    """The bundled corpus ingested once with the real model; tests must not modify it.

    Every test that uses it runs twice: on the embedded store and on a real Chroma server
    (HRDOCS_CHROMA_URL), the way a municipality scales out.
    """
    from assistant.build import make_embedder, make_store
    from ingest.pipeline import ingest

    settings = real_settings
    if request.param == "server":
        settings = replace(
            real_settings,
            chroma_url=request.getfixturevalue("chroma_server_url"),
            index_dir=real_settings.index_dir.with_name("unused-index"),  # the data lives in the server
        )
    report = ingest([BUNDLED_CORPUS], make_store(settings), make_embedder(settings))
    assert not report.failed, report.failed
    return settings
