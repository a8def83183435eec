"""Checks that the retrieved passages can answer *this* question, not just a similar one.

Similarity alone cannot tell "sick leave in Alingsås 2020" (answered) from "sick leave in
Alingsås 2022" (not answered): both find the same passage. What differs are the question's
specifics: a year, a named municipality or document, a word the corpus never uses. An answer is
only given when one document holds all of them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

from .lexical import Analyzer, LexicalIndex, idf_weight, stemmer, words
from .types import DocumentMeta, Passage

_YEAR = re.compile(r"(?<![\d-])((?:19|20)\d\d)(?![\d-])")
_NAME = re.compile(r"(?<![\w-])([A-ZÅÄÖ][\wåäöéÅÄÖ-]{3,}|[A-ZÅÄÖ]{2,}[a-zåäö]?)(?![\w-])")
# Capitalised words that are not names of anything the corpus has to contain.
_NOT_NAMES = frozenset(
    [
        # currencies: "SEK 16 million" is an amount, not a name
        "sek",
        "eur",
        "usd",
        # assent: "OK, so what made them drop it?"
        "ok",
        "what",
        "which",
        "when",
        "where",
        "who",
        "whom",
        "whose",
        "why",
        "how",
        "does",
        "did",
        "is",
        "are",
        "was",
        "were",
        "will",
        "would",
        "could",
        "should",
        "can",
        "according",
        "the",
        "and",
        "and,",
        "in",
        "on",
        "of",
        "for",
        "from",
        "about",
        "also",
        "what's",
        "who's",
        "vad",
        "vilken",
        "vilket",
        "vilka",
        "när",
        "var",
        "vem",
        "vems",
        "varför",
        "hur",
        "finns",
        "har",
        "kan",
        "ska",
        "fick",
        "får",
        "gav",
        "säger",
        "enligt",
        "och",
        "eller",
        "men",
        "också",
        "sedan",
        "som",
        "det",
        "den",
        "detta",
        "dessa",
        "hon",
        "han",
        "de",
        "dom",
        "vi",
        "jag",
        "audit",
        "auditors",
        "committee",
        "council",
        "board",
        "municipality",
        "municipal",
        "policy",
        "survey",
    ]
)


_HEADING_DASH = re.compile(r"\s*[–—-]\s")
_NEGATED = re.compile(
    r"\b(?:not|inte|ej|except|utom|rather than|snarare än|istället för|instead of|apart from|aside from"
    r"|other than|bortsett från|(?:leaving|setting|putting)(?: the)?)"
    # "(not the Alingsås audit)", "inte i Askersund"
    r"(?:\s+(?:the|i|in|at|on|för|hos|på|from|från))?\s*$",
    re.IGNORECASE,
)


def specifics(question: str) -> tuple[list[str], list[str]]:
    """The years and the names (capitalised words other than the first) a question mentions."""
    years = _YEAR.findall(question)
    names = []
    for i, m in enumerate(_NAME.finditer(question)):
        word = m.group(1)
        at_start = m.start() == 0 or question[: m.start()].rstrip().endswith((".", "?", "!", ":"))
        # "Mölndal – hur många poäng fick de?": a heading word before a dash is what it asks of.
        heading = at_start and _HEADING_DASH.match(question, m.end()) is not None and _is_place_like(word)
        if (at_start and not word.isupper() and not heading) or word.lower() in _NOT_NAMES:
            continue
        if word.endswith("-"):
            continue  # "Chef- och ledarskap": the first part of a compound the next word completes
        if i == 0 and m.start() < 2 and not word.isupper() and not heading:
            continue
        if _NEGATED.search(question[: m.start()]):
            continue  # "In Alingsås (not Askersund)": not what it asks about
        names.append(word)
    return years, names


# Swedish parties: their letters, and their names in Swedish and English.
PARTIES = {
    "S": r"social ?demokrat\w*|social democrats?",
    "M": r"moderat(?:erna|er)?|moderates?",
    "C": r"centerpartiet|cent(?:re|er) party",
    "L": r"liberalerna|liberals?",
    "KD": r"kristdemokrat\w*|christian democrats?",
    "V": r"vänsterpartiet|left party",
    "MP": r"miljöpartiet|green party",
    "SD": r"sverigedemokrat\w*|sweden democrats?",
}


def party_names(question: str, passages: Sequence[Passage]) -> list[str]:
    """The words of the parties a question names that the passages name by their letters."""
    held = " ".join(f"{p.doc.author} {p.chunk.text}" for p in passages)
    return [
        w
        for letters, pattern in PARTIES.items()
        if f"({letters})" in held
        for m in re.finditer(rf"\b(?:{pattern})\b", question, re.IGNORECASE)
        for w in m.group().split()
    ]


# Words about the documents themselves ("avsnitt", "fotnoten") rather than about their subject.
_META = (
    "avsnitt",
    "rapport",
    "fotnot",
    "rubrik",
    "interpellant",
    "dokument",
    "granskning",
    "sammanfattning",
    "förkortning",
    "begrepp",
    "innebörd",
    "betydelse",
    "paragraf",
    "siffr",
    "fråg",
)
# "Jag förbereder ett svar om … – har Alingsås …?": the asker's own errand is not asked about.
# So is a first sentence of the asker's: "Jag förbereder ett svar på interpellationen. Hur många …?"
_PREAMBLE = re.compile(
    r"^[^–:?]*\b(?:jag|vi|mig|oss)\b[^–:?]*[–:]\s*|^[^–:?.]*\b(?:jag|vi|mig|oss)\b[^–:?.]*\.\s+(?=[A-ZÅÄÖ])"
    # "Inför svaret på interpellationen: …", "Ahead of the council debate – …": the asker's task.
    r"|^(?:inför|till|för|ahead of|before|for|preparing)\s[^–:?]*"
    r"\b(?:svar\w*|repl\w*|answer\w*|möte\w*|meeting\w*|debatt\w*|debate\w*|sammanträde\w*)\b[^–:?]*[–:]\s*",
    re.IGNORECASE,
)
# Supine, past and passive endings: a verb form the documents do not use says nothing of whether
# they treat the subject (their subjects are nouns: "uppsägningstid", "friskvårdstimme").
_VERB_FORM = re.compile(
    # … "kontrollerar", "sammansatt"; but nouns end so too: "förskoleplats", "valresultat".
    r"(?<!pl)(?<!result)(?<!mand)(?<!kandid)(?<!form)(?<!klim)(?<!cit)(?<!certifik)(?<!sekretari)"
    r"(?<!kred)(?<!mer)(?<!favor)(?:it|its|at|ats|ade|ades|erar|satt)$"
)
_DROPPED_E = re.compile(r"(?<=[^aeiouyåäö])([rl])(?:et|en|ets|ens|na|arna|ar)$")
_VERB_NOUN = re.compile(r"(?:ing|tion)(?:en|ar|arna|er|erna)?$")
_VERB_NOUN_STEM = 6
_INNER_PART = 9  # letters of a word found inside a compound of theirs: shorter ones are in many
_MIN_OOV = 10  # short unknown words are mostly verbs and spellings; long ones are the subject
# Long words of talk, not of a subject: "vad är det egentligen …", "ungefär hur många".
_TALK = frozenset(
    """egentligen exempelvis naturligtvis förmodligen antagligen uppenbarligen fortfarande åtminstone
    någonstans framförallt huvudsakligen nödvändigtvis möjligtvis förhoppningsvis tillsammans
    överhuvudtaget sammanfattningsvis därefter hittills ordentligt konkret konkreta specifikt
    specifika tydligare tydligast ytterligare efterlyser efterlyste efterfrågar efterfrågade
    poängterar poängterade understryker framhåller konstaterar nuförtiden fortsättningsvis
    tillfälle tillfällen tillfället resonemang resonemanget""".split()
)


def unknown_words(
    question: str,
    index: LexicalIndex,
    *,
    glossary: bool = False,
    passages: Sequence[Passage] | None = None,
) -> list[str]:
    """Long Swedish words of the question that the documents never use, not even as compound parts.
    With `glossary` the words are the glossary's Swedish for an English question, not the asker's.
    With `passages`, a compound of their words counts as theirs only where one of them holds a
    part of it."""
    out = []
    question = _PREAMBLE.sub("", question)
    for word in re.findall(r"[a-zåäöé]+", question.lower()):
        if len(word) < _MIN_OOV or word in index.surface or word in _TALK or any(m in word for m in _META):
            continue
        if _VERB_FORM.search(word):
            continue  # "föreslagit", "presenterade": the asker's verb, not the subject
        # (A word that begins as this one of ten letters or more is longer than six.)
        if word.rstrip("s") in index.surface or index.uses_prefix(word[:-2]):
            continue
        # Another form of a word they use: "effektivare" for "effektiv"; or one spelt without a
        # linking s ("välfärdsaktör", where they write "Välfärdaktör").
        if (stem := stemmer().stemWord(word)) in index.term_ids:
            continue
        # A verb's noun in -ing or -tion where they use the verb: "formulering" where they write
        # "formuleras", "definition" where they write "definiera".
        if (
            (m := _VERB_NOUN.search(word))
            and len(word) - len(m.group()) >= _VERB_NOUN_STEM
            and index.uses_prefix(word[: m.start()])
        ):
            continue
        # The head of a compound of theirs: "diagrammet" where they write "Spindeldiagrammet".
        if index.uses_suffix(word):
            continue
        # A middle part of one: "anteckningarna" where they write "personalanteckningssystemet".
        if len(stem) >= _INNER_PART and index.uses_inner(stem):
            continue
        # A noun in -er or -el drops its e when inflected: "belastningsregistret" is theirs where
        # they write "belastningsregister".
        if _DROPPED_E.sub(r"e\1", word) in index.surface:
            continue
        if any(word[:i] + word[i + 1 :] in index.surface for i in range(3, len(word) - 3) if word[i] == "s"):
            continue
        # "åtgärdslista", "Alingsåsdokumenten": a list or a document of something of theirs.
        if _contained(word, index):
            continue
        if _misspelt(word, index):
            continue  # "yrkesambasadörerna": their "yrkesambassadörerna", typed in a hurry
        parts = index.analyzer.split(word)
        if not (len(parts) > 1 and all(p in index.surface for p in parts)):
            parts = _known_compound(word, index, glossary=glossary) or _inflected_head(word, index)
        # A compound of their words that they never write ("förskoleplats") is theirs where a
        # passage found for it holds one of its parts: else it names another subject.
        if parts and (passages is None or _parts_together(parts, passages, index)):
            continue
        out.append(word)
    return out


def _contained(word: str, index: LexicalIndex) -> bool:
    """A list or a document of something of theirs: "åtgärdslista" (they write "åtgärder"),
    "alingsåsdokumenten"."""
    m = _CONTAINER_HEAD.search(word)
    first = word[: m.start()] if m else ""
    return len(first) >= 4 and (first in index.surface or index.uses_prefix(first.removesuffix("s")))


def _misspelt(word: str, index: LexicalIndex) -> bool:
    """Whether a word is one of the documents' with one letter left out, added, changed or two
    swapped (after its first two). Only long words are looked at (see `_MIN_OOV`): two short
    words of a language are often one letter apart, two long ones seldom."""
    n = len(word)
    for known in index.words_with_prefix(word[:2]):
        if abs(len(known) - n) > 1:
            continue
        i = next((j for j, (a, b) in enumerate(zip(word, known, strict=False)) if a != b), min(n, len(known)))
        if (
            word[i + 1 :] == known[i + 1 :]  # changed
            or word[i + 1 :] == known[i:]  # added
            or word[i:] == known[i + 1 :]  # left out
            or (word[i : i + 2] == known[i : i + 2][::-1] and word[i + 2 :] == known[i + 2 :])  # swapped
        ):
            return True
    return False


def _parts_together(parts: Sequence[str], passages: Sequence[Passage], index: LexicalIndex) -> bool:
    """Whether one of the top three passages holds a part of a compound, in some form: one that
    holds none ("förskola" nor "plats" for "förskoleplats") is on another subject."""
    wanted = [index.analyzer.terms(part) or [part] for part in parts]
    for p in passages[:3]:
        found = set(index.analyzer.terms(p.chunk.text))
        if any(any(_holds(found, t) for t in terms) for terms in wanted):
            return True
    return False


def unmentioned_topics(
    topics: Iterable[tuple[str, Sequence[str]]], index: LexicalIndex, *, asked_first: bool = False
) -> list[str]:
    """The topics ("retirement gift") none of whose Swedish names ("pensionsgåva", "avgångsgåva")
    the documents use in any form: a subject they never mention.

    With `asked_first` the first name is the asker's own Swedish word, and a compound they may
    have coined from the documents' words ("löneskillnaden") counts as used (see `uses`); the
    other names are the topic list's.
    """
    return [
        topic
        for topic, swedish in topics
        if not any(m in s for s in swedish for m in _META)  # "fråga", "rapport": the asking, not the subject
        and not any(mentions(s, index, asker_compounds=asked_first and n == 0) for n, s in enumerate(swedish))
    ]


# A phrase's function words: not looked up alone. "och" and "eller" make it a pair of topics.
_GLUE = frozenset("och att som för från med till vid mot den det eller under efter samt".split())
_AND_OR = frozenset(["och", "eller", "samt"])


def mentions(swedish: str, index: LexicalIndex, *, asker_compounds: bool = False) -> bool:
    """Whether the documents use a Swedish word in some form, or a phrase with its words in
    some form next to each other ("flexibel arbetstid": both words are common apart). A pair
    ("vision och mål", "alkohol och droger") needs each of its words, anywhere."""
    words = re.findall(r"[a-zåäöéü]+", swedish.lower())
    found = [uses(w, index, asker_compounds=asker_compounds) for w in words if w not in _GLUE]
    if not (found and all(found)):
        return False
    if len(words) == 1 or any(w in _AND_OR for w in words):
        return True
    return index.uses_phrase([stemmer().stemWord(w) for w in words])


def uses(word: str, index: LexicalIndex, *, asker_compounds: bool = False) -> bool:
    """Whether the documents use a Swedish word in some form: inflected ("gåvor" for "gåva",
    "yrkesgrupper" for "yrken"), as a compound's head ("gymnasieskolan" for "skolan"), or split
    into words they use ("handledning": "hand", "ledning").

    `asker_compounds` also accepts a compound whose head they use and whose first part begins a
    word of theirs ("korttidssjukfrånvaron"): how askers coin words, but too loose for a topic
    list's names ("flexavtal" would be "flexibel" + "avtal").
    """
    stem = stemmer().stemWord(word)
    if len(word) < 4 or word in index.surface or stem in index.term_ids:
        return True
    if len(stem) >= 4 and index.uses_prefix(stem):  # "pendlare": "pendlingskommun"
        return True
    prefix = word[:-2] if len(word) >= 8 else word[:-1]  # "yrken": "yrkesgrupper"; not "fle" for "flex"
    if (len(prefix) >= 4 and index.uses_prefix(prefix)) or index.uses_suffix(word):
        return True
    parts = index.analyzer.split(word)
    if len(parts) > 1 and all(p in index.surface for p in parts):
        return True
    # The asker's word may be a middle part of a compound of theirs ("anteckningarna" in
    # "personalanteckningssystemet").
    return asker_compounds and bool(
        _known_compound(word, index)
        or _inflected_head(word, index)
        or (len(stem) >= _INNER_PART and index.uses_inner(stem))
    )


_SIBLING_PREFIX = 7  # letters a compound shares with a document word to be of its family


def has_sibling(word: str, index: LexicalIndex) -> bool:
    """Whether a word of the documents begins as this compound does ("föräldrapenningen" for
    "föräldraledighet"): the documents speak of its family, if not of it."""
    prefix = word[:_SIBLING_PREFIX]
    return len(word) > _SIBLING_PREFIX and index.uses_prefix(prefix)


_FIRST_PART = 5
_INFLECTIONS = ("r", "ar", "er", "or")  # plurals: "löner", "timmar" is no "tim" + one


def _known_compound(word: str, index: LexicalIndex, *, glossary: bool = False) -> tuple[str, str] | None:
    """(first part, head) of a compound whose head is a word of the documents and whose first
    part is one of theirs, in the plural or as its beginning ("löneskillnaden" = "löne-" as in
    "löner" + "skillnaden"); None for any other word."""
    surface = index.surface
    for i in range(3, len(word) - 4):
        head, stem = word[i:], word[:i].rstrip("s")
        if not (head in surface or (len(head) > 7 and index.uses_prefix(head[:-2]))):
            continue
        # An asker's first part of three or four letters begins too many words ("tim-" in "timmar"
        # makes no "timanställda", "tale-" in "talet" no "talesperson"): it must be a word of theirs
        # or one in the plural ("löne-" as in "löner"). The glossary's words are Swedish names of what
        # was asked, and may be spelt either way.
        if (
            stem in surface
            or any(stem + end in surface for end in _INFLECTIONS)
            # "torg-" in "torgundersökningen", where they write "torget"
            or (len(stem) >= 4 and any(stem + end in surface for end in ("en", "et")))
            or ((len(stem) >= _FIRST_PART or glossary) and index.uses_prefix(stem))
            or _two_words(stem, surface)
        ):
            return stem, head
    return None


def _inflected_head(word: str, index: LexicalIndex) -> tuple[str, str] | None:
    """(first part, head) of a compound whose first part is a word of the documents and whose
    head is an inflection of one ("maxpoängen" = "Max" + "poängen", where the documents say
    "poäng"); None for any other word."""
    for i in range(3, len(word) - 3):
        modifier, head = word[:i], word[i:]
        if not (
            modifier.rstrip("s") in index.surface
            or modifier in index.surface
            or _two_words(modifier.rstrip("s"), index.surface)
        ):
            continue
        # A head the documents use only inside their own compounds: "korttidsfrånvaron" where
        # they write "sjukfrånvaron".
        if len(head) >= _COMPOUND_HEAD and index.uses_suffix(head):
            return modifier.rstrip("s"), head
        heads = index.analyzer.terms(head)
        if len(heads) == 1 and heads[0] in index.term_ids and len(heads[0]) >= 4:
            return modifier.rstrip("s"), head
        # A short head in another form of theirs: "personalläget", where they write "läge".
        if any(
            head.endswith(e) and len(head) - len(e) >= 4 and head[: -len(e)] in index.surface
            for e in _HEAD_ENDINGS
        ):
            return modifier.rstrip("s"), head
    return None


_HEAD_ENDINGS = ("t", "n", "na", "en", "et", "ar", "er", "arna", "erna")


_COMPOUND_HEAD = 7  # shorter tails ("ningen", "heten") end words of every kind


def _two_words(modifier: str, surface: frozenset[str]) -> bool:
    """A first part that is two words of the documents ("korttids-" = "kort" + "tid")."""
    return any(modifier[:j] in surface and modifier[j:] in surface for j in range(3, len(modifier) - 2))


# A question term this rare (BM25 idf; "kommun" is far below it) names what the question is about.
_TOPIC_IDF = 1.0


def missing_specifics(
    question: str,
    passages: Sequence[Passage],
    index: LexicalIndex,
    terms: Sequence[str] = (),
    aliases: Mapping[str, Sequence[str]] | None = None,
) -> list[str]:
    """What the question asks about that no single retrieved document holds ([] when fine).

    With the question's index `terms`, the document must also speak of the question's subject
    (one of its rarer terms) in a passage that holds the year: "turnover in 2023" is not answered
    by a document that mentions 2023 only where it speaks of something else, nor "Askersund's
    guideline on remote work" by Askersund's documents on other subjects. `aliases` gives a
    name's Swedish forms ("gothenburg" -> "göteborg"); a name stands where any of them does.
    """
    years, names = specifics(question)
    # "The staff policy was last adopted in 2007. What does it cover?": a year of the asker's
    # premise is not one the answer must hold.
    sentences = _SENTENCE_END.split(question)
    asked = " ".join(
        s for n, s in enumerate(sentences) if n == len(sentences) - 1 or not s.rstrip().endswith(".")
    )
    years = [y for y in years if y in asked]
    # "the Social Democrat councillor": a party the documents name by its letters ("(S)").
    parties = {w.lower() for w in party_names(question, passages)}
    names = [n for n in names if n.lower() not in parties]
    if not (years or names) or not passages:
        return []
    aliases = aliases or {}

    def forms(name: str) -> list[str]:
        return [name, *aliases.get(name.lower(), ())]

    problems = []
    unknown = [n for n in names if not any(_in_surface(f, index) for f in forms(n))]
    # "Alingsås or Askersund?": one of the alternatives is enough, and an unknown one is no problem
    # while another is known.
    choices = [c for c in alternatives(question, names) if any(n not in unknown for n in c)]
    chosen = {n for c in choices for n in c}
    problems += [f"'{n}' does not occur in the documents" for n in unknown if n not in chosen]
    known = [n for n in names if n not in unknown]
    topic = topic_terms(terms, index, names, years)
    # An English question's subject is in its words' Swedish translations, whichever of them the
    # document uses ("reply" -> "svar"), not only in those the index search kept.
    translated = [t for swedish in aliases.values() for t in index.word_terms(swedish)]
    topic |= topic_terms(translated, index, names, years)
    own_years = document_years(question)
    # An audit, review or reply is written once: a year that dates one is its date. (An
    # evaluation of 2022 may be published in 2023; a "2019 staff survey" is a subject.)
    dating = {y for y in own_years if re.search(rf"{y}(?:'s)?\s+(?:[\w-]+\s+)?{_DATED_ONCE}", question, re.I)}
    by_doc: dict[str, list[Passage]] = {}
    for p in passages:
        by_doc.setdefault(p.doc.doc_id, []).append(p)
    # What each document the question names by more than its place holds, for comparisons; and
    # each document of the places it compares ("Both Askersund and Alingsås have HR produce …").
    compared: list[tuple[set[str], set[str]]] = []
    both_places = [n for n in compared_places(question) if n in known]
    for group in by_doc.values():
        doc = group[0].doc
        head = f"{doc.title} {doc.municipality} {doc.author} {doc.doc_type}".lower()
        on_topic = [p for p in group if speaks_of(p, topic, index)]
        # A name must be the document's own (title, municipality, author) or stand in a passage on
        # the subject: "how did Kungsbacka score" is not answered by a passage that names
        # Kungsbacka as an example of something else.
        # Acronyms and hyphenated terms ("OSA", "HR-partners") are subjects, not places: the
        # document holding them is enough.
        every = head + " " + index.document_text(doc.doc_id)
        on_topic_text = " ".join(f"{p.chunk.section_label} {p.chunk.text}" for p in on_topic).lower()

        def held(n: str, head: str = head, on_topic_text: str = on_topic_text, every: str = every) -> bool:
            return any(
                _has_name(head, f) or _has_name(on_topic_text if _is_place_like(n) else every, f)
                for f in forms(n)
            )

        names_ok = (
            bool(on_topic)
            and all(held(n) for n in known if n not in chosen)
            and all(any(held(n) for n in c if n in known) for c in choices)
        )
        # A year must be in the very passage, or be the document's own (its title or date: "the
        # 2023 evaluation"): "sick leave 2022" is not answered by a passage on sick leave 2020 of
        # a document that mentions 2022 elsewhere. A passage naming the question's acronym is on
        # its subject too ("the OSA round in 2019").
        subjects = [f for n in known if not _is_place_like(n) for f in forms(n)]
        near = [
            p for p in group if p in on_topic or any(_has_name(p.chunk.text.lower(), f) for f in subjects)
        ]
        # A year that dates the document asked for ("KPMG's 2023 follow-up review") is its date:
        # a 2021 audit that mentions 2023 is not the review of 2023.
        years_ok = all(
            y in doc.title or doc.date.startswith(y)
            if y in dating
            else any(y in p.chunk.text for p in near) or (y in own_years and doc.date.startswith(y))
            for y in years
        )
        if names_ok and years_ok:
            return problems
        # A named document takes part when it speaks of the subject or names what the question
        # names ("Kolada … in both the KPMG audit and SKR's evaluation").
        cites = any(
            _has_name(p.chunk.text.lower(), f)
            for p in group
            for n in known
            for f in forms(n)
            if not _has_name(head, f)
        )
        if (near or cites) and (
            _names_document(question, doc, [g[0].doc for g in by_doc.values()])
            or any(_has_name(doc.municipality.lower(), place) for place in both_places)
        ):
            compared.append(
                ({n for n in known if held(n)}, {y for y in years if any(y in p.chunk.text for p in near)})
            )
    # "Anger KPMG-granskningen och Kommunkompassen samma värdeord?": two named documents hold the
    # names and years between them.
    if len(compared) >= 2:
        held_somewhere = set().union(*(n for n, _ in compared))
        dated = set().union(*(y for _, y in compared))
        if set(known) <= held_somewhere and set(years) <= dated:
            return problems
    if known or years:
        problems.append("no retrieved document mentions " + ", ".join([*known, *years]) + " on this subject")
    return problems


# "sub-question 8.5", "delfråga 3.2", "avsnitt 3.8.1": a numbered part of a document.
_NUMBERED_PART = re.compile(
    r"\b(?:sub-?questions?|questions?|items?|sections?|rows?|delfråg\w*|fråg\w*|avsnitt\w*|punkt\w*|rad\w*)"
    r"\s+(\d{1,2}(?:\.\d{1,2})+)\b",
    re.IGNORECASE,
)


def missing_part(question: str, passages: Sequence[Passage], index: LexicalIndex) -> str:
    """A numbered part the question names ("sub-question 8.5") that no retrieved document has
    ("" when each has one, or the question names none): its neighbours' scores are not its."""
    docs = {p.doc.doc_id for p in passages}
    for number in _NUMBERED_PART.findall(question):
        label = re.compile(rf"(?:^|\s){re.escape(number)}\.?\s+[^\W\d]", re.MULTILINE)
        if not any(label.search(index.document_text(d)) for d in docs):
            return number
    return ""


