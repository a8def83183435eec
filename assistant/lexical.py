"""BM25 for Swedish: Snowball stemming plus splitting of compounds into words the corpus uses.

Swedish writes compounds as one word ("kompetensförsörjningsstrategi", "avslutningssamtal"), so
a plain BM25 never matches "kompetensförsörjning" or "samtal" against them. Each long word is
split into parts that occur as words of their own in the corpus (allowing the linking "s" of
"kompetens|s|försörjning"), and the word is indexed as its stem and its parts' stems.

The index is derived from the store's chunks and cached on disk under the store's fingerprint,
which changes with every document version, so it can never drift out of step with Chroma.
"""

from __future__ import annotations

import pickle
import re
import threading
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import snowballstemmer
from scipy import sparse

from .types import Chunk, DocumentMeta, Filters

_WORD = re.compile(r"[a-zåäöéü0-9]+(?:[-/][a-zåäöéü0-9]+)*", re.IGNORECASE)
_MIN_PART = 4  # shorter parts ("ar", "tal") split far too many words wrongly
_MIN_COMPOUND = 9
# Function words and question words: they match everywhere and would drown the content words.
_STOP = frozenset(
    [
        "och",
        "i",
        "att",
        "det",
        "som",
        "en",
        "på",
        "är",
        "av",
        "för",
        "med",
        "till",
        "den",
        "har",
        "de",
        "inte",
        "om",
        "ett",
        "var",
        "jag",
        "men",
        "så",
        "han",
        "vi",
        "sig",
        "från",
        "hur",
        "vad",
        "kan",
        "när",
        "ska",
        "skall",
        "eller",
        "under",
        "vid",
        "även",
        "samt",
        "detta",
        "dessa",
        "denna",
        "deras",
        "dess",
        "sina",
        "sitt",
        "sin",
        "också",
        "mot",
        "efter",
        "utan",
        "hade",
        "blir",
        "bli",
        "blev",
        "man",
        "mycket",
        "finns",
        "alla",
        "andra",
        "annat",
        "vilken",
        "vilket",
        "vilka",
        "vem",
        "vems",
        "varför",
        "enligt",
        "sa",
        "säger",
        "sagt",
        "gav",
        "ger",
        "fick",
        "får",
        "kommer",
        "något",
        "några",
        "många",
        "the",
        "a",
        "an",
        "of",
        "to",
        "in",
        "and",
        "or",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "what",
        "which",
        "who",
        "whom",
        "how",
        "does",
        "did",
        "do",
        "about",
        "on",
        "for",
        "with",
        "from",
        "by",
        "at",
        "as",
        "that",
        "this",
        "these",
        "those",
        "it",
        "its",
        "their",
        "there",
        "any",
        "all",
        "can",
        "could",
        "should",
        "would",
        "will",
        "say",
        "said",
        "says",
        "according",
        "when",
        "why",
        "where",
        "has",
        "have",
        "had",
        "get",
        "got",
        "give",
        "gave",
    ]
)
CACHE_FORMAT = "12"


_local = threading.local()


def stemmer(language: str = "swedish") -> snowballstemmer.stemmer:
    # One per thread and language: a snowball stemmer keeps state between calls and is not
    # thread-safe (the web app answers many users at once).
    stemmers = _local.__dict__.setdefault("stemmers", {})
    if language not in stemmers:
        stemmers[language] = snowballstemmer.stemmer(language)
    return stemmers[language]


def words(text: str) -> list[str]:
    # A possessive is the name's ("Alingsås's", "SKR:s"), not a word "s" of its own. A PDF glues
    # a footnote's mark to the word it follows ("gap-analyser7", "kompetensgap9").
    return [_FOOTNOTE_MARK.sub("", w.lower()) for w in _WORD.findall(_POSSESSIVE.sub("", text))]


_FOOTNOTE_MARK = re.compile(r"(?<=[a-zåäöéü]{4})\d{1,2}$")


_POSSESSIVE = re.compile(r"(?<=\w)['’:]s\b")  # "Alingsås's", "SKR:s"


