"""Files -> cleaned text: one extractor per format, each bounded in size and time, none able to crash.

Every failure a user can act on becomes a `LoadError` with a short reason ("encrypted PDF (remove the
password and try again)"); any exception a parser raises on a damaged file is turned into one, so a
single bad file never stops the ingestion of a folder.

Time: the PDF extractor checks a deadline before each page and before each content-stream operator
(pypdf's `visitor_operand_before` hook), and raises when it has passed. Parsing one content stream
cannot be interrupted, but pypdf caps it (2 million tokens, 75 MB per decoded stream), so one page
overruns the deadline by about ten seconds at most (pypdf parses ~200,000 tokens a second here). A
worker thread with `join(timeout)` was rejected: Python cannot kill the thread, so a pathological
file would keep burning a core after its error was reported; a subprocess per file would cost more
than extracting most files. The other formats are bounded by the file size limit (and, for DOCX, by
the zip checks below) and are parsed in linear time.
"""

from __future__ import annotations

import codecs
import io
import itertools
import logging
import re
import time
import warnings
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.errors import LoadError

from .cleaning import clean_text, markdown_to_text, remove_repeated_lines

if TYPE_CHECKING:
    from docx.table import Table
    from docx.text.paragraph import Paragraph
    from pypdf import PdfReader

SUPPORTED_SUFFIXES = (".txt", ".md", ".pdf", ".docx", ".html", ".htm")

# pypdf logs a warning for every odd object it repairs. Without a handler anywhere, logging's
# last-resort handler would print them on stderr; an application that configures logging still
# receives them through the root logger.
logging.getLogger("pypdf").addHandler(logging.NullHandler())

_DAMAGED_PDF = "truncated or damaged PDF"
_NOT_A_PDF = "not a valid PDF (file is damaged or not a PDF)"
_ENCRYPTED_PDF = "encrypted PDF (remove the password and try again)"
_NEEDS_CRYPTOGRAPHY = "encrypted PDF: reading it needs the cryptography package (pip install cryptography)"
_NOT_A_DOCX = "not a valid DOCX"
_BINARY = "binary data, not text"
_EOF_WINDOW = 8192  # a complete PDF ends with %%EOF; some producers append a few KB after it
_MIN_CHARS_PER_PAGE = 20  # below this on average, the pages are images: measured on the archive
_DOCX_MAX_EXPANDED_BYTES = 256 * 2**20  # python-docx holds every part in memory
_DOCX_MAX_RATIO = 200  # Word's XML deflates 5-30x; a zip bomb deflates 1000x
_DOCX_RATIO_FLOOR_BYTES = 16 * 2**20  # small files may compress as well as they like
_DOCX_MAX_MEMBERS = 10_000


@dataclass(frozen=True, slots=True)
class ExtractedText:
    """What `extract` read from one file."""

    text: str  # cleaned text (via ingest.cleaning)
    page_starts: tuple[int, ...]  # offsets in `text` where page 1, 2, ... begin; () for pageless formats
    title_hint: str = ""  # PDF/DOCX metadata title, HTML <title>, first markdown heading; "" if none