def compared_places(question: str) -> list[str]:
    """The places a question compares: "both Askersund and Alingsås", "både i Askersunds svar och
    i SKR:s rapport om Alingsås", "Har Alingsås och Askersund en plan …"."""
    spans = [m.group(1) for m in [*_BOTH.finditer(question), *_PLACE_PAIR.finditer(question)]]
    places = [n for n in specifics(question)[1] if _is_place_like(n)]
    # "Är det samma upplägg i Alingsås som i Askersund?", "skiljer sig … jämfört med hur … i
    # Askersund gör": a question that compares, and names two places, compares them.
    if len(set(places)) >= 2 and _COMPARES.search(question):
        return places
    # "… i Askersund, och vilket dokument ville KPMG att Alingsås skulle revidera?": one question
    # of each place, in clauses of their own.
    first, *others = dict.fromkeys(places) or [""]
    if any(_NEXT_CLAUSE.search(question[question.find(first) : question.rfind(n)]) for n in others):
        return places
    return [n for n in places if any(re.search(rf"\b{re.escape(n)}", span) for span in spans)]


_COMPARES = re.compile(
    r"\b(?:jämför\w*|skillnad\w*|skiljer|samma|likadan\w*|lika|compar\w*|differ\w*|same|similar\w*"
    r"|versus|vs|motsvarande|corresponding|equivalent)\b",
    re.IGNORECASE,
)
_NEXT_CLAUSE = re.compile(r",\s*(?:and|och)\b|\b(?:and|och)\s+(?:in|i)\b", re.IGNORECASE)