class Analyzer:
    """Text -> index terms: stems of words and of the compound parts the vocabulary knows."""

    def __init__(self, vocabulary: Iterable[str]) -> None:
        self._vocab = frozenset(w for w in vocabulary if len(w) >= _MIN_PART and w.isalpha())
        self._splits: dict[tuple[str, bool], tuple[str, ...]] = {}

    def terms(self, text: str, split_known: bool = False) -> list[str]:
        """Index terms of `text`. With `split_known`, a compound the documents also write whole
        ("internkommunikationen") adds its parts too, for text that writes it open ("Intern
        kommunikation"); the index itself keeps such words whole, as parts would count twice."""
        stem = stemmer().stemWord
        out: list[str] = []
        for word in words(text):
            if word in _STOP:
                continue
            out.append(stem(word))
            if len(word) >= _MIN_COMPOUND and word.isalpha():
                parts = self.split(word, split_known)
                if len(parts) > 1:
                    out.extend(stem(p) for p in parts)
        return out

    def split(self, word: str, split_known: bool = False) -> tuple[str, ...]:
        """The fewest vocabulary words that make up `word`, else (word,): a word of the
        vocabulary is its own fewest, unless `split_known` asks for its parts."""
        key = (word, split_known)
        if key not in self._splits:
            self._splits[key] = self._split(word, split_known) or (word,)
        return self._splits[key]

    def _split(self, word: str, split_known: bool = False) -> tuple[str, ...] | None:
        n = len(word)
        # best[i]: fewest parts covering word[:i]; a part may be followed by a linking "s".
        best: list[tuple[str, ...] | None] = [None] * (n + 1)
        best[0] = ()
        for i in range(n):
            if best[i] is None or (i and len(best[i]) >= 4):  # type: ignore[arg-type]
                continue
            for j in range(i + _MIN_PART, n + 1):
                piece = word[i:j]
                if split_known and i == 0 and j == n:
                    continue
                if piece not in self._vocab and not (j == n and _inflected_in(piece, self._vocab)):
                    continue
                for end in (j, j + 1) if j < n and word[j] == "s" else (j,):
                    cand = (*best[i], piece)  # type: ignore[misc]
                    if best[end] is None or len(cand) < len(best[end]):  # type: ignore[arg-type]
                        best[end] = cand
        result = best[n]
        return result if result and len(result) > 1 else None


def _inflected_in(piece: str, vocab: frozenset[str]) -> bool:
    # The last part may carry an inflection the corpus never writes on its own ("samtalen").
    return any(
        piece.endswith(suffix) and piece[: -len(suffix)] in vocab for suffix in ("en", "na", "er", "ar", "et")
    )


