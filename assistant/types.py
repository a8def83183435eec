"""Plain data passed between the stages: ingest -> store -> retrieve -> answer -> UI.

Third-party shapes (Chroma's columnar dicts, LangChain documents, numpy arrays) stop at the
adapter that talks to them; everything that crosses a module boundary is one of these.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class DocumentMeta:
    """What a reader needs to cite a document: from corpus/manifest.toml or inferred."""

    doc_id: str  # stable id, e.g. "alingsas-kpmg-kompetensforsorjning-2021"
    title: str
    municipality: str = ""
    doc_type: str = ""  # "revisionsrapport", "interpellation", ...
    date: str = ""  # ISO date or a year ("2021"); "" when unknown
    author: str = ""  # author organisation or person
    source: str = ""  # file name the document was read from
    access_group: str = ""  # "" = everyone; otherwise only users in this group see it

    @property
    def year(self) -> int | None:
        return int(self.date[:4]) if self.date[:4].isdigit() else None


@dataclass(frozen=True, slots=True)
class Chunk:
    """One retrievable passage. It never crosses a section boundary."""

    doc_id: str
    ordinal: int  # position in the document, from 0
    text: str
    section: str = ""  # innermost heading, e.g. "3.8 Avslutningssamtal"; "" when none applies
    section_path: tuple[str, ...] = ()  # outermost first, ending with `section`
    page: int | None = None  # first page the chunk is on; None when the source has no pages
    page_end: int | None = None  # last page the chunk is on
    start: int = 0  # character span [start, end) in the cleaned document text
    end: int = 0

    @property
    def chunk_id(self) -> str:
        return f"{self.doc_id}#{self.ordinal:04d}"

    @property
    def section_label(self) -> str:
        """The section path as people write it: "3.8 Avslutningssamtal › 3.8.1 Kommentarer"."""
        return " › ".join(self.section_path) if self.section_path else self.section


@dataclass(frozen=True, slots=True)
class IndexedDocument:
    """A document as the index holds it: its metadata, version and size."""

    meta: DocumentMeta
    content_hash: str  # sha256 of the source bytes (and the manifest entry)
    chunk_count: int
    version: str  # the content hash prefix that names this version's chunks


@dataclass(frozen=True, slots=True)
class Passage:
    """A retrieved chunk with the document it belongs to and how well it matched."""

    chunk: Chunk
    doc: DocumentMeta
    score: float  # fused relevance; higher is better (comparable within one query only)
    dense: float = 0.0  # cosine similarity of question and chunk
    lexical: float = 0.0  # BM25 score, 0 when the chunk did not match lexically


@dataclass(frozen=True, slots=True)
class Filters:
    """Restrictions on what may be retrieved. Empty fields restrict nothing."""

    municipalities: tuple[str, ...] = ()
    doc_ids: tuple[str, ...] = ()
    doc_types: tuple[str, ...] = ()
    year_from: int | None = None
    year_to: int | None = None
    # None: no access control (local use). A tuple: the groups the user belongs to; documents
    # with an access group outside it are never retrieved.
    groups: tuple[str, ...] | None = None

    def is_empty(self) -> bool:
        return self == Filters(groups=self.groups)

    def admits(self, doc: DocumentMeta) -> bool:
        """The same rule as the store's `where` clause, for passages held in memory."""
        if self.municipalities and doc.municipality not in self.municipalities:
            return False
        if self.doc_ids and doc.doc_id not in self.doc_ids:
            return False
        if self.doc_types and doc.doc_type not in self.doc_types:
            return False
        year = doc.year
        if self.year_from is not None and (year is None or year < self.year_from):
            return False
        if self.year_to is not None and (year is None or year > self.year_to):
            return False
        return self.groups is None or doc.access_group in ("", *self.groups)


@dataclass(frozen=True, slots=True)
class Citation:
    """A passage an answer rests on, numbered as its marker [n] in the answer text."""

    number: int
    doc_id: str
    title: str
    section: str
    page: int | None
    quote: str  # the whole cited passage
    highlights: tuple[str, ...] = ()  # the sentences of `quote` that support the answer
    score: float = 0.0
    chunk_id: str = ""
    municipality: str = ""
    doc_type: str = ""
    date: str = ""
    author: str = ""
    start: int = 0
    end: int = 0


@dataclass(frozen=True, slots=True)
class Turn:
    """One earlier exchange of a conversation, for follow-up questions."""

    question: str
    answer: str = ""
    doc_ids: tuple[str, ...] = ()  # documents the answer cited


@dataclass(frozen=True, slots=True)
class Answer:
    question: str
    text: str  # markdown with markers [1], [2] tied to `citations`
    citations: tuple[Citation, ...]
    abstained: bool  # True: the documents do not answer; `text` says so plainly
    language: str = "sv"  # "sv" or "en": the language of the question and of the frame
    related: tuple[Citation, ...] = ()  # nearest passages shown when abstaining
    notes: tuple[str, ...] = field(default=())  # e.g. which filters applied, date conflicts

    @property
    def grounded(self) -> bool:
        return not self.abstained


@dataclass(frozen=True, slots=True)
class DocumentText:
    """The cleaned text of one indexed document, for "show in context" and for extraction."""

    meta: DocumentMeta
    text: str
    page_starts: tuple[int, ...] = ()  # offset where page 1, 2, ... begins; () when no pages
    sections: tuple[tuple[int, str], ...] = ()  # (start offset, section label) in text order

    def page_at(self, offset: int) -> int | None:
        """The 1-based page holding `offset`, or None for documents without pages."""
        if not self.page_starts:
            return None
        page = 0
        for page, start in enumerate(self.page_starts, 1):
            if start > offset:
                return max(page - 1, 1)
        return page

    def section_at(self, offset: int) -> str:
        """The label of the section holding `offset` ("" before the first heading)."""
        label = ""
        for start, name in self.sections:
            if start > offset:
                break
            label = name
        return label