# "Har Alingsås och Askersund en plan …": two places side by side are compared too.
# So are "in Alingsås and in Askersund", "Alingsås jämfört med Askersund".
_PLACE_PAIR = re.compile(
    r"\b([A-ZÅÄÖ][a-zåäö]+(?:'s|s)?\s+(?:och|and|jämfört med|compared (?:with|to)|versus|vs\.?)\s+"
    r"(?:(?:i|in|för|for|på|at)\s+)?[A-ZÅÄÖ][a-zåäö]+)\b"
)
# "both Askersund and Alingsås", "both in Askersund's reply and in SKR's report on Alingsås": the
# words on each side of the "and" name the places compared.
_BOTH = re.compile(r"\b(?:both|både)\b((?:\s+\S+){1,5}?\s+(?:and|och)(?:\s+\S+){1,5})", re.IGNORECASE)


def _names_document(question: str, doc: DocumentMeta, among: Sequence[DocumentMeta]) -> bool:
    from .retrieval import names_document  # retrieval imports this module

    return names_document(question, doc, among)


def subject_elsewhere(
    question: str,
    passages: Sequence[Passage],
    index: LexicalIndex,
    terms: Sequence[str] = (),
    translations: Sequence[tuple[str, Sequence[str]]] = (),
    expansions: Sequence[str] = (),
) -> str:
    """A word of the question's subject that the named municipality's documents never use, while
    a retrieved passage of another municipality's document does ("" when there is none).

    "When did Askersund centralise its HR support?" is about something Alingsås's audit tells
    ("centralisera HR-stödet"); Askersund's reply never speaks of it, so a passage of the reply
    that gives a time answers another question.
    """
    years, names = specifics(question)
    municipalities = {p.doc.municipality for p in passages if p.doc.municipality}
    # "askersund – har de …": a meeting's quick question may not capitalise the place.
    asked = {w.rstrip("s") for w in words(question.lower())}
    named = {m for m in municipalities if words(m)[0].rstrip("s") in asked}
    if len(named) != 1 or alternatives(question, names):
        return ""
    place = next(iter(named))
    own = [p for p in passages if p.doc.municipality == place]
    if not own:
        return ""  # missing_specifics speaks of a place no retrieved document is of
    held_here = set().union(*(index.document_terms(p.doc.doc_id) for p in own))
    others = [
        set(index.analyzer.terms(p.chunk.text))
        for p in passages[:_ELSEWHERE_TOP]
        if p.doc.municipality != place
    ]
    if not others:
        return ""
    topic = topic_terms(terms, index, names, years)
    groups: list[tuple[str, set[str]]] = [
        (t, {t}) for t in sorted(topic, key=lambda t: -idf_weight(index, t))
    ]
    if translations:  # an English word stands for all its translations: one of them is enough
        groups = [(e, topic_terms(index.word_terms(s), index, names, years)) for e, s in translations]
    groups += [
        (x, topic_terms(index.word_terms([x]), index, names, years))
        for x in expansions
        if not x[:1].isupper()
    ]
    # Words about the documents ("rekommenderade revisorerna"), short words ("någon", "hel") and
    # the places themselves (a follow-up's search text holds the place asked before) say nothing
    # of the subject.
    skip = set(index.analyzer.terms(" ".join([_DOCUMENT_WORDS, _AUDIT_WORDS, *municipalities])))
    for label, group in groups:
        group = {t for t in group if len(t) >= _ELSEWHERE_LETTERS and t not in skip}
        if not group or any(_holds(held_here, t) for t in group):
            continue
        if any(_holds(found, t) for found in others for t in group):
            return label
    return ""


