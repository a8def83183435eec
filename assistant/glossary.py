"""A bilingual glossary of Swedish municipal HR terms (corpus/glossary.toml).

It does three jobs. `expand` turns the English HR words of a question ("exit interviews",
"sick leave") and the acronyms in any question ("SAM") into the Swedish terms the documents use,
so retrieval can find Swedish passages for English questions. `define` recognises "what is X?"
questions about a glossary term, so the assistant can explain it. `search` backs the glossary
view of the UI.

Matching rules: English phrases match case-insensitively on word boundaries, with plural -s/-es
(and -y/-ies), hyphens or spaces between words, and the longest phrase winning where two
overlap. Acronyms match case-sensitively ("SAM" is not "samarbete", "IL" is not "Ilska").
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.errors import CorpusError

_FIELDS = {"sv", "en", "explanation_sv", "explanation_en", "acronym", "expansion_sv", "variants"}
_REQUIRED = ("sv", "en", "explanation_sv", "explanation_en")
# Swedish alphabetical order: å, ä, ö come after z (Python's code-point order puts ä before å).
_SWEDISH_ORDER = str.maketrans(
    {"å": "z\u0001", "ä": "z\u0002", "ö": "z\u0003", "æ": "z\u0002", "ø": "z\u0003"}
)
_QUOTES = "\"'‘’“”«»`"


@dataclass(frozen=True, slots=True)
class Term:
    sv: str  # Swedish term, lower case unless an acronym or a name
    en: tuple[str, ...]  # English equivalents, lower case
    explanation_sv: str
    explanation_en: str
    acronym: bool = False
    expansion_sv: str = ""  # what an acronym stands for, in Swedish
    variants: tuple[str, ...] = ()  # other Swedish forms: inflections, compounds, spellings

    def names(self) -> tuple[str, ...]:
        """Every Swedish form that names the term: sv, expansion and variants."""
        return tuple(n for n in (self.sv, self.expansion_sv, *self.variants) if n)

    def swedish(self) -> tuple[str, ...]:
        """What a match of the term adds to a query: the term and, for acronyms, the expansion."""
        return tuple(dict.fromkeys(n for n in (self.sv, self.expansion_sv) if n))


class Glossary:
    """The terms of a glossary file, with matchers built once."""

    def __init__(self, terms: Iterable[Term] = ()) -> None:
        self.terms: tuple[Term, ...] = tuple(terms)
        phrases: dict[str, list[Term]] = {}
        for term in self.terms:
            for phrase in term.en:
                key = _fold(phrase)
                if key and term not in phrases.setdefault(key, []):
                    phrases[key].append(term)
        # Longest first: where two phrases overlap the longer one wins.
        self._english = [
            (re.compile(_english_pattern(key), re.IGNORECASE), tuple(terms_))
            for key, terms_ in sorted(phrases.items(), key=lambda kv: (-len(kv[0]), kv[0]))
        ]
        self._acronyms = [
            (re.compile(rf"(?<!\w){re.escape(form)}(?!\w)"), term)
            for term in self.terms
            if term.acronym
            for form in _acronym_forms(term)
        ]
        self._by_name: dict[str, list[Term]] = {}
        for term in self.terms:
            for name in (*term.names(), *term.en):
                for key in {_fold(name), _singular(_fold(name))}:
                    if key and term not in self._by_name.setdefault(key, []):
                        self._by_name[key].append(term)

    def __len__(self) -> int:
        return len(self.terms)

    def __iter__(self) -> Iterator[Term]:
        return iter(self.terms)

    @classmethod
    def load(cls, path: Path) -> Glossary:
        """Read a glossary TOML file of [[term]] tables; a missing file gives an empty glossary.

        Raises:
            CorpusError: the file is not valid TOML, or an entry lacks a field or has a wrong
                one; the message names the file and the entry.
        """
        if not path.is_file():
            return cls()
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise CorpusError(f"{path}: not valid TOML ({exc})") from exc
        raw_terms = data.get("term", [])
        if not isinstance(raw_terms, list):
            raise CorpusError(f"{path}: 'term' must be an array of tables, written [[term]]")
        terms: list[Term] = []
        seen: dict[str, int] = {}
        for n, raw in enumerate(raw_terms, 1):
            term = _parse_term(raw, f"{path}: [[term]] number {n}")
            if term.sv.casefold() in seen:
                raise CorpusError(
                    f"{path}: [[term]] number {n} ({term.sv!r}) repeats number {seen[term.sv.casefold()]}"
                )
            seen[term.sv.casefold()] = n
            terms.append(term)
        return cls(terms)

    def expand(self, question: str) -> list[str]:
        """Swedish terms for the English HR phrases and the acronyms in `question`.

        An English phrase adds its term (and, for an acronym, the expansion): "exit interviews"
        gives "avslutningssamtal". An acronym written in the question adds its expansion: "SAM"
        gives "systematiskt arbetsmiljöarbete". Results follow the order of the question,
        without repeats; [] when nothing matches.
        """
        return self.expand_and_rest(question)[0]

    def expand_and_rest(self, question: str) -> tuple[list[str], str]:
        """`expand`'s terms, and `question` with what they matched blanked out (same length), so
        that the rest can be looked up word by word without counting a phrase twice."""
        found = sorted(self._matches(question), key=lambda match: match[0])
        chars = list(question)
        for start, end, _ in found:
            chars[start:end] = " " * (end - start)
        return list(dict.fromkeys(word for _, _, words in found for word in words)), "".join(chars)

    def _matches(self, question: str) -> list[tuple[int, int, tuple[str, ...]]]:
        """(start, end, Swedish words) of every English phrase and acronym found."""
        taken: list[tuple[int, int]] = []
        found: list[tuple[int, int, tuple[str, ...]]] = []
        for pattern, terms in self._english:
            for m in pattern.finditer(question):
                if any(m.start() < end and start < m.end() for start, end in taken):
                    continue
                taken.append((m.start(), m.end()))
                found.append((m.start(), m.end(), tuple(w for term in terms for w in term.swedish())))
        for pattern, term in self._acronyms:
            for m in pattern.finditer(question):
                found.append((m.start(), m.end(), (term.expansion_sv or term.sv,)))
        return found

    def search(self, query: str, limit: int = 20) -> list[Term]:
        """Terms matching `query` in any language, best first, at most `limit`.

        Whole-name matches rank above prefixes, prefixes above substrings, and those above
        mentions in the explanations. An empty query lists every term in Swedish alphabetical
        order.
        """
        q = _fold(query)
        if not q:
            return sorted(self.terms, key=_sort_key)
        scored = [(s, t) for t in self.terms if (s := _score(t, q)) > 0]
        scored.sort(key=lambda st: (-st[0], _sort_key(st[1])))
        return [t for _, t in scored[: max(limit, 0)]]

    def define(self, question: str) -> Term | None:
        """The term `question` asks the meaning of ("what is X?", "vad betyder X?"), else None.

        Only questions about the term itself count: "What is staff turnover?" does, "What was
        the staff turnover in 2020?" does not.
        """
        text = question.strip().rstrip("?!. ").strip()
        for pattern in _DEFINE:
            m = pattern.match(text)
            if m and (term := self.lookup(m.group("x"))):
                return term
        return None

    def lookup(self, name: str) -> Term | None:
        """The term named exactly `name` (Swedish, English, acronym or variant), else None."""
        name = name.strip().strip(_QUOTES + " ").strip()
        name = _TRAILING.sub("", name).strip().strip(_QUOTES + " ")
        name = _LEADING.sub("", name).strip().strip(_QUOTES + " ")
        if not name:
            return None
        for term in self.terms:  # an acronym written as such wins over a word that folds to it
            if term.acronym and name in _acronym_forms(term):
                return term
        for key in (_fold(name), _singular(_fold(name))):
            if key in self._by_name:
                return self._by_name[key][0]
        return None


def _parse_term(raw: Any, where: str) -> Term:
    if not isinstance(raw, dict):
        raise CorpusError(f"{where}: must be a table")
    label = f"{where} ({raw['sv']!r})" if isinstance(raw.get("sv"), str) else where
    missing = [k for k in _REQUIRED if k not in raw]
    if missing:
        raise CorpusError(f"{label}: missing {', '.join(missing)}")
    unknown = sorted(set(raw) - _FIELDS)
    if unknown:
        raise CorpusError(f"{label}: unknown fields {unknown}")
    for key in ("sv", "explanation_sv", "explanation_en", "expansion_sv"):
        if key in raw and not (isinstance(raw[key], str) and raw[key].strip()):
            raise CorpusError(f"{label}: {key} must be a non-empty string")
    for key in ("en", "variants"):
        value = raw.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise CorpusError(f"{label}: {key} must be a list of non-empty strings")
    acronym = raw.get("acronym", False)
    if not isinstance(acronym, bool):
        raise CorpusError(f"{label}: acronym must be true or false")
    if acronym and "expansion_sv" not in raw:
        raise CorpusError(f"{label}: an acronym needs expansion_sv")
    return Term(
        sv=raw["sv"].strip(),
        en=tuple(" ".join(v.split()) for v in raw["en"]),
        explanation_sv=raw["explanation_sv"].strip(),
        explanation_en=raw["explanation_en"].strip(),
        acronym=acronym,
        expansion_sv=raw.get("expansion_sv", "").strip(),
        variants=tuple(v.strip() for v in raw.get("variants", [])),
    )


def _fold(text: str) -> str:
    return " ".join(text.replace("’", "'").casefold().split())


def _singular(word: str) -> str:
    """A crude English singular, enough for glossary phrases ("policies" -> "policy")."""
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("ses", "xes", "ches", "shes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith("ss") and len(word) > 3:
        return word[:-1]
    return word


def _english_pattern(phrase: str) -> str:
    words = re.split(r"[\s-]+", phrase)
    last = words[-1]
    if re.search(r"[^aeiou]y$", last):
        tail = re.escape(last[:-1]) + "(?:y|ies)"
    elif last.endswith(("s", "x", "ch", "sh")):
        tail = re.escape(last) + "(?:es)?"
    else:
        tail = re.escape(last) + "(?:s|es)?"
    body = r"[\s-]+".join([*(re.escape(w) for w in words[:-1]), tail])
    return rf"(?<!\w){body}(?:'s|’s)?(?!\w)"


def _acronym_forms(term: Term) -> tuple[str, ...]:
    """The spellings of an acronym matched case-sensitively: the term and all-caps variants."""
    forms = [term.sv, *(v for v in term.variants if v.upper() == v and v.casefold() == term.sv.casefold())]
    return tuple(dict.fromkeys(forms))


def _sort_key(term: Term) -> str:
    return term.sv.casefold().translate(_SWEDISH_ORDER)


def _score(term: Term, q: str) -> float:
    sv = _fold(term.sv)
    others = [_fold(x) for x in (*term.en, term.expansion_sv, *term.variants) if x]
    singular = _singular(q)
    if q == sv or (term.acronym and q == _fold(term.expansion_sv)):
        score = 100.0
    elif q in others or singular in others:
        score = 90.0
    elif sv.startswith(q):
        score = 70.0
    elif any(o.startswith(q) for o in others):
        score = 60.0
    elif q in sv:
        score = 50.0
    elif any(q in o for o in others):
        score = 40.0
    else:
        score = 0.0
    explanations = _fold(f"{term.explanation_sv} {term.explanation_en}")
    if q in explanations:
        score += 20.0 if score == 0 else 1.0
    elif score == 0:
        words = [w for w in re.findall(r"\w+", q) if len(w) >= 3]
        hits = sum(w in explanations for w in words)
        score = 10.0 * hits / len(words) if words else 0.0
    return score


# "What is X?" in the forms people write it. X is tried against the glossary as a whole, so a
# question that merely starts like a definition ("what is the turnover in 2020") finds nothing.
_DEFINE = [
    re.compile(p, re.IGNORECASE)
    for p in (
        r"^what\s+(?:does|do)\s+(?:an?\s+|the\s+)?(?P<x>.+?)\s+(?:mean|stand\s+for|refer\s+to)$",
        r"^what\s+(?:is|are)\s+meant\s+by\s+(?:an?\s+|the\s+)?(?P<x>.+)$",
        r"^(?:so\s+|and\s+)?what(?:'s|’s|\s+is|\s+are)\s+(?:an?\s+|the\s+)?(?P<x>.+)$",
        r"^(?:what\s+is\s+)?the\s+(?:meaning|definition)\s+of\s+(?:an?\s+|the\s+)?(?P<x>.+)$",
        r"^(?:please\s+)?(?:define|explain)\s+(?:the\s+term\s+|the\s+word\s+)?(?P<x>.+)$",
        r"^vad\s+står\s+(?P<x>.+?)\s+för$",
        r"^vad\s+(?:är|betyder|innebär)\s+(?:en\s+|ett\s+)?(?P<x>.+)$",
        r"^vad\s+menas\s+(?:det\s+)?med\s+(?:en\s+|ett\s+)?(?P<x>.+)$",
        r"^(?:kan\s+du\s+)?(?:förklara|definiera)\s+(?:begreppet\s+|ordet\s+|termen\s+)?(?P<x>.+)$",
    )
]
_LEADING = re.compile(
    r"^(?:the\s+)?(?:term|word|acronym|abbreviation|förkortningen|begreppet|ordet|termen)\s+", re.IGNORECASE
)
_TRAILING = re.compile(
    r"\s+(?:in\s+english|in\s+swedish|på\s+engelska|på\s+svenska|för\s+något|för\s+nåt|egentligen|"
    r"exactly|actually|in\s+this\s+context|i\s+det\s+här\s+sammanhanget)$",
    re.IGNORECASE,
)
