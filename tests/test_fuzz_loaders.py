"""Fuzzing ingest.loaders.extract: whatever the bytes, it returns clean text with sane page offsets or
raises LoadError, and it returns in bounded time. Nothing else may escape.

The seeds are a valid PDF (tests/fixtures/good/policy.pdf) and a DOCX written here; hypothesis
truncates, flips, inserts and deletes bytes in them. About 2,900 examples, well under a minute on
2 cores; HRDOCS_FUZZ_SCALE multiplies them.
"""

from __future__ import annotations

import io
import itertools
import os
import time
import zipfile
from pathlib import Path

import docx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.errors import LoadError
from ingest.cleaning import clean_text
from ingest.loaders import ExtractedText, extract

FIXTURES = Path(__file__).parent / "fixtures"
TIMEOUT_S = 10.0
SLACK_S = 10.0  # one PDF content stream is parsed without a deadline check; pypdf caps its size
SUFFIXES = [".pdf", ".docx", ".txt", ".md", ".html", ".htm"]
SCALE = float(os.environ.get("HRDOCS_FUZZ_SCALE", "1"))  # e.g. 20 for a longer run before a release
_counter = itertools.count()


def _docx_bytes() -> bytes:
    document = docx.Document()
    document.core_properties.title = "Arbetstid"
    document.add_heading("Arbetstid och övertid", level=1)
    document.add_paragraph("Ordinarie arbetstid är 40 timmar per helgfri vecka.")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "Övertid", "Ersättning"
    table.cell(1, 0).text, table.cell(1, 1).text = "Enkel", "180 %"
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


PDF = (FIXTURES / "good" / "policy.pdf").read_bytes()
DOCX = _docx_bytes()


def check(directory: Path, suffix: str, data: bytes) -> ExtractedText | None:
    """Extract `data` as a file with `suffix`; assert the contract whichever way it ends."""
    path = directory / f"fuzz{next(_counter)}{suffix}"
    path.write_bytes(data)
    started = time.monotonic()
    try:
        extracted = extract(path, max_bytes=8 * 2**20, timeout_s=TIMEOUT_S)
    except LoadError as exc:
        assert exc.reason and "\n" not in exc.reason
        return None
    finally:
        assert time.monotonic() - started < TIMEOUT_S + SLACK_S
        path.unlink()
    text, starts = extracted.text, extracted.page_starts
    assert text and text == clean_text(text)
    assert list(starts) == sorted(starts) and all(0 <= start <= len(text) for start in starts)
    assert bool(starts) == (suffix == ".pdf")
    assert "\n" not in extracted.title_hint
    return extracted


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


def fuzz(examples: int) -> settings:
    # database=None: no .hypothesis/ folder in the work tree; a failure prints its reproducing input.
    return settings(
        max_examples=max(1, round(examples * SCALE)),
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )


def test_seeds_are_valid(workdir: Path) -> None:
    pdf = check(workdir, ".pdf", PDF)
    assert pdf is not None and len(pdf.page_starts) == 3
    document = check(workdir, ".docx", DOCX)
    assert document is not None and document.text.startswith("# Arbetstid och övertid")


@fuzz(600)
@given(suffix=st.sampled_from(SUFFIXES), data=st.binary(min_size=0, max_size=4096))
def test_random_bytes(workdir: Path, suffix: str, data: bytes) -> None:
    check(workdir, suffix, data)


@fuzz(100)
@given(suffix=st.sampled_from(SUFFIXES), data=st.binary(min_size=1, max_size=64))
def test_random_bytes_behind_a_real_header(workdir: Path, suffix: str, data: bytes) -> None:
    header = {".pdf": PDF[:15], ".docx": DOCX[:30]}.get(suffix, b"<html><body>")
    check(workdir, suffix, header + data + (b"\n%%EOF\n" if suffix == ".pdf" else b""))


def _mutate(seed: bytes) -> st.SearchStrategy[bytes]:
    """Truncations, byte flips, inserted and deleted runs of `seed`."""
    size = len(seed)
    position = st.integers(0, size - 1)
    truncated = st.integers(0, size - 1).map(lambda cut: seed[:cut])
    flipped = st.lists(st.tuples(position, st.integers(0, 255)), min_size=1, max_size=8).map(
        lambda flips: _flip(seed, flips)
    )
    inserted = st.tuples(position, st.binary(min_size=1, max_size=64)).map(
        lambda a: seed[: a[0]] + a[1] + seed[a[0] :]
    )
    deleted = st.tuples(position, st.integers(1, 256)).map(lambda d: seed[: d[0]] + seed[d[0] + d[1] :])
    return st.one_of(truncated, flipped, inserted, deleted)