_ELSEWHERE_TOP = 5
_ELSEWHERE_LETTERS = 6
_AUDIT_WORDS = "rekommendation rekommenderade rekommenderar svar svarade svarar"


_OR = re.compile(r"\b(?:or|eller)\b", re.IGNORECASE)
_OR_REACH = 4  # words on each side of "or" whose names are the alternatives


def alternatives(question: str, names: Sequence[str]) -> list[set[str]]:
    """The names a question offers as alternatives: "Alingsås or Askersund?", "KPMG's audit or
    SKR's Kommunkompassen" (the names within a few words on each side of "or"/"eller")."""
    out = []
    for m in _OR.finditer(question):
        before = question[: m.start()].split()[-_OR_REACH:]
        after = question[m.end() :].split()[:_OR_REACH]
        window = [w.strip(",.;:?!()'\"’") for w in before + after]
        found = {n for n in names if any(w == n or w.startswith(n) for w in window)}
        # A name stands next to the "or" ("Alingsås or Askersund", "the audit or SKR's report",
        # "i Alingsås eller i Askersund"); "better or worse than Härryda" offers no names.
        beside = [
            w for w in window[max(len(before) - 1, 0) : len(before) + 2] if w.lower() not in _BESIDE_SKIP
        ]
        if len(found) > 1 and any(w.startswith(n) for w in beside[:2] for n in found):
            out.append(found)
    return out


_BESIDE_SKIP = frozenset("i in på at hos the den det de".split())


# A year that dates the document the question means ("the 2023 evaluation", "granskningen 2021"),
# not the subject ("turnover in 2023"): the document's own date may hold it.
_DOC_WORDS = (
    r"(?:evaluation|audit|report|review|assessment|answer|reply|response|interpellation|survey"
    r"|kommunkompass\w*|granskning\w*|revisionsrapport\w*|rapport\w*|utvärdering\w*|svar\w*)"
)
# Parts of a document: "KPMG-tabellen" is named where KPMG is.
_PART_WORDS = (
    r"(?:tabell\w*|bilag\w*|table|appendix|fotnot\w*|footnote|lista|listan|listor|listorna|version\w*)"
)
# The head of "åtgärdslistan", "Alingsåsdokumenten": a list or a document of something.
_CONTAINER_HEAD = re.compile(f"(?:{_DOC_WORDS}|{_PART_WORDS}|dokument(?:et|en)?)$")


def _document_word(word: str) -> bool:
    """A word for a document or a part of one, which a name before a hyphen is the source of."""
    return bool(re.fullmatch(f"{_DOC_WORDS}|{_PART_WORDS}", word))


_DATED_ONCE = (
    r"(?:audit|review|reply|answer|response|interpellation|granskning\w*|revisionsrapport\w*|svar\w*)\b"
)
_DOCUMENT_YEAR = re.compile(
    rf"(?<![\d-])((?:19|20)\d\d)(?![\d-])(?:'s)?\s+(?:[\w-]+\s+)?{_DOC_WORDS}\b"
    rf"|\b{_DOC_WORDS}\s+(?:from\s+|of\s+|in\s+|från\s+|år\s+)?((?:19|20)\d\d)(?![\d-])",
    re.IGNORECASE,
)


def document_years(question: str) -> set[str]:
    """Years that date the document a question means: "the 2023 evaluation" -> {"2023"}."""
    return {y for pair in _DOCUMENT_YEAR.findall(question) for y in pair if y}


def topic_terms(
    terms: Sequence[str], index: LexicalIndex, names: Sequence[str], years: Sequence[str]
) -> set[str]:
    """The question's rarer index terms, other than its names and years: what it is about."""
    specific = set(index.analyzer.terms(" ".join([*names, *years])))
    return {t for t in terms if t not in specific and idf_weight(index, t) >= _TOPIC_IDF}


def speaks_of(p: Passage, topic: set[str], index: LexicalIndex) -> bool:
    """Whether the passage holds one of the topic terms (True when there are none to hold)."""
    return not topic or bool(topic & set(index.analyzer.terms(p.chunk.text)))


def _is_place_like(name: str) -> bool:
    """A capitalised word such as a municipality's name ("Kungsbacka"), not an acronym or term."""
    return name[:1].isupper() and name[1:].islower() and name.isalpha()


def _in_surface(name: str, index: LexicalIndex) -> bool:
    parts = re.findall(r"[a-zåäöéü]+", name.lower())
    # "Kommunkompass" is in the documents as "Kommunkompassen": a long name may be inflected. So
    # may the noun after an acronym's hyphen ("HR-frågorna", where they write "HR-frågor").
    return all(
        p in index.surface
        or p.rstrip("s") in index.surface
        or p + "s" in index.surface  # the genitive: "Lerums kommun" names Lerum
        or (len(p) >= _INFLECTED_NAME and index.uses_prefix(p))
        or ("-" in name and stemmer().stemWord(name.lower()) in index.term_ids)
        # "KPMG-tabellen", "SKR-rapporten": the document's part, named by its source.
        or ("-" in name and p == parts[-1] and _document_word(p))
        or _contained(p, index)  # "Alingsåsdokumenten"
        for p in parts
    )


_INFLECTED_NAME = 6


def _has_name(text: str, name: str) -> bool:
    n = name.lower()
    first, _, rest = n.partition("-")
    if first and _document_word(rest):
        # "KPMG-rapporten" is the KPMG report: named where "KPMG" is. "HR-chef" is not named by
        # "HR" and "chef" apart.
        return _has_name(text, first)
    # "Askersund" also matches "Askersunds kommun"; "KPMG:s" matches "KPMG".
    if n in text or n.rstrip("s") in text or any(w.startswith(n[:-1]) for w in words(text) if len(n) > 5):
        return True
    # "HR-frågorna" is named where "HR-frågor" is: the noun after the hyphen may be inflected.
    if first and rest and f"{first}-{stemmer().stemWord(rest)}" in text:
        return True
    # A footnote mark the PDF glued inside a name: "TiB10-organisation" is "TiB-organisation".
    return any(c.isdigit() for c in text) and n in _GLUED_MARK.sub("", text)


_GLUED_MARK = re.compile(r"(?<=[a-zåäö])\d{1,2}(?=[-\s.,;:)]|$)")


_QUANTITY = re.compile(
    r"\bhow (many|much|high|large|big|long)\b"
    # ("what response rate", "what sick leave rate"; "what do they share?" asks what is shared)
    r"|\bwhat (?:(?!(?:do|does|did|is|are|was|were|they|we|you|it)\b)[\w-]+ ){0,2}?"
    r"(percentage|share|proportion|rate|number|amount)\b"
    # "At what age can employees retire?", "vid vilken ålder": a number of years.
    r"|\b(?:at )?what age\b|\bvid vilken ålder\b"
    # "What did Alingsås pay SKR for the evaluation?"
    r"|\bwhat (?:did|does|do|will|would|has|have) (?:[\w'’-]+ ){1,3}pay\b(?! attention)"
    r"|\bhur (många|mycket|stor|stort|höga?|lång)\b|\bvilken (andel|procent|summa)\b"
    # "hur långt hade den kommit?" asks how far along, not for a distance.
    r"|\bhur långt\b(?!(?:\s+[\w-]+){0,6}\s+kommit\b)"
    r"|\bvad kosta(r|de)\b|\bvad (?:har|hade|skulle|ska|kommer) (?:[\w-]+ ){0,3}(?:att )?kosta(?:t)?\b"
    # "What did the centralised HR department cost to run?"
    # ("What did KPMG say about the cost …" asks what was said.)
    r"|\bwhat (?:did|does|do|will|would|has|have) "
    r"(?:(?!say|said|write|wrote|think|about)[\w'’-]+ ){1,6}cost\b"
    # "What monthly salary do the new posts pay?"
    r"|\bwhat (?:[\w-]+ )?(?:salary|salaries|wages?|pay|rate of pay|hourly rate)\b"
    # "Staff turnover among managers in 2020 – what was it?"
    r"|\b(?:turnover|sick leave|sickness absence|cost|salary|budget)\b[^?]{0,80}[–:-]\s*what (?:was|is) it\b"
    r"|\bwhat(?:'s| (?:was|is|were|are)) (the )?([\w'’-]+ ){0,4}"
    r"(turnover|sick leave|sickness absence|absence|cost|costs|salary|budget)\b"
    r"|\bvad (var|är) ([\w-]+ ){0,2}(personalomsättningen|sjukfrånvaron|kostnaden|lönen|budgeten)\b",
    re.IGNORECASE,
)


# "Vem samordnar utbildningarna och räknar ut hur många platser som behövs?" asks who.
_ASKS_WHO = re.compile(r"\s*(?:(?:and|och|so|så)\s+)?(?:who|vem|vilka personer)\b", re.IGNORECASE)