class _Unreadable(Exception):
    """A reason to refuse the file; `extract` adds the path and raises LoadError."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class _Deadline:
    def __init__(self, timeout_s: float) -> None:
        self.timeout_s = timeout_s
        self._at = time.monotonic() + timeout_s

    def check(self, *_: Any) -> None:
        """Raise once the time is up; also usable as a pypdf visitor (it ignores the arguments)."""
        if time.monotonic() > self._at:
            raise _Unreadable(f"extraction took longer than {self.timeout_s:g} s")


def extract(path: Path, *, max_bytes: int, timeout_s: float = 120.0) -> ExtractedText:
    """Read one file into cleaned text, with page offsets for PDFs.

    Args:
        path: a file with one of SUPPORTED_SUFFIXES (compared case-insensitively).
        max_bytes: larger files are refused without being read.
        timeout_s: extraction stops with an error after about this long.

    Returns:
        The cleaned text, where each page starts (PDF only) and a title hint from the metadata.

    Raises:
        LoadError: the file cannot be read as text; `reason` says why in one short line.
    """
    try:
        extracted = _extract(path, max_bytes, _Deadline(timeout_s))
        if not extracted.text:
            raise _Unreadable("no text found")
    except _Unreadable as exc:
        raise LoadError(str(path), exc.reason) from None
    return extracted


def _extract(path: Path, max_bytes: int, deadline: _Deadline) -> ExtractedText:
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        kind = f"file type {suffix}" if suffix else "file without an extension"
        raise _Unreadable(f"unsupported {kind} (supported: {' '.join(SUPPORTED_SUFFIXES)})")
    data = _read_bounded(path, max_bytes)
    if not data:
        raise _Unreadable("empty file")
    if suffix == ".pdf":
        return _extract_pdf(data, deadline)
    if suffix == ".docx":
        return _extract_docx(data, deadline)
    if suffix in (".html", ".htm"):
        return _extract_html(data, deadline)
    text = _decode_text(data)
    if not text.strip():
        raise _Unreadable("empty file")
    if suffix == ".md":
        text = clean_text(markdown_to_text(text))
        heading = _MD_HEADING.search(text)
        return ExtractedText(text, (), heading.group(1).strip() if heading else "")
    return ExtractedText(clean_text(text), ())


_MD_HEADING = re.compile(r"^#{1,6} (.+)$", re.MULTILINE)


def _read_bounded(path: Path, max_bytes: int) -> bytes:
    try:
        size = path.stat().st_size
        if size <= max_bytes:
            with path.open("rb") as file:
                data = file.read(max_bytes + 1)  # the file may have grown since stat()
            size = len(data)
    except OSError as exc:
        raise _Unreadable(f"cannot read the file ({exc.strerror or type(exc).__name__})") from None
    if size > max_bytes:
        raise _Unreadable(f"file is {_size(size)}, over the {_size(max_bytes)} limit (HRDOCS_MAX_FILE_MB)")
    return data


def _size(n: int) -> str:
    if n < 100_000:
        return f"{n} bytes"
    return f"{n / 2**20:.1f} MB".replace(".0 MB", " MB")


# --- plain text ----------------------------------------------------------------------------------


def _cp1252_fallback(error: UnicodeError) -> tuple[str, int]:
    # A UTF-8 file with a few Windows-1252 bytes (text pasted from an old document) keeps its
    # UTF-8 letters instead of turning every "ä" into "Ã¤".
    assert isinstance(error, UnicodeDecodeError)
    return error.object[error.start : error.end].decode("cp1252", errors="replace"), error.end


codecs.register_error("hrdocs-cp1252", _cp1252_fallback)

_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")


def _decode_text(data: bytes, declared: str = "") -> str:
    """Bytes -> str: a BOM wins, then a declared charset, then UTF-8, byte by byte falling back to
    Windows-1252 (what Swedish files that are not UTF-8 are written in)."""
    if data.startswith(codecs.BOM_UTF8):
        text = data[3:].decode("utf-8", errors="hrdocs-cp1252")
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = data.decode("utf-16", errors="replace")  # Notepad's "Unicode"
    else:
        if b"\x00" in data:
            raise _Unreadable(_BINARY)
        text = ""
        if declared:
            try:
                text = data.decode(declared)
            except (UnicodeError, LookupError, ValueError):  # a wrong label, or an odd codec (idna)
                text = ""
        if not text:
            text = data.decode("utf-8", errors="hrdocs-cp1252")
    if len(_CONTROL.findall(text, 0, 100_000)) > max(2, len(text[:100_000]) // 100):
        raise _Unreadable(_BINARY)
    return text


# --- PDF -----------------------------------------------------------------------------------------


def _extract_pdf(data: bytes, deadline: _Deadline) -> ExtractedText:
    from pypdf import PdfReader  # ~0.2 s to import; only PDF folders pay for it
    from pypdf.errors import DependencyError

    if b"%PDF-" not in data[:1024]:
        raise _Unreadable(_NOT_A_PDF)
    if b"%%EOF" not in data[-_EOF_WINDOW:]:
        raise _Unreadable(_DAMAGED_PDF)  # pypdf would rebuild a part of it; half a document misleads
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted:
            _decrypt(reader)
        pages = list(reader.pages)
    except _Unreadable:
        raise
    except DependencyError:
        raise _Unreadable(_NEEDS_CRYPTOGRAPHY) from None
    except Exception:  # pypdf raises many types (and RecursionError) on damaged files
        raise _Unreadable(_DAMAGED_PDF) from None
    if not pages:
        raise _Unreadable("PDF has no pages")

    raw: list[str] = []
    failed = 0
    for page in pages:
        deadline.check()
        try:
            raw.append(page.extract_text(visitor_operand_before=deadline.check) or "")
        except _Unreadable:
            raise
        except DependencyError:  # AES-128 files open without it and fail on each page's streams
            raise _Unreadable(_NEEDS_CRYPTOGRAPHY) from None
        except Exception:  # one broken page (a bad font, a bad stream) costs that page only
            raw.append("")
            failed += 1
    if failed == len(pages):
        raise _Unreadable(_DAMAGED_PDF)
    if sum(len("".join(text.split())) for text in raw) < _MIN_CHARS_PER_PAGE * len(pages):
        raise _Unreadable("no text layer: scanned PDF, needs OCR")

    cleaned = [clean_text(page) for page in remove_repeated_lines([clean_text(text) for text in raw])]
    text, starts = _join_pages(cleaned)
    return ExtractedText(text, starts, _pdf_title(reader))


def _decrypt(reader: PdfReader) -> None:
    from pypdf.errors import DependencyError

    # Many municipal PDFs are "encrypted" only to forbid editing: the user password is empty and
    # every reader opens them without asking. Only a real user password is refused.
    try:
        opened = reader.decrypt("")
    except DependencyError:
        raise
    except Exception:  # an unknown security handler (certificates, DRM)
        raise _Unreadable(_ENCRYPTED_PDF) from None
    if not opened:
        raise _Unreadable(_ENCRYPTED_PDF)


def _join_pages(pages: list[str]) -> tuple[str, tuple[int, ...]]:
    """Join page texts with a blank line; a page without text starts where the next page starts."""
    pieces: list[str] = []
    starts: list[int | None] = []
    length = 0
    for page in pages:
        if not page:
            starts.append(None)
            continue
        if pieces:
            length += 2
        starts.append(length)
        pieces.append(page)
        length += len(page)
    following = length
    for n in range(len(starts) - 1, -1, -1):
        start = starts[n]
        following = start if start is not None else following
        starts[n] = following
    return "\n\n".join(pieces), tuple(s for s in starts if s is not None)


# Producers put these in /Title when the author left it empty.
_JUNK_TITLE = re.compile(
    r"(?:tagged pdf|powerpoint-?\s?presentation|presentation1?|untitled|namnlös|dokument\d*|document\d*|"
    r".*\.(?:pdf|docx?|pptx?|xlsx?|odt|rtf)|rubrik|title|\W*)",
    re.IGNORECASE,
)


def _pdf_title(reader: PdfReader) -> str:
    try:
        metadata = reader.metadata
        title = str(metadata.title or "") if metadata is not None else ""
    except Exception:  # metadata is optional; a broken Info dictionary must not cost the text
        return ""
    return _plausible_title(title)


def _plausible_title(title: str) -> str:
    title = " ".join(clean_text(title).split())
    title = re.sub(r"^microsoft (?:word|powerpoint|excel) - ", "", title, flags=re.IGNORECASE)
    title = re.sub(r"\.(?:docx?|pptx?|xlsx?)$", "", title, flags=re.IGNORECASE)
    return "" if _JUNK_TITLE.fullmatch(title) else title[:300]


# --- DOCX ----------------------------------------------------------------------------------------

_HEADING_STYLE = re.compile(r"(?:heading|rubrik)\s*([1-6])", re.IGNORECASE)
_TITLE_STYLES = {"title", "rubrik"}
_LIST_STYLE = re.compile(r"list|liststycke|punktlista|numrerad lista", re.IGNORECASE)


def _extract_docx(data: bytes, deadline: _Deadline) -> ExtractedText:
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise _Unreadable("not a valid DOCX: an old Word .doc file (save it as .docx)")
    _check_zip(data)
    import docx  # lazy: lxml and python-docx cost ~0.3 s
    from docx.table import Table

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception:  # not a zip, no word/document.xml, wrong content type, broken XML
        raise _Unreadable(_NOT_A_DOCX) from None
    try:
        blocks: list[str] = []
        for n, block in enumerate(document.iter_inner_content()):
            if n % 200 == 0:
                deadline.check()
            if isinstance(block, Table):
                blocks.append("\n".join(_table_rows(block)))
            else:
                blocks.append(_paragraph_line(block))
        title = _plausible_title(document.core_properties.title or "")
    except _Unreadable:
        raise
    except Exception:  # python-docx trips on unusual XML it accepted at open time
        raise _Unreadable("damaged DOCX (its content could not be read)") from None
    return ExtractedText(clean_text("\n\n".join(blocks)), (), title)


def _check_zip(data: bytes) -> None:
    """Refuse zip bombs from the central directory alone, before anything is decompressed."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except Exception:  # BadZipFile, and the odd ValueError or OSError zipfile raises on garbage
        raise _Unreadable(_NOT_A_DOCX) from None
    if len(members) > _DOCX_MAX_MEMBERS:
        raise _Unreadable(f"DOCX holds more than {_DOCX_MAX_MEMBERS} files (zip bomb?)")
    expanded = sum(member.file_size for member in members)
    if expanded > _DOCX_MAX_EXPANDED_BYTES:
        raise _Unreadable(f"DOCX expands to more than {_DOCX_MAX_EXPANDED_BYTES // 2**20} MB (zip bomb?)")
    ratio = expanded / len(data)
    if expanded > _DOCX_RATIO_FLOOR_BYTES and ratio > _DOCX_MAX_RATIO:
        raise _Unreadable(f"DOCX expands {ratio:.0f} times when unzipped (zip bomb?)")