def _flip(seed: bytes, flips: list[tuple[int, int]]) -> bytes:
    mutated = bytearray(seed)
    for index, value in flips:
        mutated[index] = value
    return bytes(mutated)


@fuzz(900)
@given(data=_mutate(PDF))
def test_mutated_pdf(workdir: Path, data: bytes) -> None:
    check(workdir, ".pdf", data)


@fuzz(300)
@given(data=_mutate(DOCX))
def test_mutated_docx(workdir: Path, data: bytes) -> None:
    check(workdir, ".docx", data)


def _rezip(document_xml: bytes) -> bytes:
    """DOCX with its word/document.xml replaced: reaches python-docx's XML handling past the zip."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(DOCX)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for member in source.infolist():
            body = document_xml if member.filename == "word/document.xml" else source.read(member)
            target.writestr(member.filename, body)
    return out.getvalue()


with zipfile.ZipFile(io.BytesIO(DOCX)) as _archive:
    DOCUMENT_XML = _archive.read("word/document.xml")


@fuzz(250)
@given(xml=_mutate(DOCUMENT_XML))
def test_mutated_docx_xml(workdir: Path, xml: bytes) -> None:
    check(workdir, ".docx", _rezip(xml))


_TEXT = st.text(
    alphabet=st.characters(codec="utf-8")
    | st.sampled_from("åäöÅÄÖé\x00\x07\x1b\r\n\t\u00a0\u00ad-#*_[]()<>|&;")
)
_ENCODINGS = ["utf-8", "utf-8-sig", "cp1252", "latin-1", "utf-16"]


@fuzz(500)
@given(
    suffix=st.sampled_from([".txt", ".md", ".html", ".htm"]),
    parts=st.lists(st.tuples(_TEXT, st.sampled_from(_ENCODINGS)), min_size=1, max_size=4),
)
def test_text_with_control_characters_and_mixed_encodings(
    workdir: Path, suffix: str, parts: list[tuple[str, str]]
) -> None:
    data = b"".join(text.encode(encoding, errors="ignore") for text, encoding in parts)
    check(workdir, suffix, data)


_TAGS = ["p", "div", "h1", "h3", "table", "tr", "td", "th", "br", "li", "ul", "script", "nav", "b", "pre"]
_TAGS += ["title", "caption"]
_HTML_PIECE = st.one_of(
    st.sampled_from(_TAGS).map(lambda tag: f"<{tag}>"),
    st.sampled_from(_TAGS).map(lambda tag: f"</{tag}>"),
    st.sampled_from(
        [
            "<!--",
            "-->",
            "<![CDATA[",
            "&nbsp;",
            "&lt;td&gt;",
            "<meta charset='cp1252'>",
            "<?xml version='1.0' encoding='utf-8'?>",
        ]
    ),
    st.text(max_size=20),
)


@fuzz(300)
@given(pieces=st.lists(_HTML_PIECE, max_size=60))
def test_html_tag_soup(workdir: Path, pieces: list[str]) -> None:
    check(workdir, ".html", "".join(pieces).encode("utf-8", errors="surrogatepass"))


@fuzz(20)
@given(
    suffix=st.sampled_from([".txt", ".md", ".html"]),
    unit=st.sampled_from(["a", "ö-\n", "**", "_a", "[x](", "<b", "<td>", " ", "-", "#", "|", "\u00ad"]),
    repeat=st.integers(50_000, 200_000),
)
def test_very_long_lines(workdir: Path, suffix: str, unit: str, repeat: int) -> None:
    check(workdir, suffix, ("Början " + unit * repeat).encode())


@pytest.mark.parametrize("unit", ["<a x=", "<a x='", "<!--", "<b", "<![CDATA[", "</"])
def test_unclosed_html_tags_parse_in_linear_time(workdir: Path, unit: str) -> None:
    # CPython 3.11's html.parser needs minutes for these; the loader must not.
    started = time.monotonic()
    check(workdir, ".html", ("<p>Början</p>" + unit * 50_000).encode())
    assert time.monotonic() - started < 5


def test_deeply_nested_html(workdir: Path) -> None:
    check(workdir, ".html", b"<div>" * 50_000 + b"text" + b"</div>" * 50_000)
    check(workdir, ".html", b"<table><tr><td>" * 3_000 + b"cell")