def missing_figure(
    question: str,
    passages: Sequence[Passage],
    terms: Sequence[str],
    index: LexicalIndex,
    translations: Sequence[tuple[str, Sequence[str]]] = (),
    expansions: Sequence[str] = (),
    context: str = "",
) -> bool:
    """A "how many / hur stor" question whose passages hold no figure next to its subject.

    The answer to a quantity is a number in a sentence about the question's subject; when the
    sentences that name the subject have no digits, the passages are about it but do not hold
    the figure asked for. A follow-up's `context` is its search text (the question before it,
    then it): "ok, and how many points did that part get?" names its subject there.
    """
    kind = figure_kind(question)
    if kind == "duration" and _YEARS_BETWEEN.search(question):
        # "How many years passed between the policy and the strategy?": two years tell it.
        return not _years_apart(question, passages, terms, index)
    # The who must be of the part that asks how many: "Vem höll i utbildningen, och hur många
    # timmar omfattade den?" also asks for a figure.
    parts = [p for p in _NEXT_QUESTION.split(question) if _QUANTITY.search(p)]
    if kind is None or _ASKS_WHO.match(parts[0] if len(parts) == 1 else question):
        return False
    # "Hur är HR-avdelningen uppdelad och hur många jobbar i varje enhet?": the figure is of the
    # question that asks for it.
    asked = context or question
    clause, own_terms, own_translations = _own_question(
        asked, _QUANTITY, terms, index, translations, expansions, back_reference=bool(context)
    )
    # The asker's preamble may name the subject the asking sentence only points at ("… payouts to
    # managers who were let go. How much has the municipality paid out in total?"): a figure by
    # the subject of either answers.
    subjects = [(clause, own_terms, own_translations)]
    if clause != asked and len(_SENTENCE_END.split(asked)) > 1:
        subjects.append((asked, terms, translations))
    return not any(_figure_by(question, kind, passages, index, *subject, expansions) for subject in subjects)


_YEARS_BETWEEN = re.compile(
    r"\b(?:how many years|how long)\b.*\bbetween\b|\b(?:hur många år|hur lång tid)\b.*\bmellan\b",
    re.IGNORECASE,
)


def _years_apart(
    question: str, passages: Sequence[Passage], terms: Sequence[str], index: LexicalIndex
) -> bool:
    """Whether a sentence of the top passages gives two years and speaks of the question's subject."""
    from .compose import split_sentences

    years, names = specifics(question)
    topic = topic_terms(terms, index, names, years)
    return any(
        len(set(_YEAR.findall(s))) >= 2 and topic & set(index.analyzer.terms(s))
        for p in passages[:3]
        for s in split_sentences(p.chunk.text)
    )


# "paid in total to buy out", "in total?": a sum; "a rise in total sick leave" is of the total.
_IN_TOTAL = re.compile(
    r"\bin total\b(?=\s*(?:$|[?,.;:–-]|(?:to|for|between|over|since|during|in|at|from|by|and|so far)\b))",
    re.IGNORECASE,
)


def _figure_by(
    question: str,
    kind: str,
    passages: Sequence[Passage],
    index: LexicalIndex,
    clause: str,
    terms: Sequence[str],
    translations: Sequence[tuple[str, Sequence[str]]],
    expansions: Sequence[str],
) -> bool:
    """Whether a top passage holds a figure of `kind` next to the subject of `clause`."""
    from .compose import split_sentences

    if _IN_TOTAL.search(clause):
        terms = [t for t in terms if t != "total"]  # "paid in total": a sum, not "total sick leave"
    wanted, translated = _figure_subject(clause, terms, index, translations, expansions)
    translated_terms = [index.word_terms(swedish) for _, swedish in translations]
    _, names = specifics(question)
    places = [n for n in names if _is_place_like(n)]
    choices = [c for c in alternatives(question, places) if c]  # "Alingsås or Askersund": either
    chosen = {n for c in choices for n in c}
    aliases = dict(translations)
    own = set(re.findall(r"\d+", question))  # "area 7", "2019": the question's, not the answer's
    # A share, a sum or a duration is of both the subject's terms: "andel anställda med
    # eftergymnasial utbildning (51 %)" does not say how many work full time.
    every = kind in ("share", "money", "duration") and not translated
    synonyms = {t: set(ts) for ts in translated_terms for t in ts}
    bodies = {t for t in index.analyzer.terms(question) if _BODY.fullmatch(t)}
    # An English question's committee or department is in its translations ("social services"
    # -> "socialförvaltningen", "socialtjänsten"): a figure for it names one of its sector's.
    sectors = [
        s for s in (tuple({t[:_SECTOR] for t in g if _BODY.fullmatch(t)}) for g in translated_terms) if s
    ]
    # "bland cheferna", "among managers": the figure is of that group, not of everyone.
    groups = _group_terms(question, index, translations)
    for p in passages[:3]:
        # A figure about another place is not the answer: "Hur stor andel i Askersund" is not
        # answered by Alingsås's share.
        if not _names_places(p, [n for n in places if n not in chosen], aliases) or not all(
            any(_names_places(p, [n], aliases) for n in c) for c in choices
        ):
            continue
        form = _FORMS[kind]
        if kind == "duration" and _HAS_BEEN.search(question):
            form = _DURATION_OR_SINCE
        if kind == "share" and "(%)" in p.chunk.text:
            form = _FORMS["amount"]  # a table of shares says "(%)" once, in its heading
        pieces = split_sentences(p.chunk.text)
        if len(_TABLE_ROW.findall(p.chunk.text)) >= 2:
            pieces.append(p.chunk.text)  # a table's rows are about its title ("Sjukfrånvaro 2019–2020")
        for sector in sectors:
            pieces = [pc for pc in pieces if any(t.startswith(sector) for t in index.analyzer.terms(pc))]
        if bodies:
            # "Personalomsättningen inom socialnämnden": the municipality's total is no figure
            # for one committee.
            pieces = [pc for pc in pieces if bodies <= _held(set(index.analyzer.terms(pc)), bodies)]
        for group in groups:
            pieces = [pc for pc in pieces if _held(set(index.analyzer.terms(pc)), group)]
        if figure_with(pieces, wanted, index, form, own, every, synonyms):
            return True
    return False


# "how many questions", "hur många av chefsutköpen": the words that name what is counted. A word
# the count is asked *in* ("poäng", "gånger"), a verb ("hur många jobbar") or a function word
# ends them.
_COUNTED = re.compile(
    r"\b(?:how many|hur många)\s+((?:of|av)\s+(?:the\s+|de\s+)?)?([\w-]+)(?:\s+([\w-]+))?",
    re.IGNORECASE,
)
_NOT_COUNTED = frozenset(
    "are were is was be been do did does have has had will would can could should must that which who"
    " in at on for from to per of and or the a an times time"
    " som är var varit har hade jobbar arbetar fick får finns fanns kan ska skall gick går blev blir"
    " i på för från till per av och eller de den det gånger gång".split()
)
_UNITS_EN = "points point percent percentage hours hour days day weeks week months month years year crowns"
# People are counted by many words: "ett 40-tal personer", "fyra medarbetare", "3 200 anställda".
_PEOPLE = frozenset(
    "people persons person personer medarbetare medarbetarna anställda anställd staff employees employee"
    " personal workers".split()
)
_COUNT_REACH = 3  # words between a number and the noun it counts ("fyra konkreta åtgärder")


def counted_words(question: str, index: LexicalIndex) -> list[str]:
    """The words that name what a "how many" question counts: "How many seats are there" ->
    ["seats"]; none when it counts in a unit ("hur många poäng") or by a verb ("hur många jobbar")."""
    m = _COUNTED.search(question)
    if m is None:
        return []
    units = set(index.analyzer.terms(f"{UNITS} {_UNITS_EN}"))
    out = []
    for w in (g for g in m.groups()[1:] if g):
        if w.lower() in _NOT_COUNTED:
            break
        out.append(w)
    if not out or any(set(index.analyzer.terms(w)) & units for w in out):
        return []
    return out


def missing_count(
    question: str,
    passages: Sequence[Passage],
    index: LexicalIndex,
    translations: Sequence[tuple[str, Sequence[str]]] = (),
    lang: str = "sv",
) -> str:
    """What a "how many N" question counts, when no sentence of the best passages puts a number
    next to it ("fyra gånger per år" counts no questions of a pulse survey; "16 milj. kr" no
    managers bought out); "" when one does, or when what is counted cannot be told.

    An English noun is looked for in its Swedish `translations` (English, Swedish words); one
    without any is not checked. People are counted by any word for them.
    """
    from .compose import split_sentences

    counted = counted_words(question, index)
    if not counted or _ASKS_WHO.match(question):
        return ""
    english = lang == "en"
    # "Hur många av HR-partnerna …": a part of a group of people is counted as people ("fyra
    # medarbetare").
    part_of = bool(re.search(r"\b(?:how many of|hur många av)\b", question, re.IGNORECASE))
    stems: set[str] = set()
    for w in counted:
        low = w.lower()
        if low in _PEOPLE or part_of:
            stems |= {stemmer().stemWord(p) for p in _PEOPLE}
        elif not english:
            stems.add(stemmer().stemWord(low))
        for e, swedish in translations:
            if low in e.lower().split() or low.rstrip("s") == e.lower().rstrip("s"):
                stems |= {stemmer().stemWord(s.lower().split()[-1]) for s in swedish if s}
    if not stems:
        return ""
    # "… över tre månadslöner": the question's own numbers are not the count.
    own = {t.lower() for t in re.findall(r"[\wåäö]+", question) if _COUNT_NUMBER.fullmatch(t)}
    own |= {str(n) for n, w in enumerate(_NUMBER_WORDS.split("|"), 2) if w in own and n <= 12}
    for p in passages[:3]:
        pieces = [*split_sentences(p.chunk.text), p.chunk.text]
        if any(_counts(piece, stems, own) for piece in pieces):
            return ""
    return max(counted, key=len)  # "HR strategists", "rekryteringar gör": the noun is the longer


def _counts(text: str, stems: set[str], own: set[str] = frozenset()) -> bool:
    """Whether a number in `text` stands within a few words of a word of one of the `stems`
    (the word itself, inflected, or as a compound's head: "HR-strateger" for "strateg")."""
    tokens = re.findall(r"[\wåäöÅÄÖéü-]+", _DATE.sub("", _LABEL_NUMBER.sub("", text)).lower())
    hits = [
        i
        for i, t in enumerate(tokens)
        if _COUNT_NUMBER.fullmatch(t) and not _YEAR.fullmatch(t) and t not in own
    ]
    if not hits:
        return False

    def names(t: str) -> bool:
        s = stemmer().stemWord(t)
        head = t.rsplit("-", 1)[-1]
        return any(
            s == x or (len(x) >= 4 and (s.endswith(x) or head.startswith(x.rsplit("-", 1)[-1])))
            for x in stems
        )

    return any(
        names(tokens[j])
        for i in hits
        for j in range(max(0, i - _COUNT_REACH), min(len(tokens), i + _COUNT_REACH + 1))
        if j != i
    )


