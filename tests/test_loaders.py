"""ingest.loaders: every format to clean text, and one short reason for every file that cannot be read.

The PDFs are written by hand (build_pdf below), so each assertion traces to a line you can read;
tests/fixtures/good/policy.pdf is build_pdf(POLICY_PAGES) committed, for the fuzz tests to mutate.
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
from docx.enum.style import WD_STYLE_TYPE
from pypdf import PdfReader, PdfWriter

from assistant.errors import LoadError
from ingest import loaders
from ingest.loaders import SUPPORTED_SUFFIXES, ExtractedText, extract

FIXTURES = Path(__file__).parent / "fixtures"
ARCHIVE = Path(__file__).resolve().parents[2] / "shared" / "alingsas-archive"
MB = 2**20
LIMIT = 50 * MB

SWEDISH = "Medarbetarsamtal hålls årligen. Även chefer får återkoppling på sitt ledarskap, É é.\n"

POLICY_PAGES: list[list[str | tuple[str, ...]]] = [
    [
        "Alingsås kommun",
        "Alingsås kommun  Datum 2023-01-01",
        "Personalpolicy",
        "1. Bakgrund",
        "Kommunens kompetens-",
        "försörjning kräver att personal-",
        "och arbetsgivarfrågor samordnas.",
        "Beslutad av kommunfullmäktige 2007-06-20 § 124.",
        "Sida 1 av 3",
    ],
    [
        "Alingsås kommun",
        "Alingsås kommun  Datum 2023-01-01",
        "2. Lönetillägg",
        ("Tillägg", "Belopp", "Gäller från"),
        ("Ob-tillägg", "1 200 kr", "2024-01-01"),
        "Ansvarig HR-",
        "chef skickar e-",
        "post till alla.",
        "Sida 2 av 3",
    ],
    [
        "Alingsås kommun",
        "Alingsås kommun  Datum 2023-01-01",
        "3. Avslutningssamtal",
        "Närmaste chef håller samtalet när en anställning upphör.",
        "Sida 3 av 3",
    ],
]


def _pdf_string(text: str) -> bytes:
    raw = text.encode("cp1252")
    return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def build_pdf(pages: list[list[str | tuple[str, ...]]], *, title: str = "") -> bytes:
    """A small, valid PDF written by hand: Helvetica in WinAnsiEncoding, one entry per line.

    An entry given as a tuple is a table row: its cells stand side by side on one baseline.
    """
    page_ids = [4 + 2 * n for n in range(len(pages))]
    kids = b" ".join(b"%d 0 R" % n for n in page_ids)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % len(pages),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    for page_id, lines in zip(page_ids, pages, strict=True):
        ops = [b"BT /F1 11 Tf"]
        for row, line in enumerate(lines):
            cells = line if isinstance(line, tuple) else (line,)
            for column, cell in enumerate(cells):
                ops.append(
                    b"1 0 0 1 %d %d Tm " % (50 + 160 * column, 800 - 16 * row) + _pdf_string(cell) + b" Tj"
                )
        content = b"\n".join([*ops, b"ET"])
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
            b"/Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>" % (page_id + 1)
        )
        objects.append(b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream")
    objects.append(b"<< /Title " + _pdf_string(title) + b" >>")
    out = bytearray(b"%PDF-1.4\n%\xe5\xe4\xf6\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info %d 0 R >>\n" % (len(objects) + 1, len(objects))
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def policy_pdf() -> bytes:
    return build_pdf(POLICY_PAGES, title="Personalpolicy för Alingsås kommun")


def write(tmp_path: Path, name: str, data: bytes | str) -> Path:
    path = tmp_path / name
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8")
    else:
        path.write_bytes(data)
    return path


def reason(path: Path, **kwargs: float) -> str:
    with pytest.raises(LoadError) as caught:
        extract(path, max_bytes=int(kwargs.get("max_bytes", LIMIT)), timeout_s=kwargs.get("timeout_s", 120.0))
    assert caught.value.path == str(path)
    text = caught.value.reason
    assert "\n" not in text and (text[0].islower() or text.split()[0].isupper())  # "DOCX expands ..."
    return caught.value.reason


# --- PDF -----------------------------------------------------------------------------------------


def test_committed_pdf_fixture_is_what_build_pdf_writes() -> None:
    assert (FIXTURES / "good" / "policy.pdf").read_bytes() == policy_pdf()


@pytest.fixture
def policy(tmp_path: Path) -> ExtractedText:
    return extract(write(tmp_path, "policy.pdf", policy_pdf()), max_bytes=LIMIT)


def test_pdf_page_starts_point_at_each_page_in_the_cleaned_text(policy: ExtractedText) -> None:
    assert len(policy.page_starts) == 3
    assert policy.page_starts[0] == 0
    assert policy.text[policy.page_starts[1] :].startswith("2. Lönetillägg")
    assert policy.text[policy.page_starts[2] :].startswith("3. Avslutningssamtal")


def test_pdf_running_header_is_kept_once_and_page_numbers_go(policy: ExtractedText) -> None:
    assert policy.text.count("Alingsås kommun Datum 2023-01-01") == 1
    assert policy.text.startswith("Alingsås kommun\nAlingsås kommun Datum 2023-01-01\nPersonalpolicy")
    assert "Sida" not in policy.text


def test_pdf_line_end_hyphens_are_joined_but_compound_parts_kept(policy: ExtractedText) -> None:
    assert "Kommunens kompetensförsörjning kräver" in policy.text.replace("\n", " ")
    assert "personal- och arbetsgivarfrågor" in policy.text
    assert "Ansvarig HR-chef skickar e-post till alla." in policy.text.replace("\n", " ")
    assert "2007-06-20 § 124" in policy.text


def test_pdf_table_row_stays_on_one_line(policy: ExtractedText) -> None:
    assert "\nTillägg Belopp Gäller från\nOb-tillägg 1 200 kr 2024-01-01\n" in policy.text


def test_pdf_title_comes_from_the_metadata(policy: ExtractedText) -> None:
    assert policy.title_hint == "Personalpolicy för Alingsås kommun"


@pytest.mark.parametrize("junk", ["Tagged PDF", "PowerPoint-presentation", "Protokoll KS 2026-06-01.pdf", ""])
def test_pdf_placeholder_titles_are_not_hints(tmp_path: Path, junk: str) -> None:
    path = write(tmp_path, "a.pdf", build_pdf([["Ett dokument med lite riktig text i sig."]], title=junk))
    assert extract(path, max_bytes=LIMIT).title_hint == ""


def test_pdf_word_title_loses_the_producer_prefix(tmp_path: Path) -> None:
    pdf = build_pdf([["Ett dokument med lite riktig text i sig."]], title="Microsoft Word - Budget 2027.docx")
    assert extract(write(tmp_path, "a.pdf", pdf), max_bytes=LIMIT).title_hint == "Budget 2027"


def test_pdf_page_without_text_starts_where_the_next_page_starts(tmp_path: Path) -> None:
    first, third = "Första sidan har en hel mening med text.", "Tredje sidan har också en mening med text."
    extracted = extract(write(tmp_path, "a.pdf", build_pdf([[first], [], [third]])), max_bytes=LIMIT)
    assert extracted.text == f"{first}\n\n{third}"
    assert extracted.page_starts == (0, len(first) + 2, len(first) + 2)


def _encrypted(user_password: str, algorithm: str) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(policy_pdf())))
    writer.encrypt(user_password=user_password, owner_password="ägare", algorithm=algorithm)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_pdf_with_a_user_password_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "hemlig.pdf", _encrypted("hemligt", "RC4-128"))
    assert reason(path) == "encrypted PDF (remove the password and try again)"


def test_pdf_encrypted_with_an_empty_password_is_read(tmp_path: Path) -> None:
    extracted = extract(write(tmp_path, "låst.pdf", _encrypted("", "RC4-128")), max_bytes=LIMIT)
    assert "2. Lönetillägg" in extracted.text and len(extracted.page_starts) == 3


def test_pdf_encrypted_with_aes_and_an_empty_password_is_read(tmp_path: Path) -> None:
    pytest.importorskip("cryptography")  # pypdf needs it for AES
    extracted = extract(write(tmp_path, "låst.pdf", _encrypted("", "AES-256")), max_bytes=LIMIT)
    assert "3. Avslutningssamtal" in extracted.text


def test_pdf_needing_cryptography_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from pypdf.errors import DependencyError

    def missing(self: object, password: str) -> None:
        raise DependencyError("cryptography>=3.1 is required for AES algorithm")

    monkeypatch.setattr(PdfReader, "decrypt", missing)
    path = write(tmp_path, "låst.pdf", _encrypted("", "RC4-128"))
    assert (
        reason(path) == "encrypted PDF: reading it needs the cryptography package (pip install cryptography)"
    )


def test_pdf_of_blank_pages_is_a_scan(tmp_path: Path) -> None:
    writer = PdfWriter()
    for _ in range(3):
        writer.add_blank_page(width=595, height=842)
    out = io.BytesIO()
    writer.write(out)
    assert reason(write(tmp_path, "skannad.pdf", out.getvalue())) == "no text layer: scanned PDF, needs OCR"


def test_pdf_with_a_few_stray_characters_per_page_is_a_scan(tmp_path: Path) -> None:
    path = write(tmp_path, "skannad.pdf", build_pdf([["1"], ["Sida 2"], ["  3  "]]))
    assert reason(path) == "no text layer: scanned PDF, needs OCR"


def test_truncated_pdf(tmp_path: Path) -> None:
    data = policy_pdf()
    assert reason(write(tmp_path, "halv.pdf", data[: len(data) // 2])) == "truncated or damaged PDF"


def test_pdf_with_damaged_objects(tmp_path: Path) -> None:
    data = b"%PDF-1.4\n" + b"1 0 obj << /Type /Catalog /Pages 9 0 R >> endobj\n" + b"trailer << >>\n%%EOF\n"
    assert reason(write(tmp_path, "trasig.pdf", data)) == "truncated or damaged PDF"


def test_random_bytes_named_pdf(tmp_path: Path) -> None:
    path = write(tmp_path, "brus.pdf", os.urandom(4096))
    assert reason(path) == "not a valid PDF (file is damaged or not a PDF)"


def test_pdf_past_the_deadline_is_stopped(tmp_path: Path) -> None:
    path = write(tmp_path, "policy.pdf", policy_pdf())
    assert reason(path, timeout_s=0.0) == "extraction took longer than 0 s"


# --- plain text and markdown ---------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252", "utf-16"])
def test_swedish_text_reads_the_same_in_every_encoding(tmp_path: Path, encoding: str) -> None:
    path = write(tmp_path, "brev.txt", SWEDISH.encode(encoding))
    assert extract(path, max_bytes=LIMIT) == ExtractedText(SWEDISH.strip(), (), "")


def test_utf8_with_a_few_cp1252_bytes_keeps_both(tmp_path: Path) -> None:
    data = "Första raden är UTF-8.\n".encode() + "Andra raden är Windows-1252.\n".encode("cp1252")
    text = extract(write(tmp_path, "blandad.txt", data), max_bytes=LIMIT).text
    assert text == "Första raden är UTF-8.\nAndra raden är Windows-1252."


def test_binary_data_named_txt(tmp_path: Path) -> None:
    assert (
        reason(write(tmp_path, "bild.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")) == "binary data, not text"
    )
    controls = bytes(range(1, 9)) * 50 + b"lite text"
    assert reason(write(tmp_path, "styr.txt", controls)) == "binary data, not text"


def test_text_is_cleaned(tmp_path: Path) -> None:
    raw = "Rubrik\r\n\r\n\r\n\r\nText\tmed\u00a0konstiga   mellanrum  \r\nkompetens-\r\nförsörjning\x07\r\n"
    text = extract(write(tmp_path, "a.txt", raw), max_bytes=LIMIT).text
    assert text == "Rubrik\n\nText med konstiga mellanrum\nkompetensförsörjning"


def test_markdown_keeps_headings_and_drops_markup(tmp_path: Path) -> None:
    md = (
        "# Lönepolicy\n\nInledning med **fet** och _kursiv_ text.\n\n## 3.8 Avslutningssamtal\n\n"
        "Se [riktlinjen](https://intranat.example/riktlinje) och ![logga](logo.png).\n"
        "* punkt ett\n\n| Tillägg | Belopp |\n|---|---|\n| Ob | 1 200 kr |\n"
    )
    extracted = extract(write(tmp_path, "policy.md", md), max_bytes=LIMIT)
    assert extracted.text == (
        "# Lönepolicy\n\nInledning med fet och kursiv text.\n\n## 3.8 Avslutningssamtal\n\n"
        "Se riktlinjen och logga.\n- punkt ett\n\nTillägg | Belopp\nOb | 1 200 kr"
    )
    assert extracted.title_hint == "Lönepolicy"
    assert extracted.page_starts == ()


def test_committed_markdown_fixture(tmp_path: Path) -> None:
    extracted = extract(FIXTURES / "good" / "rutin.md", max_bytes=LIMIT)
    assert extracted.title_hint == "Rutin för introduktion av nyanställda"
    assert "## 2. Första dagen" in extracted.text.split("\n")
    assert "**" not in extracted.text and "](" not in extracted.text


# --- HTML ----------------------------------------------------------------------------------------

HTML = """<!DOCTYPE html>
<html><head><meta charset="windows-1252"><title>Riktlinje för   lönesättning</title>
<style>p { color: red; }</style><script>var x = "<p>inte text</p>";</script></head>
<body><nav><a href="/">Start</a> | <a href="/om">Om oss</a></nav>
<h1>Riktlinje för lönesättning</h1>
<p>Lönen sätts
   individuellt&nbsp;och differentierat.<br>Se tabellen.</p>