class LexicalIndex:
    """BM25 (k1 1.2, b 0.75) over the current chunks, as a sparse matrix: a query is a mat-vec."""

    def __init__(
        self, chunks: Sequence[Chunk], titles: dict[str, str], k1: float = 1.2, b: float = 0.75
    ) -> None:
        self.chunks = list(chunks)
        vocab = Counter(w for c in self.chunks for w in words(c.text))
        vocab.update(w for t in titles.values() for w in words(t))
        self.analyzer = Analyzer(w for w, n in vocab.items() if n >= 1)
        docs = [
            self.analyzer.terms(f"{titles.get(c.doc_id, '')} {c.section_label} {c.text}") for c in self.chunks
        ]
        self.term_ids: dict[str, int] = {}
        rows, cols, vals = [], [], []
        for row, terms in enumerate(docs):
            for term, tf in Counter(terms).items():
                rows.append(row)
                cols.append(self.term_ids.setdefault(term, len(self.term_ids)))
                vals.append(tf)
        n_docs, n_terms = len(docs), len(self.term_ids)
        tf_matrix = sparse.csr_matrix((vals, (rows, cols)), shape=(n_docs, max(n_terms, 1)), dtype=np.float32)
        lengths = np.array([len(d) for d in docs], dtype=np.float32)
        avg = float(lengths.mean()) if n_docs else 1.0
        df = np.bincount(np.array(cols, dtype=np.int64), minlength=max(n_terms, 1)) if cols else np.zeros(1)
        self.idf = np.log(1 + (n_docs - df + 0.5) / (df + 0.5)).astype(np.float32)
        # Precompute the BM25 weight of every (chunk, term) so a query only sums columns.
        coo = tf_matrix.tocoo()
        norm = k1 * (1 - b + b * lengths[coo.row] / max(avg, 1e-9))
        weights = coo.data * (k1 + 1) / (coo.data + norm) * self.idf[coo.col]
        self.matrix = sparse.csc_matrix((weights, (coo.row, coo.col)), shape=tf_matrix.shape)
        self.keys = [(c.doc_id, c.ordinal) for c in self.chunks]
        self._document_texts: dict[str, str] = {}  # filled per document, when asked
        # Every word the documents use, unstemmed and split at hyphens and digits ("OSA12-ronden"
        # holds "osa"): to tell a word the corpus never uses from one it uses elsewhere.
        self.surface = (
            frozenset(w for c in self.chunks for w in re.findall(r"[a-zåäöéü]+", c.text.lower()))
            | frozenset(w for t in titles.values() for w in re.findall(r"[a-zåäöéü]+", t.lower()))
            | frozenset(w for c in self.chunks for w in elided_compounds(c.text))
        )

    def document_text(self, doc_id: str) -> str:
        """One document's indexed text, lower-cased: to ask whether it names something anywhere."""
        # Only the documents a question asks about: a copy of every chunk's text would double the
        # index's memory on a large archive.
        if doc_id not in self._document_texts:
            texts = (c.text.lower() for c in self.chunks if c.doc_id == doc_id)
            self._document_texts[doc_id] = "\n".join(texts)
        return self._document_texts[doc_id]

    def document_terms(self, doc_id: str) -> frozenset[str]:
        """One document's index terms: to ask whether it speaks of something anywhere."""
        # (Created here, not in __init__: an index unpickled from an older cache has no such field.)
        cache = self.__dict__.setdefault("_document_terms", {})
        if doc_id not in cache:
            cache[doc_id] = frozenset(self.analyzer.terms(self.document_text(doc_id)))
        return cache[doc_id]

    def uses_prefix(self, prefix: str) -> bool:
        """Whether a word of the documents begins with `prefix` (an inflection, a compound's
        first part): a binary search, not a scan of every word."""
        return bool(self.words_with_prefix(prefix, limit=1))

    def words_with_prefix(self, prefix: str, limit: int | None = None) -> list[str]:
        """The words of the documents that begin with `prefix` (at most `limit`), in order."""
        words = self.__dict__.get("_sorted_surface")
        if words is None:
            words = self.__dict__["_sorted_surface"] = sorted(self.surface)
        out = []
        for w in words[bisect_left(words, prefix) :]:
            if not w.startswith(prefix) or (limit is not None and len(out) >= limit):
                break
            out.append(w)
        return out

    def uses_suffix(self, suffix: str) -> bool:
        """Whether a word of the documents ends with `suffix` (a compound's head: "julgåvan")."""
        ends = self.__dict__.get("_sorted_reversed")
        if ends is None:
            ends = self.__dict__["_sorted_reversed"] = sorted(w[::-1] for w in self.surface)
        key = suffix[::-1]
        i = bisect_left(ends, key)
        return i < len(ends) and ends[i].startswith(key)

    def uses_inner(self, part: str) -> bool:
        """Whether a word of the documents holds `part` anywhere (a compound's middle part:
        "anteckning" in "personalanteckningssystemet"): one search of all words joined."""
        joined = self.__dict__.get("_joined_surface")
        if joined is None:
            joined = self.__dict__["_joined_surface"] = "\n".join(sorted(self.surface))
        return part in joined

    def uses_phrase(self, stems: Sequence[str]) -> bool:
        """Whether a chunk holds words beginning with these stems, one after the other."""
        pattern = re.compile(r"\b" + r"\w*[\s-]+".join(map(re.escape, stems)), re.IGNORECASE)
        # Only the chunks that hold the last word (its stem is its index term): a phrase is looked
        # for in a few chunks, not in every chunk of a large archive.
        col = self.term_ids.get(stems[-1])
        rows = self.matrix[:, col].nonzero()[0] if col is not None else range(len(self.chunks))
        return any(pattern.search(self.chunks[i].text) for i in rows)

    def query_terms(self, text: str) -> list[str]:
        return [t for t in dict.fromkeys(self.analyzer.terms(text)) if t in self.term_ids]

    def search(
        self,
        text: str,
        k: int,
        filters: Filters | None = None,
        metas: dict[str, DocumentMeta] | None = None,
        groups: Sequence[Sequence[str]] = (),
        group_weight: float = 1.0,
    ) -> list[tuple[Chunk, float]]:
        """The k best chunks for `text`, plus `group_weight` times each group's best term.

        A group holds alternatives for one word of the question (the Swedish translations of an
        English word): a chunk scores for the one it holds best, so a word with many
        translations weighs no more than a word with one.
        """
        terms = self.query_terms(text)
        known = [sorted({self.term_ids[t] for t in group if t in self.term_ids}) for group in groups]
        group_cols = [cols for cols in known if cols]
        if not (terms or group_cols) or not self.chunks:
            return []
        scores = np.zeros(len(self.chunks), dtype=np.float32)
        if terms:
            scores += np.asarray(self.matrix[:, [self.term_ids[t] for t in terms]].sum(axis=1)).ravel()
        for cols in group_cols:
            scores += group_weight * self.matrix[:, cols].max(axis=1).toarray().ravel()
        if filters is not None and metas is not None and not (filters.is_empty() and filters.groups is None):
            admitted = {d for d, m in metas.items() if filters.admits(m)}
            mask = np.fromiter(
                (c.doc_id in admitted for c in self.chunks), dtype=bool, count=len(self.chunks)
            )
            scores = np.where(mask, scores, 0.0)
        top = np.argsort(-scores)[:k]
        return [(self.chunks[i], float(scores[i])) for i in top if scores[i] > 0]

    def word_terms(self, swedish: Sequence[str]) -> list[str]:
        """The index terms of Swedish words and their compound parts, where indexed."""
        # A translation is one spelling of the word; the documents may write the compound open.
        found = [t for phrase in swedish for t in self.analyzer.terms(phrase, split_known=True)]
        return [t for t in dict.fromkeys(found) if t in self.term_ids]

    # -- building from the store, with a disk cache ---------------------------------------

    @classmethod
    def for_store(cls, store, cache_dir: Path | None) -> LexicalIndex:
        fingerprint = store.fingerprint()
        path = _cache_path(store, cache_dir, fingerprint)
        if path is not None and path.is_file():
            try:
                with open(path, "rb") as f:
                    index = pickle.load(f)
                if isinstance(index, LexicalIndex):
                    index.fingerprint = fingerprint
                    return index
            except Exception:
                pass
        titles = {d.meta.doc_id: d.meta.title for d in store.documents()}
        index = cls(list(store.iter_chunks()), titles)
        index.fingerprint = fingerprint
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".tmp")
            with open(tmp, "wb") as f:
                pickle.dump(index, f, protocol=pickle.HIGHEST_PROTOCOL)
            tmp.replace(path)  # atomic: a reader sees the old file or the whole new one
            for old in path.parent.glob(f"{path.name.split('-')[0]}-*.pkl"):
                if old != path:
                    old.unlink(missing_ok=True)
        return index

    @classmethod
    def check(cls, store, cache_dir: Path | None) -> list[str]:
        """Whether the lexical index holds exactly the store's current chunks."""
        index = cls.for_store(store, cache_dir)
        want = {(c.doc_id, c.ordinal) for c in store.iter_chunks()}
        have = set(index.keys)
        problems = []
        if want - have:
            problems.append(f"lexical index lacks {len(want - have)} chunks")
        if have - want:
            problems.append(f"lexical index holds {len(have - want)} chunks the store does not")
        return problems