_GENDER = re.compile(
    r"\b(?:women|woman|female|male)\b|\bgender\b(?!\s+(?:equality|mainstreaming|equal))|\b(?:kvinn|manlig)\w*|\bmän(?:nen)?\b|\bkön(?:en|et)?\b",
    re.IGNORECASE,
)
_GENDER_WORDS = "kvinnor kvinna kvinnliga män mannen manliga kön könsuppdelad"
_AMONG = re.compile(r"\b(?:bland|among|amongst)\s+(?:the\s+|de\s+|all\s+|alla\s+)?([\w-]+)", re.IGNORECASE)


def _group_terms(
    question: str, index: LexicalIndex, translations: Sequence[tuple[str, Sequence[str]]]
) -> list[set[str]]:
    """The index terms of each group a figure is asked among ("bland cheferna" -> {"chef"}); an
    English word by its translations. A group without terms the documents use is left out."""
    out = []
    if _GENDER.search(question):
        # "sjukfrånvaron bland manliga medarbetare", "between women and men": a figure by gender,
        # which one for everyone is not; the documents may never give one.
        out.append(set(index.analyzer.terms(_GENDER_WORDS)))
    for m in _AMONG.finditer(question):
        word = m.group(1).lower()
        swedish = [s for e, ss in translations if word in e.lower().split() for s in ss]
        terms = set(index.word_terms(swedish) if swedish else index.word_terms([word]))
        if terms:
            out.append(terms)
    return out


# A named committee, department or unit ("socialnämnden", "Lön och bemanningsenheten").
_BODY = re.compile(r"[\wåäö-]{3,}(?:nämnd|förvaltning|avdelning|enhet|styrels)")
_SECTOR = 6  # "social" of "socialnämnden", "socialförvaltningen"


def _held(found: set[str], terms: set[str]) -> set[str]:
    return {t for t in terms if _holds(found, t)}


def _names_places(p: Passage, places: Sequence[str], aliases: Mapping[str, Sequence[str]]) -> bool:
    """Whether the passage or its document names each of the places (in any of its forms)."""
    head = f"{p.doc.title} {p.doc.municipality} {p.doc.author} {p.chunk.text}".lower()
    return all(any(_has_name(head, f) for f in [n, *aliases.get(n.lower(), ())]) for n in places)


def figure_form(question: str) -> re.Pattern[str]:
    """The form a figure answering the question takes (a count when it asks for a score)."""
    return _FORMS[figure_kind(question) or "count"]


def figure_kind(question: str) -> str | None:
    """What a question asking for a figure wants: a duration, a share, a count, a sum of money or
    another amount; None when it does not ask for a figure."""
    if not _QUANTITY.search(question):
        return None
    if _DURATION_Q.search(question):
        return "duration"
    if _SHARE_Q.search(question):
        return "share"
    # "How many measures does the budget name" counts, though a budget is money; "hur många
    # kronor" is a sum.
    if _COUNT_Q.search(question) and not _IN_MONEY.search(question):
        return "count"
    if _MONEY_Q.search(question):
        return "money"
    return "amount"


# Words a quantity question asks *in* ("hur stor andel", "how many points") or dates it by
# ("nyligen", "senaste"): not its subject.
UNITS = (
    "poäng procent antal andel kronor miljoner miljon miljarder stor stort många mycket hög höga lång långt"
    " tid timmar dygnet dagar veckor månader år pengar medel nyligen senaste senast idag numera"
    " period perioden jämfört max maximalt maximum högst lägst möjlig möjliga möjligt"
    # nor words of sum or estimate ("sammanlagt", "ungefär"), nor a verb's particle ("pekar ut")
    " totalt sammanlagt sammantaget ungefär cirka omkring drygt knappt ut in upp"
    # nor the asker's own verbs, rare in the documents and so taken for their most specific
    # words ("vilket datum tog fullmäktige beslutet", "hur ofta är det tänkt att …")
    " vill ville tog tar fick fått hör tänkt tänkta tänker ofta brukar"
    # nor a change's verb ("med hur många procentenheter steg …")
    " steg ökade ökat minskade minskat sjönk"
    # nor when it is counted from ("sedan 2019")
    " sedan"
    # nor the asker's doing-verbs ("hur många jobbar där", "hemsidan gjordes om")
    " jobbar jobba jobbat gjordes gjorde gjort där"
)
_SUBJECT_TERMS = 2


def figure_subject(
    question: str,
    terms: Sequence[str],
    index: LexicalIndex,
    translations: Sequence[tuple[str, Sequence[str]]] = (),
    expansions: Sequence[str] = (),
) -> set[str]:
    """The terms a figure must stand next to: the question's two most specific (highest idf),
    leaving out places, years and units.

    Any word of the question is too loose: "How much did SKR charge Alingsås?" would be
    answered by "Alingsås får 456 poäng", and "Hur stor var sjukfrånvaron bland kvinnor 2020?"
    by the total for 2020. The most specific words are what the figure is *of*. Acronyms and
    hyphenated terms ("HR-partners") are subjects here, not places. An English question whose
    rarer terms are all places ("How many employees does Askersund have?") has its subject in
    the index terms of its `translations` (English word, Swedish words). Calibrated on the dev
    split: the single most specific term refused answerable questions, three let more
    unanswerable ones through.
    """
    return _figure_subject(question, terms, index, translations, expansions)[0]


# Words for the document itself, not its subject ("according to the audit's table").
_ABOUT_DOCUMENTS = frozenset(
    "audit audits auditor auditors report reports table tables evaluation evaluators document documents"
    " section chapter page footnote review".split()
)
# ("utvärderarna" is not one: SKR's evaluators write "utvärderarna föreslår" where they advise.)
_DOCUMENT_WORDS = (
    "revision revisionen revisorerna granskning granskningen rapport rapporten tabell tabellen utvärdering"
    " utvärderingen dokument dokumentet avsnitt avsnittet fotnot fotnoten enlighet interpellation"
    " interpellationen"
)


def about_documents(english: str) -> bool:
    """An English word for the document itself ("audit", "evaluators"), not its subject."""
    return english.lower() in _ABOUT_DOCUMENTS


def without_document_words(text: str, analyzer: Analyzer, names: Iterable[str] = ()) -> str:
    """`text` without its words for the document itself ("granskningen", "revisorerna") and the
    `names` of documents' authors ("KPMG"); the text itself when it has nothing else."""
    document = set(analyzer.terms(" ".join([_DOCUMENT_WORDS, *names])))
    kept = [w for w in text.split() if not (set(analyzer.terms(w)) or {""}) <= document]
    return " ".join(kept) if kept else text


# "KPMG", "SKR", "PwC"; not "HR" of "HR-avdelningen", a department named by its field.
_ACRONYM = re.compile(r"(?<![\w-])(?:[A-ZÅÄÖ]{2,5}|[A-Z][a-z]?[A-Z][a-z]?)(?![\w-])")


def author_names(docs: Iterable[DocumentMeta]) -> set[str]:
    """The short names of the documents' authors ("KPMG", "SKR", "PwC"), lower-cased: a question
    that names one names the document, as "the audit" does."""
    return {m.lower() for d in docs for m in _ACRONYM.findall(d.author)}


def _is_proper_name(text: str) -> bool:
    """ "Sveriges Kommuner och Regioner", not "jämställdhet"."""
    significant = [w for w in text.split() if w.lower() not in ("och", "and", "of", "för", "i", "av")]
    return len(significant) > 1 and all(w[:1].isupper() for w in significant)


def _figure_subject(
    question: str,
    terms: Sequence[str],
    index: LexicalIndex,
    translations: Sequence[tuple[str, Sequence[str]]] = (),
    expansions: Sequence[str] = (),
) -> tuple[set[str], bool]:
    """`figure_subject`, and whether one of its terms is enough: when it is only translations
    (an English question none of whose own terms the search kept; a passage holds one of a
    word's alternatives at most) or, lacking any specific term, all the question's terms. With
    translated words grouped (`every` in `figure_with`), a share, sum or duration needs each
    group."""
    years, names = specifics(question)
    places = [n for n in names if _is_place_like(n)]
    units = set(index.analyzer.terms(UNITS)) | set(index.analyzer.terms(_DOCUMENT_WORDS))
    # A name the glossary spelt out ("SKR" -> "Sveriges Kommuner och Regioner") is a name, not
    # what is counted.
    units |= {t for e in expansions if _is_proper_name(e) for t in index.analyzer.terms(e)}

    def usable(t: str) -> bool:
        return t not in units and not t.isdigit()  # "dag 1–14": the 14 is not what is counted

    subject = [t for t in topic_terms(terms, index, places, years) if usable(t)]
    if subject and translations:
        # An English question: its two most specific words, each with all its translations, and
        # its untranslated terms as words of their own. The terms the search kept alone picked
        # "talk" -> "samtal" for "residents' opportunities to talk with politicians", which the
        # table row "Medborgarnas möjlighet till dialog med politiken" does not hold.
        word_of = {t: english for english, swedish in translations for t in index.word_terms(swedish)}
        groups_by: dict[str, set[str]] = {}
        for english, swedish in translations:
            if english.lower() in _ABOUT_DOCUMENTS:
                continue
            g = {t for t in index.word_terms(swedish) if usable(t)}
            if g and min(idf_weight(index, t) for t in g) >= _TOPIC_IDF:
                groups_by[english] = g
        for t in subject:
            groups_by.setdefault(word_of.get(t, t), set()).add(t)
        ranked_groups = sorted(
            groups_by.values(), key=lambda g: (-min(idf_weight(index, t) for t in g), sorted(g))
        )
        return {t for g in ranked_groups[:_SUBJECT_TERMS] for t in g}, False
    if subject:
        # Two translations of one English word ("mandate" -> "mandat", "befogenheter") are one
        # word of the question: the subject is its two most specific words, with their terms.
        word_of = {t: english for english, swedish in translations for t in index.word_terms(swedish)}
        ranked = sorted(set(subject), key=lambda t: (-idf_weight(index, t), t))
        kept = list(dict.fromkeys(word_of.get(t, t) for t in ranked))[:_SUBJECT_TERMS]
        return {t for t in ranked if word_of.get(t, t) in kept}, False
    # The two most specific English words, each with all its translations: a word is as specific
    # as its commonest Swedish form ("reply" -> "svar", not the rare "besvarad").
    groups = [
        [t for t in index.word_terms(swedish) if usable(t)]
        for english, swedish in translations
        if english.lower() not in _ABOUT_DOCUMENTS
    ]
    # A word whose commonest form is everywhere ("municipality" -> "kommun") names no subject.
    groups = [g for g in groups if g]
    groups = [g for g in groups if min(idf_weight(index, t) for t in g) >= _TOPIC_IDF] or groups
    groups = sorted(groups, key=lambda g: (-min(idf_weight(index, t) for t in g), g))
    if groups:
        return {t for g in groups[:_SUBJECT_TERMS] for t in g}, True
    return set(terms), True


