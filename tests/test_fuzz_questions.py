"""Fuzzing what users type, and the chunker.

Assistant.ask and Assistant.retrieve get random text: empty, whitespace, 100,000 characters,
punctuation only, emoji only, control characters, mixed scripts, injection strings, and anything
Hypothesis makes of them. Each call returns an Answer (citing indexed documents only) or raises
InvalidQuestionError with a one-line message; any other exception is a bug. A generous time limit
per call catches hangs (catastrophic regexes, quadratic compound splitting), not slowness.

chunk_document gets random documents: every chunk's span indexes the text, no chunk crosses a
section boundary, and ordinals run 0, 1, 2, ...
"""

from __future__ import annotations

import itertools
import time
from collections import Counter

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.build import make_assistant, make_embedder, make_store
from assistant.config import Settings
from assistant.errors import InvalidQuestionError
from assistant.types import Answer, DocumentMeta, DocumentText, Filters, Turn
from ingest.chunking import chunk_document, find_sections, section_starts
from ingest.pipeline import ingest

HANG_S = 20.0  # per call; the hashing embedder answers in milliseconds
RUNS: Counter[str] = Counter()
SLOWEST: dict[str, float] = {}


def fuzz(examples: int) -> settings:
    # database=None: no .hypothesis/ folder in the work tree; a failure prints its reproducing input.
    return settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


@pytest.fixture(scope="module", autouse=True)
def report_counts(request: pytest.FixtureRequest):
    yield
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    if reporter is not None and capture is not None and RUNS:
        slowest = ", ".join(f"{k} {v:.2f} s" for k, v in SLOWEST.items())
        with capture.global_and_fixture_disabled():  # past the output capture, also without -s
            reporter.write_line(
                f"\nfuzz examples run: {dict(RUNS)} (total {sum(RUNS.values())}); slowest call: {slowest}"
            )


@pytest.fixture(scope="module")
def indexed(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    from tests.conftest import FIXTURE_CORPUS

    root = tmp_path_factory.mktemp("fuzz")
    settings = Settings(
        corpus_dir=FIXTURE_CORPUS, index_dir=root / "index", cache_dir=root / "cache", embedder="hashing"
    )
    ingest([FIXTURE_CORPUS], make_store(settings), make_embedder(settings))
    return settings


@pytest.fixture(scope="module")
def assistant(indexed: Settings):
    return make_assistant(indexed)


@pytest.fixture(scope="module")
def doc_ids(indexed: Settings) -> frozenset[str]:
    ids = frozenset(d.meta.doc_id for d in make_store(indexed).documents())
    assert len(ids) == 3
    return ids


# -- questions -----------------------------------------------------------------------------------

NASTY = [
    "",
    " ",
    "\t\n\r ",
    "\u00a0\u2003\u3000",  # no-break, em and ideographic spaces
    "?",
    "?!.,;:-–—…«»“”'\"()[]{}<>/\\|@#$%^&*_+=~`",
    "😀🙈🔥👩‍👩‍👧‍👦🇸🇪",
    "\x00\x01\x02\x1b[31m\x7f",
    "\u200b\u200c\u200d\ufeff",  # zero-width characters
    "\u202eavslutningssamtal",  # right-to-left override
    "a\u0301\u0308\u0317\u0338" * 50,  # stacked combining marks
    "\ud800",  # a lone surrogate (not valid UTF-8)
    "Сколько стоит avslutningssamtal 年 مرحبا שלום ΑΒΓ 🙂 friskvårdsbidrag",
    "'; DROP TABLE embeddings; --",
    '" OR 1=1 --',
    "<script>alert('x')</script> avslutningssamtal",
    "<img src=x onerror=alert(1)>",
    "{{7*7}} ${7*7} %s%s%n %(x)s",
    '{"$ne": null} {"doc_id": {"$in": ["tallberg-lonekartlaggning-2023"]}}',
    "../../../../etc/passwd",
    "null",
    "None",
    "NaN",
    "-1",
    "§ 124",
    "1 2 3 4 5 6 7 8 9 0",
    "avslutningssamtal" * 200,  # one very long word (compound splitting)
    "Vem ansvarar för avslutningssamtal?",
    "What did the audit say about exit interviews?",
    "Hur stor är löneskillnaden mellan kvinnor och män inom vården?",
    "ö" * 1999,
    "x" * 2000,
    "x" * 2001,
    "friskvårdsbidrag " * 6000,  # ~100,000 characters
    "\x00" * 100_000 + "friskvårdsbidrag?",  # huge, but almost all of it is dropped
    ("medarbetarsamtal? " * 6000)[:100_000],
]

_scripts = st.sampled_from(
    [
        "abcdefghijklmnopqrstuvwxyzåäöÅÄÖé ",
        "абвгдежзийклмн ",
        "αβγδεζηθ ",
        "的一是不了人我在有他这 ",
        "مرحبا بالعالم ",
        "😀🙈🔥🇸🇪👍 ",
        ".,;:!?-–()[]{}<>\"'§%&/=+*#@ ",
        "0123456789 ",
        "\x00\x01\x07\x08\x0b\x0c\x0e\x1f\x7f\x85\u2028\u2029\t\n\r ",
    ]
)


@st.composite
def mixed_text(draw: st.DrawFn) -> str:
    parts = []
    for alphabet in draw(st.lists(_scripts, min_size=1, max_size=4)):
        parts.append(draw(st.text(alphabet=alphabet, max_size=60)))
    return "".join(parts)


_words = st.sampled_from(
    "avslutningssamtal friskvårdsbidrag medarbetarsamtal personalomsättning procent kommunen revisorerna "
    "rekommendationer öppna svarade What did the audit say exit interviews 2021 2019 Tallbergs och att "
    "vem hur vad vilka varför lönekartläggning".split()
)
questions = st.one_of(
    st.sampled_from(NASTY),
    st.text(max_size=300),  # any Unicode Hypothesis likes
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1500, max_size=2500),
    mixed_text(),
    st.lists(_words, max_size=30).map(" ".join),
    st.tuples(st.lists(_words, min_size=1, max_size=8).map(" ".join), mixed_text()).map("".join),
    st.builds(lambda w, n: (w + " ") * n, _words, st.integers(1, 8000)),  # up to ~100 k characters
)
filters = st.sampled_from(
    [None, Filters(groups=()), Filters(groups=("hr-only",)), Filters(year_from=2020), Filters(doc_ids=("x",))]
)