def _paragraph_line(paragraph: Paragraph) -> str:
    text = paragraph.text
    if not text.strip():
        return ""
    style = (paragraph.style.name if paragraph.style is not None else "") or ""
    heading = _HEADING_STYLE.fullmatch(style.strip())
    if heading or style.strip().lower() in _TITLE_STYLES:
        level = int(heading.group(1)) if heading else 1
        return "#" * level + " " + " ".join(text.split())
    numbered = paragraph._p.pPr is not None and paragraph._p.pPr.numPr is not None
    if numbered or _LIST_STYLE.match(style):
        return "- " + text.strip()
    return text


def _table_rows(table: Table, depth: int = 0) -> Iterator[str]:
    """One line per row, "cell | cell"; merged cells once; nested tables as rows of their own."""
    for row in table.rows:
        cells: list[str] = []
        previous = None
        nested: list[Table] = []
        for cell in row.cells:
            if previous is not None and cell._tc is previous:
                continue  # a merged cell is returned once per grid column it spans
            previous = cell._tc
            text = " ".join(cell.text.split())
            if text:
                cells.append(text)
            if depth < 3:
                nested.extend(cell.tables)
        if cells:
            yield " | ".join(cells)
        for inner in nested:
            yield from _table_rows(inner, depth + 1)


