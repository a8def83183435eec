"""Crash safety of ingest: SIGKILL an ingest at random moments and look at the index afresh.

Each round changes part of a generated corpus (~60 documents of a few KB: edits, one document
removed, one added), starts an ingest in a subprocess and kills it with SIGKILL after a random
delay. A new process (scripts/crash_ingest.py inspect) then reads the index, and every document
must be wholly at the version it had before the round or wholly at the new one: its chunks are
exactly those we get by chunking that version's file again. Queries must never return a chunk of
another version, and the lexical index must match the store. A final complete ingest must leave
no leftovers and every document at its newest content.

The seed is printed; rerun a failure with HRDOCS_CRASH_SEED=<seed>.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from assistant.config import Settings

REPO = Path(__file__).resolve().parent.parent
HELPER = REPO / "scripts" / "crash_ingest.py"
HRDOCS = Path(sys.executable).parent / "hrdocs"
KILLS = int(os.environ.get("HRDOCS_CRASH_KILLS", "20"))
N_DOCS = 60

_WORDS = (
    "kommunen nämnden personal medarbetare chef arbetsmiljö rekrytering kompetens lön avslutningssamtal "
    "sjukfrånvaro uppföljning rutin policy granskning revisorerna bedömning styrning ansvar handlingsplan "
    "arbetsgivare förvaltningen utbildning introduktion schema bemanning vikarier omsättning riskbedömning "
    "samverkan facket löneöversyn friskvård rehabilitering ledarskap mål indikator rapport beslut år"
).split()
_HEADINGS = (
    "Inledning Bakgrund Syfte Metod Iakttagelser Ansvar Uppföljning Rekommendationer Slutsatser Bedömning"
).split()


# -- the generated corpus ---------------------------------------------------------------------------


def _sentence(rng: random.Random) -> str:
    words = [rng.choice(_WORDS) for _ in range(rng.randint(6, 16))]
    return " ".join(words).capitalize() + rng.choice([".", ".", ".", "?"])


def _paragraph(rng: random.Random) -> str:
    return " ".join(_sentence(rng) for _ in range(rng.randint(2, 5)))


def make_document(rng: random.Random, n: int) -> str:
    """A few KB of numbered sections: 1 Inledning, 2 Bakgrund, 2.1 ..."""
    lines = [f"Rapport nummer {n} om {rng.choice(_WORDS)}", ""]
    for s in range(1, rng.randint(2, 4) + 1):
        lines += [f"{s} {rng.choice(_HEADINGS)}", ""]
        for _ in range(rng.randint(1, 2)):
            lines += [_paragraph(rng), ""]
        for sub in range(1, rng.randint(0, 1) + 1):
            lines += [f"{s}.{sub} {rng.choice(_HEADINGS)} {rng.choice(_WORDS)}", "", _paragraph(rng), ""]
    return "\n".join(lines)


def modify_document(rng: random.Random, text: str) -> str:
    """Rewrite, add or drop a paragraph; section headings stay as they are."""
    blocks = text.split("\n\n")
    body = [i for i, b in enumerate(blocks) if len(b) > 120]
    action = rng.choice(["rewrite", "add", "drop"]) if len(body) > 2 else "add"
    if action == "rewrite":
        blocks[rng.choice(body)] = _paragraph(rng)
    elif action == "add":
        blocks.insert(rng.randint(2, len(blocks)), _paragraph(rng))
    else:
        del blocks[rng.choice(body)]
    return "\n\n".join(blocks)


# -- what the index may hold ------------------------------------------------------------------------


@dataclass
class Expectation:
    """Per document, the versions the index may be at after a round, and each version's chunks."""

    settings: Settings
    chunks: dict[str, list[str]] = field(default_factory=dict)  # version -> chunk texts by ordinal

    def version_of(self, path: Path, entry: dict[str, str] | None = None) -> str:
        """The version id the store gives this file's current content; remembers its chunks."""
        from ingest.pipeline import IngestOptions, content_hash

        options = IngestOptions.from_settings(self.settings)
        version = content_hash(path.read_bytes(), entry, options)[:12]
        if version not in self.chunks:
            self.chunks[version] = self.chunks_of(path, entry)
        return version

    def chunks_of(self, path: Path, entry: dict[str, str] | None = None) -> list[str]:
        # The same steps as ingest.pipeline._prepare, so a mismatch is the store's fault.
        from assistant.types import DocumentText
        from ingest.chunking import chunk_document, section_starts
        from ingest.loaders import extract
        from ingest.manifest import document_meta
        from ingest.pipeline import IngestOptions

        options = IngestOptions.from_settings(self.settings)
        extracted = extract(path, max_bytes=10**8)
        meta = document_meta(path, extracted.text, extracted.title_hint, entry)
        doc = DocumentText(meta, extracted.text, extracted.page_starts, section_starts(extracted.text))
        chunks = chunk_document(doc, chunk_size=options.chunk_size, overlap=options.chunk_overlap)
        return [c.text for c in chunks]


