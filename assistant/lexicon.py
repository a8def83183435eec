"""English words to the Swedish words of municipal documents (corpus/lexicon.tsv).

The glossary names HR terms; an English question also asks with everyday words ("score",
"adopted", "website", "buying out managers") that the Swedish text writes as "poäng", "antogs",
"hemsida", "köpts ut chefer". Without them the lexical side of an English question sees only its
glossary terms and names, and the dense model alone ranks the right passage first too rarely.

The file lists Swedish words of the domain (taken from the bundled corpus and a municipality's
meeting archive, the most used first) with their English glosses:

    personalomsättningen<TAB>staff turnover; employee turnover; turnover

Lookup goes the other way: the English question's words, stemmed with the English Snowball
stemmer, find every Swedish word glossed with them; two- and three-word glosses ("exit
interview", "buy out") win over their single words. Each English word or phrase gives one
*concept*: a group of Swedish alternatives of which a passage needs only one (retrieval scores a
group by its best term, so a word with five translations does not count five times).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .errors import CorpusError
from .lexical import stemmer

_MAX_PHRASE = 4
# Letters of other languages belong to the word: "chefsöverenskommelser" holds no English "chefs".
_WORD = re.compile(r"[a-zà-öø-ÿ]+(?:'[a-z]+)?")
# Two words that make a preposition: "weakest relative to the points" speaks of no relative.
_PREPOSITIONS = frozenset(
    (w, "to")
    for w in "relative prior due subject according compared close next thanks owing related equal".split()
)
# English words that carry no subject: a question's function words, and its verbs of asking.
_STOP = frozenset(
    """a about above after again against all also am an and any are as at be been before being
    below between both but by can could did do does doing done down during each either else
    ever every few for from further get gets getting give given go going got had has have having
    he her here hers him his how i if in into is it its itself just know last let like may me
    might more most much must my near need no nor not now of off often on once one only or other
    our out over own please put rather really same say said says see she should since so some
    still such tell than that the their them then there these they thing things this those
    through to too under until up upon us use used very want was way we well were what whatever
    when where whether which while who whom whose why will with within without would yes yet you
    your according anything something someone somebody many kind
    fairly quite pretty actually basically hi hello thanks mention mentions mentioned mentioning""".split()
)

_ARTICLES = frozenset(["a", "an", "the", "to"])
_HYPHENATED = re.compile(r"[A-Za-z]+(?:-[A-Za-z]+)+")


def _stem(word: str) -> str:
    return stemmer("english").stemWord(word)


def _singular(word: str) -> str:
    """A plural's singular, and nothing more: "adopted" stays apart from "adoption", which the
    stemmer would make one word ("adopt")."""
    word = word.removesuffix("'s")
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def english_words(text: str) -> list[str]:
    return _WORD.findall(text.lower().replace("’", "'"))


@dataclass(frozen=True, slots=True)
class Concept:
    """One English word or phrase of a question and the Swedish words that may stand for it."""

    english: str
    swedish: tuple[str, ...]


class Lexicon:
    """English stems -> Swedish words, built once from the file's lines."""

    def __init__(self, entries: Iterable[tuple[str, Iterable[str]]] = (), *, exact: bool = False) -> None:
        # Stemmed English matches "adopted" to "adopt": right for glosses of the documents' own
        # words, too loose for a topic list ("adoption"), which `exact` matches in singular only.
        self._exact = exact
        self._stem = _singular if exact else _stem
        self._by_key: dict[tuple[str, ...], list[str]] = {}
        # A topic list's Swedish word or phrase, in each of its inflections -> the English it
        # stands for (`swedish_words`).
        self._swedish: dict[str, set[tuple[str, ...]]] = {}
        self.size = 0
        for swedish, glosses in entries:
            self.size += 1
            keys = [key for gloss in glosses if (key := _key(gloss, self._stem))]
            words = swedish.split()
            # "sam" (SAM) would make "samt" a topic; a phrase ("rökfri arbetstid") inflects its last word.
            if (
                exact
                and all(w.isalpha() for w in words)
                and len(words) <= _MAX_PHRASE
                and len(words[-1]) >= 4
            ):
                for form in _swedish_forms(words[-1]):
                    self._swedish.setdefault(" ".join([*words[:-1], form]), set()).update(keys)
            for key in keys:
                if swedish not in (found := self._by_key.setdefault(key, [])):
                    found.append(swedish)

    def __len__(self) -> int:
        return self.size

    @classmethod
    def load(cls, path: Path, *, english_first: bool = False) -> Lexicon:
        """Read a lexicon file; a missing file gives an empty lexicon.

        Lines are "swedish<TAB>gloss; gloss; ..." (with `english_first`, "english<TAB>swedish;
        swedish; ...", as in corpus/vocabulary.tsv); blank lines and lines starting with # are
        skipped.

        Raises:
            CorpusError: a line without exactly one tab, or without a word on either side;
                the message names the file and the line number.
        """
        if not path.is_file():
            return cls()
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except UnicodeDecodeError as exc:
            raise CorpusError(f"{path}: not UTF-8 text ({exc})") from exc
        entries = []
        for n, line in enumerate(lines, 1):
            if not line.strip() or line.startswith("#"):
                continue
            fields = line.split("\t")
            glosses = [g.strip() for g in fields[-1].split(";") if g.strip()] if len(fields) == 2 else []
            if len(fields) != 2 or not fields[0].strip() or not glosses:
                shape = "english<TAB>swedish; swedish" if english_first else "swedish<TAB>english; english"
                raise CorpusError(f"{path}: line {n}: expected '{shape}', got {line[:80]!r}")
            if english_first:
                entries += [(swedish.lower(), [fields[0].strip()]) for swedish in glosses]
            else:
                entries.append((fields[0].strip().lower(), glosses))
        return cls(entries, exact=english_first)

    def concepts(self, question: str) -> list[Concept]:
        """The English words and phrases of `question` the lexicon knows, in question order.

        A phrase of two or three words wins over its words ("exit interview" is one concept,
        not "exit" and "interview"); function words are never looked up on their own.
        """
        if self._exact:  # "long-term" is no "term" (a semester) of a topic list
            question = _HYPHENATED.sub(" ", question)
        tokens = english_words(question)
        stems = [self._stem(t) for t in tokens]
        out: list[Concept] = []
        i = 0
        while i < len(tokens):
            matched = 0
            for n in range(min(_MAX_PHRASE, len(tokens) - i), 0, -1):
                if n == 1 and (tokens[i] in _STOP or tuple(tokens[i : i + 2]) in _PREPOSITIONS):
                    break
                if swedish := self._by_key.get(tuple(stems[i : i + n])):
                    out.append(Concept(" ".join(tokens[i : i + n]), tuple(swedish)))
                    matched = n
                    break
            i += matched or 1
        return out

    def swedish_words(self, question: str) -> list[tuple[str, tuple[str, ...]]]:
        """The words and phrases of a Swedish question that are entries of a topic list, in any
        inflection ("gåvor" for the entry "gåva", "rökfria arbetstiden" not, "rökfri arbetstiden"
        yes), each with every Swedish word of the entries that share its English ("dagis":
        "förskola", "barnomsorg"), in question order."""
        tokens = re.findall(r"[a-zåäöéü]+", question.lower())
        out = {}
        for i in range(len(tokens)):
            for n in range(min(_MAX_PHRASE, len(tokens) - i), 0, -1):
                words = " ".join(tokens[i : i + n])
                if len(words) >= 4 and words in self._swedish and words not in out:
                    others = (s for key in sorted(self._swedish[words]) for s in self._by_key.get(key, ()))
                    out[words] = tuple(dict.fromkeys([words, *others]))
        return list(out.items())


# A noun's endings: inflections, not the stemmer's stems, so that a verb ("ersätta") is not taken
# for a noun of the same stem ("ersättare").
_ENDINGS = ("", "n", "en", "et", "na", "er", "ar", "or", "erna", "arna", "orna", "s", "ns", "ens", "ets", "t")


def _swedish_forms(word: str) -> set[str]:
    forms = {word + e for e in _ENDINGS}
    if word[-1] in "ae":  # "gåva": "gåvan", "gåvor"; "yrke": "yrket", "yrken"
        forms |= {word[:-1] + e for e in _ENDINGS if e[:1] in ("a", "e", "o")}
    return forms


def _key(gloss: str, stem=_stem) -> tuple[str, ...]:
    if any(c.isdigit() for c in gloss):  # "80-90-100 model" is no key "model"
        return ()
    words = english_words(gloss)
    while words and words[0] in _ARTICLES:  # "to decide", "the council": the word is the key
        words = words[1:]
    if not words or (len(words) == 1 and words[0] in _STOP) or len(words) > _MAX_PHRASE:
        return ()
    return tuple(stem(w) for w in words)