def asks_for_figure(question: str) -> bool:
    """A question answered by a number: "how many", "hur stor", "what score", "poäng"."""
    return bool(_QUANTITY.search(question) or _SCORE.search(question))


def figure_with(
    pieces: Sequence[str],
    wanted: set[str],
    index: LexicalIndex,
    form: re.Pattern[str] | None = None,
    own: set[str] = frozenset(),
    every: bool = False,
    synonyms: Mapping[str, set[str]] | None = None,
) -> bool:
    """Whether one of the sentences or table rows holds a figure and one of the `wanted` terms.

    A leading section number ("## 4 Arbetsmiljö", "3.8.1 Kommentarer") is not a figure; a table
    row's values after its label ("7.3 Arbetsmiljö 18 25") are. With a `form`, the figure must
    have it (a share is "23 %", a cost "500 kronor"), and the question's `own` numbers do not count.
    With `every`, the piece and the next must hold every wanted term, or one of its `synonyms`
    (the other translations of the same English word).
    """
    synonyms = synonyms or {}
    groups = [synonyms.get(t, set()) | {t} for t in wanted]
    for i, piece in enumerate(pieces):
        text = _SECTION_NUMBER.sub("", piece)
        if own:
            text = re.sub(r"\d+", lambda m: "" if m.group() in own else m.group(), text)
        if form is not None:
            text = _DATE.sub("", _LABEL_NUMBER.sub("", text))
            if not form.search(text):
                continue
        elif not _FIGURE.search(text):
            continue
        found = set(index.analyzer.terms(_figure_item(piece, form or _FIGURE)))
        if not any(_holds(found, t) for t in wanted):
            continue
        if not every:
            return True
        # The next sentence may name the rest: "utköp för sammanlagt 16 milj. kr. Det rör sig om
        # personer som rekryterats till chefsposter".
        near = found | set(index.analyzer.terms(pieces[i + 1])) if i + 1 < len(pieces) else found
        if all(any(_holds(near, a) for a in g) for g in groups):
            return True
    return False


_HEAD_LETTERS = 6

# An enumeration of short items: "friskvårdsbidrag, pensionsväxling, semesterväxling och ".
_ENUMERATION = re.compile(r"(?:[\w-]+(?: [\w-]+){0,2}, ){2,}[\w-]+(?: [\w-]+){0,2} (?:och|samt|and) ")


def _figure_item(piece: str, form: re.Pattern[str]) -> str:
    """The piece without the items of an enumeration before its last one, when the figure comes
    after it: in "friskvårdsbidrag, pensionsväxling, semesterväxling och ett tillägg på
    föräldrapenningen motsvarande 10 %", the 10 % is of the last item only."""
    m = _ENUMERATION.search(piece)
    if m is None or form.search(m.group()) or not form.search(piece[m.end() :]):
        return piece
    return piece[: m.start()] + piece[m.end() :]


def _holds(found: set[str], term: str) -> bool:
    """Whether the terms `found` hold `term`, also as a stem of a longer form, a compound's
    first part ("utköp" for "utköpt", "introduktionskurs" for "introduktion", "chefspost" for
    "chef") or a long compound's head ("kompetensförsörjningsprogrammet" for "program")."""
    if term in found:
        return True
    # A compound's head: "program" in "kompetensförsörjningsprogrammet", which the analyzer
    # does not split when it is inflected.
    if len(term) >= _HEAD_LETTERS and any(term in f for f in found):
        return True
    if len(term) >= 3 and any(
        f[len(p) :].startswith(term) for f in found for p in _PARTICLES if f.startswith(p)
    ):
        return True
    return len(term) >= 4 and any(
        len(f) >= 5 and (f.startswith(term) or (term.startswith(f) and len(term) - len(f) <= 2))
        for f in found
    )


# A particle verb's noun puts the particle first: "köpa ut" is "utköp", "följa upp" "uppföljning".
_PARTICLES = ("ut", "upp", "in", "av", "fram", "till", "om", "över", "ned", "ner", "bort")


# A row of a table: a label, then two or more numbers ("Dag 1–14 2,8 4,3 1,5").
_TABLE_ROW = re.compile(r"^[^\d\n].*\s\d+(?:[,.]\d+)?\s+\d+(?:[,.]\d+)?\s*$", re.MULTILINE)
_SECTION_NUMBER = re.compile(r"^\s*#*\s*\d+(?:\.\d+)*\.?(?=\s)")
# A date is when, not how many ("lanserades 31 augusti 2023").
_DATE = re.compile(
    r"\b\d{1,2}\s+(?:januari|februari|mars|april|maj|juni|juli|augusti|september|oktober|november|december"
    r"|january|february|march|may|june|july|august|october)\b",
    re.IGNORECASE,
)
# A number that names a part ("Område 8", "Tabell 1", "§ 226") is no figure of anything.
_LABEL_NUMBER = re.compile(
    r"\b(?:område|avsnitt|kapitel|tabell|figur|bilaga|punkt|sida|nr|area|section|table|chapter|page)"
    r"\s+\d+(?:\.\d+)*|§\s*\d+",
    re.IGNORECASE,
)


_SCORE = re.compile(r"\b(score[sd]?|points?|poäng\w*|rating)\b", re.IGNORECASE)


# A figure is digits or a number written out ("fyra medarbetare"); "en"/"ett" are left out, as
# they are mostly articles.
_NUMBER_WORDS = "två|tre|fyra|fem|sex|sju|åtta|nio|tio|elva|tolv|tjugo|trettio|fyrtio|femtio|hundra|tusen"
_FIGURE = re.compile(
    rf"\d|\b({_NUMBER_WORDS}|miljon(er)?|miljard(er)?|hälften|dubbelt|samtliga)\b", re.IGNORECASE
)
# A number that counts something: "40-tal" is about 40.
_COUNT_NUMBER = re.compile(rf"(?:\d[\d  ]*(?:-tal)?|{_NUMBER_WORDS})", re.IGNORECASE)


# A year or a date is when, not how many; PDF text glues footnote marks to a year ("20206" is
# 2020, note 6), and a date may be written "20230911".
_YEARLESS = r"(?!(?:19|20)\d\d(?:\d|\d{4})?(?!\d))"
_NUMBER = rf"(?:(?<![\d.]){_YEARLESS}\d[\d  ]*(?:[,.]\d+)?|\b(?:{_NUMBER_WORDS})\b)"
_MONEY_UNITS = r"kr\b|kronor|tkr|mkr|mnkr|msek|sek\b|milj\w*|mdr|miljard\w*"
_MONEY_OR_SHARE = rf"(?:%|procent|{_MONEY_UNITS})"
_DURATION_Q = re.compile(
    r"\b(how many|hur många) (days?|weeks?|months?|years?|hours?|dagar|veckor|månader|år|timmar)\b"
    r"|\bhow long\b|\bhur lång\b",
    re.IGNORECASE,
)
_SHARE_Q = re.compile(
    r"\b(andel\w*|procent\w*|percent\w*|per cent|share|proportion|response rate|svarsfrekvens\w*)\b",
    re.IGNORECASE,
)
_MONEY_Q = re.compile(
    r"\b(kosta\w*|kostnad\w*|cost\w*|charge[sd]?|paid|pay|price|salary|salaries|lön(?:en|er|erna)?"
    r"|budget\w*|kronor|sek|spen[dt]|severance|avgångsvederlag\w*|ersättning\w*)\b",
    re.IGNORECASE,
)
_COUNT_Q = re.compile(r"\b(how many|hur många)\b", re.IGNORECASE)
_IN_MONEY = re.compile(
    r"\b(how many|hur många) (kronor|kr|sek|crowns|euros?|pounds|dollars)\b", re.IGNORECASE
)
_PEOPLE_WORDS = "medarbetare|anställda|invånare|personer|människor|elever"
_FORMS: dict[str, re.Pattern[str]] = {
    "share": re.compile(
        rf"{_NUMBER}\s*(?:%|procent)|\b(hälften|var (annan|tredje|fjärde|femte|tionde)"
        r"|(en|två|tre) (tredjedel|fjärdedel)(ar)?)\b|\d+ av \d+",
        re.IGNORECASE,
    ),
    "money": re.compile(rf"{_NUMBER}\s*{_MONEY_OR_SHARE}", re.IGNORECASE),
    "duration": re.compile(
        rf"(?:{_NUMBER}|\b(?:en|ett|ena)\b)\s*(?:dag|dygn|veck|månad|år\b|timm|h\b|minut|termin|heldag|halvdag)"
        r"|\b(heldag|halvdag)",
        re.IGNORECASE,
    ),
    # "How long has SKR used it?" is answered by "sedan år 2002".
    "since": re.compile(r"\bsedan\s+(?:år\s+)?(?:19|20)\d\d\b", re.IGNORECASE),
    # A count is no sum of money or share: "how many managers were bought out" is not answered
    # by "utköp för sammanlagt 16 milj. kr".
    # ("1,2 miljoner medarbetare" counts people; "16 milj. kr" is a sum.)
    "count": re.compile(
        rf"(?<![\d.,]){_YEARLESS}\d+(?:[  ]\d{{3}})*(?:[,.]\d+)?(?!\d|[,.]\d)(?!\s*{_MONEY_OR_SHARE})"
        rf"|{_NUMBER}\s*miljon\w*\s+(?:{_PEOPLE_WORDS})"
        rf"|\b({_NUMBER_WORDS}|hälften)\b",
        re.IGNORECASE,
    ),
    # "samtliga nämnder" ("all committees") is no figure of them.
    "amount": re.compile(rf"{_NUMBER}|\b(miljon(er)?|miljard(er)?|hälften|dubbelt)\b", re.IGNORECASE),
}