def _timed(label: str, call):
    start = time.perf_counter()
    try:
        return call()
    finally:
        took = time.perf_counter() - start
        SLOWEST[label] = max(SLOWEST.get(label, 0.0), took)
        assert took < HANG_S, f"{label} took {took:.1f} s"


def _check_answer(answer: Answer, doc_ids: frozenset[str], f: Filters | None) -> None:
    assert isinstance(answer, Answer)
    assert isinstance(answer.abstained, bool)
    assert isinstance(answer.text, str) and answer.text
    assert answer.language in ("sv", "en")
    cited = {c.doc_id for c in (*answer.citations, *answer.related)}
    assert cited <= doc_ids, cited - doc_ids
    if f is not None and f.groups == ():
        assert "tallberg-lonekartlaggning-2023" not in cited
    if answer.abstained:
        assert answer.citations == ()
    else:
        assert answer.citations
        assert [c.number for c in answer.citations] == list(range(1, len(answer.citations) + 1))


def _check_refusal(exc: InvalidQuestionError) -> None:
    message = str(exc)
    assert message and "\n" not in message and len(message) < 300


@fuzz(400)
@given(question=questions, f=filters)
def test_ask_answers_or_refuses_with_one_line(assistant, doc_ids, question: str, f: Filters | None) -> None:
    RUNS["ask"] += 1
    try:
        answer = _timed("ask", lambda: assistant.ask(question, filters=f))
    except InvalidQuestionError as exc:
        RUNS["ask refused"] += 1
        _check_refusal(exc)
        return
    _check_answer(answer, doc_ids, f)


@fuzz(150)
@given(question=questions, previous=questions, f=filters)
def test_retrieve_and_follow_ups_answer_or_refuse(
    assistant, doc_ids, question: str, previous: str, f: Filters | None
) -> None:
    RUNS["retrieve+history"] += 1
    history = (Turn(previous, "svar", ("tallberg-revision-2022", "no-such-doc")),)
    try:
        r = _timed("retrieve", lambda: assistant.retrieve(question, history=history, filters=f))
    except InvalidQuestionError as exc:
        _check_refusal(exc)
        with pytest.raises(InvalidQuestionError):
            assistant.ask(question, history=history, filters=f)
        return
    assert {p.doc.doc_id for p in r.passages} <= doc_ids
    assert len(r.passages) <= assistant.top_k
    _check_answer(_timed("ask", lambda: assistant.ask(question, history=history, filters=f)), doc_ids, f)


@pytest.mark.parametrize("question", [q for q in NASTY if len(q) > 3000], ids=lambda q: f"{len(q)}-chars")
def test_huge_questions_are_refused_or_answered_quickly(assistant, doc_ids, question: str) -> None:
    try:
        answer = _timed("huge", lambda: assistant.ask(question))
    except InvalidQuestionError as exc:
        _check_refusal(exc)
        return
    _check_answer(answer, doc_ids, None)


def test_non_text_questions_are_refused(assistant) -> None:
    for question in (None, 42, b"avslutningssamtal", ["avslutningssamtal"]):
        with pytest.raises(InvalidQuestionError):
            assistant.ask(question)  # type: ignore[arg-type]


# -- the chunker ---------------------------------------------------------------------------------