def corpus_versions(expect: Expectation, folder: Path) -> dict[str, str]:
    """doc_id -> version of every file in the folder (doc_id = the slug of the file name)."""
    from ingest.manifest import slugify

    return {slugify(p.stem): expect.version_of(p) for p in sorted(folder.iterdir()) if p.is_file()}


def env_for(settings: Settings) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        HRDOCS_INDEX_DIR=str(settings.index_dir),
        HRDOCS_CACHE_DIR=str(settings.cache_dir),
        HRDOCS_EMBEDDER=settings.embedder,
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
        PYTHONPATH=str(REPO),
    )
    env.pop("HRDOCS_CHROMA_URL", None)
    return env


def inspect(settings: Settings) -> dict:
    out = subprocess.run(
        [sys.executable, str(HELPER), "inspect"],
        env=env_for(settings),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    state = json.loads(out.stdout)
    # Kills inside Chroma's flush of its vector files, put back by assistant/vector_guard.py.
    state["vector_restores"] = out.stderr.count("vector segment")
    return state


def assert_consistent(
    state: dict, allowed: dict[str, set[str | None]], expect: Expectation, label: str
) -> dict[str, str | None]:
    """Every document wholly at one allowed version; returns doc_id -> the version it is at."""
    assert state["check"] == [], f"{label}: check() found {state['check']}"
    assert state["violations"] == [], f"{label}: queries returned non-current chunks {state['violations']}"
    assert state["lexical"] == [], f"{label}: lexical index {state['lexical']}"
    registry = state["registry"]
    unknown = set(registry) - set(allowed)
    assert not unknown, f"{label}: documents that were never in the corpus: {sorted(unknown)}"
    at: dict[str, str | None] = {}
    for doc_id, versions in sorted(allowed.items()):
        version = registry[doc_id]["version"] if doc_id in registry else None
        assert version in versions, f"{label}: {doc_id} is at {version}, expected one of {versions}"
        at[doc_id] = version
        if version is None:
            continue
        current = state["current"][doc_id]
        assert [c["ordinal"] for c in current] == list(range(len(current))), f"{label}: {doc_id} ordinals"
        texts = [c["text"] for c in current]
        assert texts == expect.chunks[version], (
            f"{label}: {doc_id} at {version} holds {len(texts)} chunks that are not its file's "
            f"{len(expect.chunks[version])} chunks"
        )
    return at


def start_ingest(settings: Settings, corpus: Path, use_cli: bool) -> subprocess.Popen[str]:
    if use_cli:  # the installed console script itself
        cmd = [str(HRDOCS), "ingest", str(corpus), "--json"]
    else:
        cmd = [sys.executable, str(HELPER), "ingest", str(corpus), "--json"]
    # stderr to a file: a pipe nobody reads would stall a chatty process and skew the timing.
    with (settings.index_dir.parent / "ingest-stderr.log").open("w") as stderr:
        proc = subprocess.Popen(cmd, env=env_for(settings), stdout=subprocess.PIPE, stderr=stderr, text=True)
    if not use_cli:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.strip() == "ready", line + stderr_of(settings)
    return proc


def stderr_of(settings: Settings) -> str:
    log = settings.index_dir.parent / "ingest-stderr.log"
    return log.read_text(errors="replace")[-3000:] if log.exists() else ""


def run_ingest(settings: Settings, corpus: Path, *extra: str) -> dict:
    out = subprocess.run(
        [str(HRDOCS), "ingest", str(corpus), "--json", *extra],
        env=env_for(settings),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def mutate(rng: random.Random, corpus: Path, next_n: list[int], share: float = 0.35) -> None:
    files = sorted(p for p in corpus.iterdir() if p.is_file())
    for path in files:
        if rng.random() < share:
            path.write_text(modify_document(rng, path.read_text(encoding="utf-8")), encoding="utf-8")
    rng.choice(files).unlink()
    n = next_n[0]
    next_n[0] += 1
    suffix = rng.choice([".txt", ".md"])
    (corpus / f"doc-{n:03d}{suffix}").write_text(make_document(rng, n), encoding="utf-8")


def crash_rounds(settings: Settings, corpus: Path, rng: random.Random, kills: int) -> dict[str, int]:
    """Kill ingests at random moments until `kills` have been killed (not finished first), asserting
    consistency after every round. Returns statistics."""
    expect = Expectation(settings)
    first = run_ingest(settings, corpus)
    assert first["failed"] == [] and first["added"] == len(list(corpus.iterdir()))
    at: dict[str, str | None] = dict(corpus_versions(expect, corpus))
    assert_consistent(inspect(settings), {d: {v} for d, v in at.items()}, expect, "initial ingest")

    # How long a round's ingest takes when nothing stops it (after "ready" for the helper, from
    # the start for the console script): the windows the kills aim at. Finished rounds adjust them.
    next_n = [N_DOCS]
    window = {}
    for use_cli in (False, True) if kills > 3 else (False,):  # every fourth round uses the CLI
        mutate(rng, corpus, next_n)
        t0 = time.perf_counter()
        proc = start_ingest(settings, corpus, use_cli)
        assert proc.wait(timeout=300) == 0, stderr_of(settings)
        window[use_cli] = time.perf_counter() - t0
        at = dict(corpus_versions(expect, corpus))
        assert_consistent(inspect(settings), {d: {v} for d, v in at.items()}, expect, "calibration")

    stats = {"rounds": 0, "kills": 0, "finished_first": 0, "mixed": 0, "leftovers": 0, "vector_restores": 0}
    while stats["kills"] < kills and stats["rounds"] < 3 * kills:
        n = stats["rounds"]
        stats["rounds"] += 1
        mutate(rng, corpus, next_n)
        new = corpus_versions(expect, corpus)
        allowed: dict[str, set[str | None]] = {}
        for doc_id in set(at) | set(new):
            allowed[doc_id] = {at.get(doc_id), new.get(doc_id)}
        use_cli = n % 4 == 3  # every fourth round: the console script, killed during its imports too
        delay = rng.uniform(0.0, window[use_cli])
        proc = start_ingest(settings, corpus, use_cli)
        t0 = time.perf_counter()
        time.sleep(delay)
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            stats["kills"] += 1
        else:
            stats["finished_first"] += 1
            window[use_cli] = (window[use_cli] + time.perf_counter() - t0) / 2
            assert proc.returncode == 0, stderr_of(settings)
            allowed = {d: {v} for d, v in new.items()} | {d: {None} for d in set(at) - set(new)}
        proc.wait(timeout=60)
        state = inspect(settings)
        label = f"round {n} (seed above; killed after {delay:.2f} s{' via hrdocs' if use_cli else ''})"
        after = assert_consistent(state, allowed, expect, label)
        moved = {d for d in allowed if after[d] != at.get(d)}
        pending = {d for d in allowed if after[d] != new.get(d)}
        stats["mixed"] += bool(moved and pending)
        stats["leftovers"] += bool(state["leftovers"])
        stats["vector_restores"] += state["vector_restores"]
        at = after

    final = run_ingest(settings, corpus)
    assert final["failed"] == []
    newest = corpus_versions(expect, corpus)
    state = inspect(settings)
    assert assert_consistent(state, {d: {v} for d, v in newest.items()}, expect, "final ingest") == newest
    assert state["leftovers"] == [] and state["stale"] == 0
    assert set(state["registry"]) == set(newest)
    return stats


def say(request: pytest.FixtureRequest, message: str) -> None:
    """A line in pytest's output even when it captures output (the figures the report quotes)."""
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if reporter is None or capture is None:
        print(message)
        return
    with capture.global_and_fixture_disabled():
        reporter.write_line(f"\n{message}")


@pytest.mark.slow
def test_ingest_killed_at_random_moments_leaves_every_document_old_or_new(
    settings: Settings, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    seed = int(os.environ.get("HRDOCS_CRASH_SEED", random.randrange(10**6)))
    print(f"\ncrash test seed {seed} (rerun with HRDOCS_CRASH_SEED={seed})")
    rng = random.Random(seed)
    corpus = tmp_path / "generated"
    corpus.mkdir()
    for n in range(N_DOCS):
        suffix = ".md" if n % 5 == 0 else ".txt"
        (corpus / f"doc-{n:03d}{suffix}").write_text(make_document(rng, n), encoding="utf-8")
    start = time.perf_counter()
    stats = crash_rounds(settings, corpus, rng, KILLS)
    say(
        request,
        f"crash test seed {seed}: {stats['rounds']} rounds in {time.perf_counter() - start:.0f} s, "
        f"{stats['kills']} SIGKILLs ({stats['finished_first']} ingests finished before their kill); "
        f"{stats['mixed']} kills left some documents new and others old, {stats['leftovers']} left "
        f"invisible leftovers, {stats['vector_restores']} vector segments were put back after a kill "
        "inside Chroma's flush; every check passed",
    )
    assert stats["kills"] >= KILLS
    # The kills must land inside the writes, or this tests nothing.
    assert stats["mixed"] >= 3, stats


@pytest.mark.slow
@pytest.mark.e2e
def test_ingest_with_the_real_model_killed_mid_way_leaves_every_document_old_or_new(
    tmp_path: Path, model_cache: Path, request: pytest.FixtureRequest
) -> None:
    seed = int(os.environ.get("HRDOCS_CRASH_SEED", random.randrange(10**6)))
    print(f"\nreal-model crash seed {seed}")
    rng = random.Random(seed)
    settings = Settings(index_dir=tmp_path / "index", cache_dir=model_cache, embedder="bundled")
    corpus = tmp_path / "generated"
    corpus.mkdir()
    for n in range(8):
        (corpus / f"doc-{n:03d}.txt").write_text(make_document(rng, n), encoding="utf-8")
    stats = crash_rounds(settings, corpus, rng, kills=1)
    say(request, f"real-model crash test seed {seed}: {stats}")


# -- the check command and repair -------------------------------------------------------------------


def _cli(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(HRDOCS), *args], env=env_for(settings), capture_output=True, text=True, timeout=300, check=False
    )


@pytest.mark.slow
def test_check_exit_codes_and_repair_of_a_corrupted_index(settings: Settings, corpus_copy: Path) -> None:
    # The CLI runs in subprocesses: one process at a time may open an embedded Chroma directory.
    assert _cli(settings, "ingest", str(corpus_copy), "--json").returncode == 0
    ok = _cli(settings, "check", "--json")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    report = json.loads(ok.stdout)
    assert report["ok"] and report["problems"] == [] and report["documents"] == 3

    # Corrupt: delete some chunks of one document behind the store's back, and leave an orphan.
    victim = "tallberg-revision-2022"
    script = f"""
import chromadb, json
c = chromadb.PersistentClient(path={str(settings.index_dir)!r},
                              settings=chromadb.Settings(anonymized_telemetry=False))
col = c.get_collection({settings.collection!r})
got = col.get(where={{"doc_id": {victim!r}}}, include=["metadatas", "embeddings", "documents"])
col.delete(ids=got["ids"][:2])
md = dict(got["metadatas"][0]); md["doc_id"] = "ghost"; md["version"] = "deadbeef"
col.add(ids=["ghost@deadbeef#0000"], embeddings=[list(got["embeddings"][0])],
        documents=["ghost text"], metadatas=[md])
print(len(got["ids"]))
"""
    corrupt = subprocess.run(
        [sys.executable, "-c", script], env=env_for(settings), capture_output=True, text=True, check=False
    )
    assert corrupt.returncode == 0, corrupt.stderr
    assert int(corrupt.stdout) >= 2

    bad = _cli(settings, "check", "--json")
    assert bad.returncode == 1, bad.stdout + bad.stderr
    report = json.loads(bad.stdout)
    assert not report["ok"]
    assert any(p.startswith(f"{victim}:") for p in report["problems"]), report
    assert any(p.startswith("ghost:") for p in report["leftovers"]), report
    human = _cli(settings, "check")
    assert human.returncode == 1 and "hrdocs ingest --repair" in human.stdout

    # Without --repair the unchanged file is skipped: the broken document stays broken.
    plain = _cli(settings, "ingest", str(corpus_copy), "--json")
    assert plain.returncode == 0
    assert _cli(settings, "check", "--json").returncode == 1

    fixed = _cli(settings, "ingest", str(corpus_copy), "--json", "--repair")
    assert fixed.returncode == 0, fixed.stderr
    summary = json.loads(fixed.stdout.strip().splitlines()[-1])
    assert summary["added"] == 1 and summary["unchanged"] == 2, summary
    assert "repair: fixed" in fixed.stderr

    after = _cli(settings, "check", "--json")
    assert after.returncode == 0, after.stdout
    report = json.loads(after.stdout)
    assert report["ok"] and report["leftovers"] == [] and report["documents"] == 3
    from ingest.manifest import load_manifest

    state = inspect(settings)
    entry = load_manifest(corpus_copy)["revision.md"]
    version = Expectation(settings).version_of(corpus_copy / "revision.md", entry)
    assert state["registry"][victim]["version"] == version
    assert [c["text"] for c in state["current"][victim]] == Expectation(settings).chunks_of(
        corpus_copy / "revision.md", entry
    )


@pytest.mark.slow
def test_check_on_a_missing_embedded_index_reports_an_empty_index(settings: Settings) -> None:
    result = _cli(settings, "check", "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["documents"] == 0