_HAS_BEEN = re.compile(r"\bhow long (?:has|have|had)\b|\bhur länge (?:har|hade)\b", re.IGNORECASE)
_DURATION_OR_SINCE = re.compile(f"{_FORMS['duration'].pattern}|{_FORMS['since'].pattern}", re.IGNORECASE)


_ASKS_REPLY = re.compile(
    r"\b(answer(?:ed|s)?|repl(?:y|ied|ies)|respon(?:d|ded|se)|svara(?:de|r|t)?|svar(?:et)?|besvara\w*)\b",
    re.IGNORECASE,
)
_PETITION = re.compile(r"\b(interpellation\w*|motion\w*)", re.IGNORECASE)
# "the Askersund reply and the Alingsås interpellation", "interpellationen om chefsrekrytering
# respektive Askersunds svar": two documents side by side, not the reply to the interpellation.
_REPLY_AND_PETITION = re.compile(
    r"\b(?:repl(?:y|ies)|answer|response|svar(?:et)?)\s+(?:[\w'’-]+\s+){0,3}?(?:and|och|respektive)\s+"
    r"(?:the\s+)?(?:[\w'’-]+\s+)?(?:interpellation|motion)"
    r"|\b(?:interpellation(?:en)?|motion(?:en)?)\s+(?:[\w'’-]+\s+){0,3}?(?:and|och|respektive)\s+"
    r"(?:the\s+)?(?:[\w'’-]+\s+)?(?:repl(?:y|ies)|answer|response|svar(?:et)?)\b",
    re.IGNORECASE,
)
_REPLY_TEXT = re.compile(r"\bsvar\w*|\bbesvar\w*|\w+ssvar\w*|\banswer|\breply", re.IGNORECASE)


def missing_reply(question: str, passages: Sequence[Passage]) -> bool:
    """A question about the answer to an interpellation or a motion, when no passage is the answer.

    The councillor's question and the chair's answer are separate documents; the interpellation
    alone is no reply, however well it matches: quoting its questions as the answer is the kind of
    wrong answer a council meeting must not hear.
    """
    # "Jag ska förbereda svaret på interpellationen – vad frågar …?": the reply is the asker's to
    # write, not one asked about.
    question = _PREAMBLE.sub("", question)
    petition = _PETITION.search(question)
    kind = petition.group(1).lower()[:6] if petition else _petition_by_author(question, passages)
    if not (kind and _ASKS_REPLY.search(question)) or _REPLY_AND_PETITION.search(question):
        return False
    for p in passages:
        head = f"{p.doc.title} {p.doc.doc_type}"
        if _REPLY_TEXT.search(head) and kind in head.lower():
            return False
        if kind in p.chunk.text.lower() and _REPLY_TEXT.search(p.chunk.text):
            return False
    return True


def _petition_by_author(question: str, passages: Sequence[Passage]) -> str:
    """ "interp" when the question asks about the questions of a retrieved interpellation's
    author ("Vad svarade ordföranden på Sebastian Aronssons frågor?"), else ""."""
    if not _QUESTIONS.search(question):
        return ""
    for p in passages:
        kind = _PETITION.search(p.doc.doc_type)
        names = re.findall(r"[A-ZÅÄÖ][a-zåäöé]{3,}", p.doc.author)
        if kind and any(re.search(rf"\b{re.escape(n)}", question) for n in names):
            return kind.group(1).lower()[:6]
    return ""


_QUESTIONS = re.compile(r"\b(?:frågor(?:na)?|questions)\b", re.IGNORECASE)


# "What did the pulse survey show?": a question for the results of something that happened.
_ASKS_RESULT = re.compile(
    r"\bwhat (?:did|does|do|have|has) (?P<en>.+?) (?:show|shown|reveal|revealed|find|found|conclude)\b"
    r"|\bvad (?:visade|visar) (?P<sv>.+?)(?:\?|$)"
    # ("vad har nämnden svarat" asks for a reply, not a result)
    r"|\bvad (?:har|kom) (?P<sv3>.+?) (?:visat|kommit fram till|fram till)\b"
    r"|\bvilket resultat (?:gav|fick|visade) (?P<sv2>.+?)(?:\?|$)",
    re.IGNORECASE,
)
# Findings of the document itself ("what did the audit find") are its text, not an event's result.
_DOCUMENT_SUBJECT = re.compile(
    r"\b(audit\w*|evaluat\w*|review\w*|report\w*|kommunkompass\w*|granskning\w*|revisor\w*"
    r"|utvärdering\w*|utvärderar\w*|rapport\w*)",
    re.IGNORECASE,
)
_RESULT = re.compile(
    r"\b(visade|visat|visar|resultat\w*|framkom|framkommer|framgick|framgår|uppvisade\w*|uppgick|ökade"
    r"|minskade|låg på|pekar på)\b|%"
    r"|\d+(?:,\d+)? procent",
    re.IGNORECASE,
)
_RESULT_WORDS = "resultat resultatet resultaten result results utfall outcome outcomes visar visade show"
_FUTURE = re.compile(
    r"\b(kommer(?: att)?|ska|skall|planeras|framöver|avser|undersöks|återrapporteras)\b", re.IGNORECASE
)


def missing_result(
    question: str, passages: Sequence[Passage], terms: Sequence[str], index: LexicalIndex
) -> bool:
    """A question for what something showed, when the passages on it only plan it.

    "What did the first pulse survey in 2022 show?" is not answered by "Pulsmätningarna kommer
    implementeras under 2022": the documents speak of the survey, but of no result. The answer
    needs a sentence on the subject that reports an outcome and does not speak of the future.
    """
    from .compose import split_sentences

    m = _ASKS_RESULT.search(question)
    subject = (m.group("en") or m.group("sv") or m.group("sv2") or m.group("sv3") or "") if m else ""
    authors = author_names(p.doc for p in passages)  # "what did KPMG find" asks the report
    if not m or _DOCUMENT_SUBJECT.search(subject) or authors & set(words(subject)):
        return False
    years, names = specifics(question)
    # "What did the pulse survey results show?": the results are what is asked, not its subject.
    topic = topic_terms(terms, index, names, years) - set(index.analyzer.terms(_RESULT_WORDS))
    subjects = [n for n in names if not _is_place_like(n)]
    for p in passages[:3]:
        # A result is often told a sentence after its subject ("OSA-ronden 2019 ... Det
        # sammanfattande resultatet visar att ..."): the passage must be on the subject.
        # A place is where, not what: "for Alingsås" puts every Alingsås passage on no subject.
        on_subject = speaks_of(p, topic, index) or any(_has_name(p.chunk.text.lower(), n) for n in subjects)
        if on_subject and any(
            _RESULT.search(s) and not _FUTURE.search(s) for s in split_sentences(p.chunk.text)
        ):
            return False
    return True


# "When was it carried out, and how many were interviewed?": the first question is the time's.
_NEXT_QUESTION = re.compile(
    r",?\s+(?:and|och)\s+(?=(?:roughly |ungefär )?(?:how|what|who|which|where|why|hur|vad|vem|vilk\w+"
    r"|varför)\b)|,\s+(?:and|och)\s+",
    re.IGNORECASE,
)


def _own_question(
    question: str,
    asks: re.Pattern[str],
    terms: Sequence[str],
    index: LexicalIndex,
    translations: Sequence[tuple[str, Sequence[str]]],
    expansions: Sequence[str] = (),
    back_reference: bool = False,
) -> tuple[str, Sequence[str], Sequence[tuple[str, Sequence[str]]]]:
    """The part of a two-part question that `asks` for what is checked, with the terms and
    translations of its own words; the whole question when it has one part or the asking one
    names no subject of its own ("…, and when is that supposed to be in place?")."""
    # "Jag har precis börjat på HR. Hur många var anställda …": a sentence before the asking one
    # is the asker's, unless the asking one names no subject of its own (below).
    sentences = _SENTENCE_END.split(question)
    parts = [p for s in sentences for p in _NEXT_QUESTION.split(s) if asks.search(p)]
    if len(parts) != 1 or parts[0] == question:
        return question, terms, translations
    clause = parts[0]
    low = clause.lower()
    own_translations = [(e, s) for e, s in translations if e.lower() in low]
    own = set(index.analyzer.terms(clause)) | {t for _, s in own_translations for t in index.word_terms(s)}
    # The glossary's terms are not told apart by the part they came from: all of them stay.
    own |= set(index.analyzer.terms(" ".join(expansions)))
    own_terms = [t for t in terms if t in own]
    units = set(index.analyzer.terms(UNITS))
    if (back_reference and _BACK_REFERENCE.search(clause)) or (
        not topic_terms([t for t in own_terms if t not in units], index, [], []) and not own_translations
    ):
        return question, terms, translations
    return clause, own_terms, own_translations


_SENTENCE_END = re.compile(r"(?<=[a-zåäö\d][.!?])\s+(?=[A-ZÅÄÖ])")
# "…, and when did that start?", "… och när skulle arbetet i så fall göras?": the part names its
# subject elsewhere.
# ("det", "den" are also articles: "när fattades det politiska beslutet".)
_BACK_REFERENCE = re.compile(
    r"\b(that|this|it|they|them|those|detta|dessa|dem|i så fall|in that case|if so)\b", re.IGNORECASE
)