_HEADINGS = st.sampled_from(
    [
        "1 Inledning",
        "2. Bakgrund",
        "2.1 Avslutningssamtal",
        "2.2 Kommentarer och bedömning",
        "3 Rekommendationer",
        "3.8 Avslutningssamtal",
        "## Rubrik",
        "# Titel",
        "§ 124 Personalfrågor",
        "Område 7 Arbetsliv",
        "Sammanfattning",
        "Förslag till beslut:",
        "Bilaga 2",
        "4 Senast beslutad av kommunfullmäktige § 124.",
        "7.2 Strategisk kompetensförsörjning 21 40",
        "1. Samspel",
    ]
)
_line = st.one_of(
    _HEADINGS,
    st.text(alphabet="abcdefghij åäö.,;:!?-", max_size=200),
    st.text(max_size=80),
    st.lists(_words, max_size=60).map(" ".join),
    st.just(""),
    st.just("- punkt i en lista"),
)


@st.composite
def documents(draw: st.DrawFn) -> str:
    lines = draw(st.lists(_line, max_size=60))
    joiner = draw(st.sampled_from(["\n", "\n\n", "\n \n", "\r\n"]))
    return joiner.join(lines)


@fuzz(500)
@given(
    text=st.one_of(documents(), st.text(max_size=3000)),
    size=st.integers(100, 1200),
    overlap_share=st.floats(0.0, 0.9),
    pages=st.booleans(),
)
def test_chunks_index_the_text_stay_inside_one_section_and_are_numbered(
    text: str, size: int, overlap_share: float, pages: bool
) -> None:
    RUNS["chunk_document"] += 1
    overlap = min(int(size * overlap_share), size - 1)
    page_starts = tuple(range(0, len(text), 700)) if pages and text else ()
    doc = DocumentText(DocumentMeta("fuzz", "Fuzz"), text, page_starts, section_starts(text))
    chunks = chunk_document(doc, chunk_size=size, overlap=overlap)
    sections = find_sections(text)
    assert [c.ordinal for c in chunks] == list(range(len(chunks)))
    # The sections cover the text in order, without gaps.
    if text:
        assert sections[0].start == 0 and sections[-1].end == len(text)
        assert all(a.end == b.start for a, b in itertools.pairwise(sections))
    for c in chunks:
        assert c.doc_id == "fuzz"
        assert c.text and c.text.strip() == c.text
        assert 0 <= c.start < c.end <= len(text)
        assert text[c.start : c.end] == c.text, (c.start, c.end, c.text[:40])
        home = [s for s in sections if s.start <= c.start and c.end <= s.end]
        assert len(home) == 1, f"chunk {c.ordinal} crosses a section boundary"
        assert c.section_path == home[0].path
        assert c.section == (home[0].path[-1] if home[0].path else "")
        if page_starts:
            assert c.page is not None and c.page_end is not None and c.page <= c.page_end
        else:
            assert c.page is None
    starts = [c.start for c in chunks]
    assert starts == sorted(starts)


# -- concurrency ---------------------------------------------------------------------------------

CONCURRENT = [
    "Vem ansvarar för avslutningssamtal och sammanställs resultaten av avslutningssamtalen årligen?",
    "Hur stor var personalomsättningen år 2021 enligt granskningen av personalomsättning?",
    "Har medarbetarna rätt till friskvårdsbidrag och årliga medarbetarsamtal enligt personalpolicyn?",
    "What did the audit recommend about exit interviews and a common template?",
]


def test_concurrent_questions_get_the_answers_they_get_alone(assistant) -> None:
    import threading

    alone = {q: assistant.ask(q) for q in CONCURRENT}
    problems: list[str] = []

    def worker(n: int) -> None:
        for i in range(40):
            question = CONCURRENT[(n + i) % len(CONCURRENT)]
            try:
                answer = assistant.ask(question)
            except Exception as exc:  # collected: any exception here is the bug
                problems.append(f"{type(exc).__name__}: {exc}")
                continue
            if answer != alone[question]:
                problems.append(f"a different answer to {question!r}")

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    RUNS["concurrent ask"] += 6 * 40
    assert problems == [], f"{len(problems)} of 240 concurrent answers went wrong: {problems[:3]}"


def test_the_lexical_analyzer_gives_the_same_terms_from_several_threads() -> None:
    import threading

    from assistant.lexical import Analyzer
    from tests.conftest import BUNDLED_CORPUS

    text = (BUNDLED_CORPUS / "001_c5f83c148519e80b.txt").read_text(encoding="utf-8")
    pieces = [text[i : i + 2000] for i in range(0, len(text), 2000)]
    analyzer = Analyzer(())
    alone = [analyzer.terms(p) for p in pieces]
    problems: list[str] = []

    def worker() -> None:
        for _ in range(2):
            for piece, expected in zip(pieces, alone, strict=True):
                try:
                    if analyzer.terms(piece) != expected:
                        problems.append("different terms")
                except Exception as exc:  # collected: any exception here is the bug
                    problems.append(type(exc).__name__)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert problems == [], f"{len(problems)} of {8 * len(pieces)} analyses went wrong: {problems[:5]}"