<h2>2. Tillägg</h2>
<table><tr><th>Tillägg</th><th>Belopp</th></tr>
<tr><td>Ob-tillägg<br>helg</td><td><b>1 200</b> kr</td></tr>
<tr><td>Jour &lt;br&gt; natt</td><td></td></tr></table>
<ul><li>Första punkten</li><li>Andra punkten</li></ul>
<!-- en kommentar -->
</body></html>"""


def test_html_headings_tables_and_title(tmp_path: Path) -> None:
    extracted = extract(write(tmp_path, "riktlinje.html", HTML.encode("cp1252")), max_bytes=LIMIT)
    assert extracted.title_hint == "Riktlinje för lönesättning"
    assert extracted.text == (
        "# Riktlinje för lönesättning\n\nLönen sätts individuellt och differentierat.\nSe tabellen.\n\n"
        "## 2. Tillägg\n\nTillägg | Belopp\nOb-tillägg helg | 1 200 kr\nJour natt\n\n"
        "- Första punkten\n- Andra punkten"
    )


@pytest.mark.parametrize(
    ("declared", "encoding"),
    [
        ("", "utf-8"),
        ("", "cp1252"),
        ('<meta charset="iso-8859-1">', "cp1252"),
        ('<meta charset="utf-8">', "utf-8"),
    ],
)
def test_html_charset(tmp_path: Path, declared: str, encoding: str) -> None:
    page = f"<html><head>{declared}</head><body><p>Åsa söker tjänstledigt för studier.</p></body></html>"
    extracted = extract(write(tmp_path, "a.htm", page.encode(encoding)), max_bytes=LIMIT)
    assert extracted.text == "Åsa söker tjänstledigt för studier."


@pytest.mark.parametrize("label", ["rot13", "hex", "idna", "utf-16", "no-such-charset"])
def test_html_with_a_nonsense_charset_label_falls_back(tmp_path: Path, label: str) -> None:
    page = f'<meta charset="{label}"><p>Åsa söker tjänstledigt.</p>'.encode("cp1252")
    assert extract(write(tmp_path, "a.html", page), max_bytes=LIMIT).text == "Åsa söker tjänstledigt."


def test_html_holding_only_markup_has_no_text(tmp_path: Path) -> None:
    path = write(
        tmp_path, "tom.html", "<html><head><title>Tom</title></head><body><script>x</script></body></html>"
    )
    assert reason(path) == "no text found"


# --- DOCX ----------------------------------------------------------------------------------------


def _docx(tmp_path: Path) -> Path:
    document = docx.Document()
    document.core_properties.title = "Semesterregler"
    document.add_heading("Semesterregler", level=1)
    document.add_paragraph("Semester ska planeras i god tid och beviljas av chef.")
    document.add_heading("2.1 Sparade dagar", level=2)
    document.add_paragraph("Sparade dagar tas ut efter överenskommelse.")
    document.styles.add_style("Rubrik 3", WD_STYLE_TYPE.PARAGRAPH)
    document.add_paragraph("Särskilda regler", style="Rubrik 3")
    table = document.add_table(rows=2, cols=3)
    table.cell(0, 0).text = "Ålder"
    table.cell(0, 1).merge(table.cell(0, 2)).text = "Semesterdagar"
    table.cell(1, 0).text = "Från 40 år"
    table.cell(1, 1).text = "31"
    table.cell(1, 2).text = "dagar\noch mer"
    document.add_paragraph("Gäller alla anställda", style="List Bullet")
    path = tmp_path / "semester.docx"
    document.save(str(path))
    return path


def test_docx_headings_become_markdown_and_table_rows_lines(tmp_path: Path) -> None:
    extracted = extract(_docx(tmp_path), max_bytes=LIMIT)
    assert extracted.text == (
        "# Semesterregler\n\nSemester ska planeras i god tid och beviljas av chef.\n\n"
        "## 2.1 Sparade dagar\n\nSparade dagar tas ut efter överenskommelse.\n\n### Särskilda regler\n\n"
        "Ålder | Semesterdagar\nFrån 40 år | 31 | dagar och mer\n\n- Gäller alla anställda"
    )
    assert extracted.title_hint == "Semesterregler"
    assert extracted.page_starts == ()


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def test_docx_zip_bomb_is_refused_by_its_ratio(tmp_path: Path) -> None:
    bomb = _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": bytes(20 * MB)})
    assert len(bomb) < 100_000
    refused = reason(write(tmp_path, "bomb.docx", bomb))
    assert refused.startswith("DOCX expands ") and refused.endswith(" times when unzipped (zip bomb?)")


def test_docx_expanding_past_the_limit_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(loaders, "_DOCX_MAX_EXPANDED_BYTES", 1 * MB)  # 256 MB in a test would be slow
    path = write(tmp_path, "stor.docx", _zip({"word/document.xml": os.urandom(MB // 2) * 3}))
    assert reason(path) == "DOCX expands to more than 1 MB (zip bomb?)"


@pytest.mark.parametrize(
    "data",
    [os.urandom(2048), _zip({"word/other.xml": b"<x/>"}), _zip({"word/document.xml": b"<w:document"})],
    ids=["random bytes", "zip without a document", "broken xml"],
)
def test_invalid_docx(tmp_path: Path, data: bytes) -> None:
    assert reason(write(tmp_path, "trasig.docx", data)) == "not a valid DOCX"


def test_old_word_file_renamed_docx(tmp_path: Path) -> None:
    path = write(tmp_path, "gammal.docx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600))
    assert reason(path) == "not a valid DOCX: an old Word .doc file (save it as .docx)"


# --- any format ----------------------------------------------------------------------------------


def test_unsupported_extension(tmp_path: Path) -> None:
    assert reason(write(tmp_path, "lista.xyz", "text")) == (
        "unsupported file type .xyz (supported: .txt .md .pdf .docx .html .htm)"
    )
    assert reason(write(tmp_path, "README", "text")).startswith("unsupported file without an extension")


def test_suffix_is_case_insensitive(tmp_path: Path) -> None:
    assert "2. Lönetillägg" in extract(write(tmp_path, "POLICY.PDF", policy_pdf()), max_bytes=LIMIT).text


@pytest.mark.parametrize("suffix", SUPPORTED_SUFFIXES)
def test_empty_file(tmp_path: Path, suffix: str) -> None:
    assert reason(write(tmp_path, f"tom{suffix}", b"")) == "empty file"


def test_whitespace_only_text_is_empty(tmp_path: Path) -> None:
    assert reason(write(tmp_path, "tom.txt", " \r\n\t\n")) == "empty file"


def test_file_over_the_limit_is_refused_without_reading_it(tmp_path: Path) -> None:
    path = tmp_path / "stor.pdf"
    with path.open("wb") as file:
        file.truncate(int(61.2 * MB))  # sparse: no disk used
    assert reason(path, max_bytes=50 * MB) == "file is 61.2 MB, over the 50 MB limit (HRDOCS_MAX_FILE_MB)"
    assert reason(write(tmp_path, "a.txt", "x" * 200), max_bytes=100) == (
        "file is 200 bytes, over the 100 bytes limit (HRDOCS_MAX_FILE_MB)"
    )


def test_missing_file(tmp_path: Path) -> None:
    assert reason(tmp_path / "borta.txt") == "cannot read the file (No such file or directory)"


BAD_FIXTURES = {
    "error-page.pdf": "not a valid PDF (file is damaged or not a PDF)",
    "empty.pdf": "empty file",
    "notes.docx": "not a valid DOCX",
    "budget.xlsx": "unsupported file type .xlsx (supported: .txt .md .pdf .docx .html .htm)",
    "binary.txt": "binary data, not text",
}


@pytest.mark.parametrize("name", sorted(BAD_FIXTURES))
def test_committed_bad_fixtures(name: str) -> None:
    assert reason(FIXTURES / "bad" / name) == BAD_FIXTURES[name]


# --- the real archive ----------------------------------------------------------------------------


@pytest.mark.archive
def test_real_municipal_archive_extracts_without_crashing() -> None:
    if not ARCHIVE.is_dir():
        pytest.skip(f"no archive at {ARCHIVE}")
    files = sorted(ARCHIVE.rglob("*.pdf"))
    good, failed = 0, []
    started, cpu_started = time.perf_counter(), time.process_time()
    for path in files:
        try:
            extracted = extract(path, max_bytes=LIMIT)
        except LoadError as exc:
            failed.append(f"{path.relative_to(ARCHIVE)}: {exc.reason}")
            continue
        starts = extracted.page_starts
        assert all(0 <= start <= len(extracted.text) for start in starts)
        if len(starts) == len(PdfReader(path).pages) and all(a < b for a, b in itertools.pairwise(starts)):
            good += 1
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    # CPU time as well: on a shared machine the wall time says more about the neighbours.
    print(f"\narchive: {len(files)} PDFs in {elapsed:.1f} s ({cpu:.1f} s CPU); {good} with sane page starts")
    print("failed:", *failed, sep="\n  ")
    assert good > 0.9 * len(files)