# --- HTML ----------------------------------------------------------------------------------------

_DECLARED_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{1,40})""", re.I)
_DROPPED_TAGS = frozenset({
    "script", "style", "nav", "noscript", "template", "svg", "iframe", "object", "title", "meta", "link",
})  # fmt: skip
_BLOCK_TAGS = frozenset({
    "p", "div", "section", "article", "main", "header", "footer", "aside", "blockquote", "pre",
    "ul", "ol", "dl", "dt", "dd", "form", "fieldset", "figure", "figcaption", "address", "details",
    "summary", "hr", "caption", "tr",
})  # fmt: skip
_HEADINGS = {f"h{level}": level for level in range(1, 7)}
_WHITESPACE = re.compile(r"\s+")


def _extract_html(data: bytes, deadline: _Deadline) -> ExtractedText:
    from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning, XMLParsedAsHTMLWarning

    text = _decode_text(data, _declared_charset(data))
    try:
        with warnings.catch_warnings():
            # A file holding just a URL, or XHTML: both parse fine with html.parser.
            warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
            warnings.simplefilter("ignore", XMLParsedAsHTMLWarning)
            # lxml, not html.parser: CPython 3.11's html.parser is quadratic on unclosed tags and
            # comments (20,000 repeats of "<a x=" took 113 s here) and cannot be interrupted. lxml
            # parses the same in milliseconds and is installed anyway, for python-docx.
            soup = BeautifulSoup(text, "lxml")
        deadline.check()
        title = _plausible_title(soup.title.get_text(" ")) if soup.title else ""
        # <head> stays: title, meta and link are dropped anyway, and a page whose </head> is missing
        # may have its whole body inside it.
        body = _HtmlRenderer(deadline).render(soup)
    except _Unreadable:
        raise
    except Exception:  # the parser's own failures on hostile markup
        raise _Unreadable("could not parse the HTML") from None
    return ExtractedText(clean_text(body), (), title)


def _declared_charset(data: bytes) -> str:
    found = _DECLARED_CHARSET.search(data[:4096])
    if not found:
        return ""
    try:
        codec = codecs.lookup(found.group(1).decode("ascii"))
    except LookupError:
        return ""
    name = codec.name
    if not getattr(codec, "_is_text_encoding", True):
        return ""  # "hex", "rot13", "zlib": Python codecs, not charsets
    if name.startswith(("utf-16", "utf-32")):
        return ""  # without a BOM such a label is wrong: the bytes were readable as ASCII to find it
    # The HTML standard reads latin-1 and ascii labels as windows-1252.
    return "cp1252" if name in ("latin-1", "iso8859-1", "ascii") else name


class _HtmlRenderer:
    """Soup -> text in one walk: headings as "#" lines, table rows as "cell | cell", blocks on lines.

    The walk keeps its own stack, and nothing edits the tree: bs4's insert and replace search the
    tree, which made 50,000 nested <div>s take minutes, and recursion would overflow on them.
    """

    def __init__(self, deadline: _Deadline) -> None:
        self._deadline = deadline
        self._sinks: list[list[str]] = [[]]  # text goes to the innermost heading or cell, else the body
        self._tables: list[list[str]] = []  # finished rows of each open table
        self._rows: list[list[str]] = []  # cells of each open row
        self._in_pre = 0

    def render(self, soup: Any) -> str:
        from bs4.element import NavigableString, PreformattedString, Tag

        stack = [(soup, iter(soup.contents))]
        for visited in itertools.count():
            if not stack:
                break
            if visited % 5000 == 0:
                self._deadline.check()
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                stack.pop()
                if stack:
                    self._end(node.name)
            elif isinstance(child, Tag):
                if child.name not in _DROPPED_TAGS:
                    self._start(child.name)
                    stack.append((child, iter(child.contents)))
            elif isinstance(child, NavigableString) and not isinstance(child, PreformattedString):
                # HTML collapses whitespace: a line break in the source is not a line in the text.
                self._emit(str(child) if self._in_pre else _WHITESPACE.sub(" ", child))
        return "".join(self._sinks[0])

    def _emit(self, text: str) -> None:
        self._sinks[-1].append(text)

    def _start(self, name: str) -> None:
        if name in _HEADINGS or name in ("td", "th"):
            self._sinks.append([])
        elif name == "table":
            self._tables.append([])
        elif name == "br":
            self._emit("\n")
        elif name == "li":
            self._emit("\n- ")
        if name == "tr":
            self._rows.append([])
        elif name == "pre":
            self._in_pre += 1
        if name in _BLOCK_TAGS:
            self._emit("\n")

    def _end(self, name: str) -> None:
        if name in _HEADINGS:
            heading = " ".join("".join(self._sinks.pop()).split())
            self._emit(f"\n\n{'#' * _HEADINGS[name]} {heading}\n\n" if heading else "\n")
        elif name in ("td", "th"):
            cell = " ".join("".join(self._sinks.pop()).split())
            if self._rows:
                self._rows[-1].append(cell)
            else:
                self._emit(f" {cell} ")  # a cell outside any row: keep its text
        elif name == "tr" and self._rows:
            cells = [cell for cell in self._rows.pop() if cell]
            if cells:
                row = " | ".join(cells)
                if self._tables:
                    self._tables[-1].append(row)
                else:
                    self._emit(f"\n{row}\n")
        elif name == "table":
            self._emit("\n" + "\n".join(self._tables.pop()) + "\n")
        elif name == "pre":
            self._in_pre -= 1
        if name in _BLOCK_TAGS and name != "tr":
            self._emit("\n")