def _cache_path(store, cache_dir: Path | None, fingerprint: str) -> Path | None:
    if cache_dir is None:
        return None
    import hashlib

    where = hashlib.sha1(f"{store.location}|{store.name}|{CACHE_FORMAT}".encode()).hexdigest()[:10]
    return cache_dir / "lexical" / f"{where}-{fingerprint}.pkl"


# "förenings-, kultur- och näringsliv": the first parts share the last compound's head.
_ELIDED = re.compile(
    r"\b((?:[a-zåäö]{3,}-,?\s+)+)(?:och|eller|samt|respektive)\s+([a-zåäö]{6,})", re.IGNORECASE
)
_PART = 3  # letters of a compound's part, at least


def elided_compounds(text: str) -> list[str]:
    """The compounds a text writes with a shared head: "förenings-, kultur- och näringsliv" holds
    "föreningsliv" and "kulturliv". Where the last compound's head begins is not known, so each
    ending of it that leaves a first part is tried ("föreningsringsliv" too, which no question
    asks for)."""
    out = []
    for m in _ELIDED.finditer(text):
        last = m.group(2).lower()
        for first in re.findall(r"([a-zåäö]+)-", m.group(1).lower()):
            out += [first + last[i:] for i in range(_PART, len(last) - _PART + 1)]
    return out


def idf_weight(index: LexicalIndex, term: str) -> float:
    i = index.term_ids.get(term)
    return float(index.idf[i]) if i is not None else 0.0
