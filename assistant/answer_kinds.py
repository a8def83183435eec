"""What kind of answer a question asks for, and whether the passages hold one.

"Which company runs the background checks?" asks for a name, "När ska policyn antas?" for a time,
"Vad tycker facket?" for someone's view, "How did the board respond to the audit?" for a reply:
a passage on the subject that lacks that kind of answer does not answer the question. Each check
here says when the retrieved passages lack it; the abstention policy (assistant.py) turns that
into "the documents don't answer this". Figures have their own check, in evidence.py.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence

from .evidence import (
    _BODY,
    _DOCUMENT_SUBJECT,
    _DOCUMENT_WORDS,
    _REPLY_TEXT,
    PARTIES,
    UNITS,
    _figure_subject,
    _has_name,
    _holds,
    _is_place_like,
    _names_places,
    _own_question,
    alternatives,
    author_names,
    specifics,
    topic_terms,
)
from .lexical import LexicalIndex, idf_weight, words
from .types import Passage

# A verb between "vilka yrkesgrupper" and "har kommunen" ends the words of the class asked for.
_AUXILIARIES = (
    r"(?:har|hade|är|var|ska|skulle|kan|kunde|får|fick|gör|gjorde|blir|blev|did|does|do|has|have|had"
    r"|is|are|was|were|will|would|can|could)\b"
)
# "Which company / vilket rekryteringsföretag / which neighbouring municipality": the answer is a
# name. The class word is kept out of the subject the name must stand with.
_ASKS_NAME = re.compile(
    r"\b(?:which|what|vilket|vilken|vilka)\s+(?:(?!" + _AUXILIARIES + r")[\w-]+\s+){0,2}?(?P<kind>"
    r"compan(?:y|ies)|firms?|suppliers?|vendors?|providers?|software|consultan\w*|systems?|tools?|platforms?"
    r"|municipalit(?:y|ies)|(?:trade )?unions?|organi[sz]ations?"
    r"|agenc(?:y|ies)|schools?|channels?|(?:web)?sites?|part(?:y|ies)|parti(?:et|er|erna)?"
    r"|\w*byrå(?:n|er|erna)?|skol(?:a|an|or|orna)|kanal(?:en|er|erna)?"
    r"|\w*företag(?:et|en)?|\w*leverantör\w*|\w*konsult\w*|\w*kommun(?:er|en|erna)?|\w*bolag\w*"
    r"|fackförbund\w*|fack(?:et|en)?|\w*system(?:et|en)?|verktyg\w*|plattform\w*)\b",
    re.IGNORECASE,
)
# "Vad heter det nya intranätet?", "what is the new intranet called?": the name of a thing (a
# person's name is `_ASKS_PERSON`'s).
_ASKS_CALLED = re.compile(
    # ("Vad heter det på engelska?" asks for a translation.)
    r"\bvad heter (?:den |det |de )?(?:\w+ ){0,2}?(?!svenska|engelska)(?P<kind>[\w-]{4,})"
    r"(?=\s+(?:som|i|på|för|från)\b|\s*\?|$)"
    r"|\bwhat(?:'s| is| was) (?:the )?name of (?:the |its |their )?(?:\w+ ){0,2}?(?P<kind_en>[\w-]{4,})"
    r"(?=\s+(?:for|of|in|at|that|which|used|from)\b|\s*\?|$)"
    r"|\bwhat (?:is|was|are) (?:the |its |their )?(?:\w+ ){0,2}?(?P<kind_en2>[\w-]{4,}) called\b"
    r"(?!\s+in\s+(?:english|swedish))",
    re.IGNORECASE,
)
# A Swedish party, by its letters or its name.
_PARTY = re.compile(r"\((?:" + "|".join(PARTIES) + r")\)|\b(?i:" + "|".join(PARTIES.values()) + r")\b")
# A capitalised word inside a sentence, or an acronym: Swedish capitalises names only.
_PROPER = re.compile(r"(?<![\w-])([A-ZÅÄÖ][\wåäöéÅÄÖ-]{2,}|[A-ZÅÄÖ]{2,}\w*)")
# "HR-avdelningen", "KS", "HR" abbreviate bodies and terms; they name no company or place.
_NOT_PROPER = re.compile(r"[A-ZÅÄÖ]{2,}-[a-zåäö]|[A-ZÅÄÖ]{2}$")
# "(Alingsås Tidning 20230911)" cites a source; its name is not what the sentence is about.
_SOURCE_REFERENCE = re.compile(r"\([^()]*\d[^()]*\)")


def proper_names(sentence: str) -> list[str]:
    """The names a sentence holds: capitalised words other than its first, and acronyms."""
    text = _SOURCE_REFERENCE.sub(" ", sentence)
    lead = len(text) - len(text.lstrip(" •-–*#0123456789.)("))
    return [
        m.group(1) for m in _PROPER.finditer(text) if m.start() > lead and not _NOT_PROPER.match(m.group(1))
    ]


def missing_name(
    question: str,
    passages: Sequence[Passage],
    terms: Sequence[str],
    index: LexicalIndex,
    translations: Sequence[tuple[str, Sequence[str]]] = (),
) -> bool:
    """A "which company / vilket system" question whose passages name none where they speak of it.

    "Which company does Alingsås use for background checks?" is not answered by the passage on
    background checks when it names no company: quoting it would answer a different question.
    The answer needs a sentence holding one of the question's terms and, in it or the next, a name
    the question does not hold itself. Any term will do, not the two most specific: a name is
    often introduced in other words ("goda exempel" for "förebilder").
    """
    m = _ASKS_NAME.search(question)
    called = _ASKS_CALLED.search(question) if not _ASKS_PERSON.search(question) else None
    _, names = specifics(question)
    if not (m or called) or alternatives(question, names):  # "Alingsås or Askersund?" names its own answers
        return False
    kind = m.group("kind") if m else next(g for g in called.groups() if g)
    wanted = _subject_terms(question, terms, index, translations)
    # The class word is left out, unless it is all the subject there is ("vad heter intranätet?").
    wanted = wanted - set(index.analyzer.terms(kind)) or (wanted if called and not m else set())
    if not wanted:
        return False
    own = [n.lower() for n in names]
    party = kind.lower().startswith("part")

    def another_name(sentence: str, following: str) -> bool:
        if party:  # "Sebastian Aronsson (S)": a party is named by its letters
            return bool(_PARTY.search(f"{sentence} {following}"))
        # The names may follow: "Kommunen har två helägda bolag. Av ägardirektiven till
        # Alingsåshem och Alingsås energi framgår …"
        found = (n.lower() for n in proper_names(sentence) + proper_names(following))
        return any(not any(_same_name(n, o) for o in own) for n in found)

    return not _told_on(passages, wanted, index, another_name)


# Endings that inflect a name ("Askersunds", "Kommunkompassens"); a longer one makes another
# name of it: "Alingsåshem" is a company of Alingsås, not Alingsås.
_NAME_ENDINGS = frozenset(["ens", "ets", "s:s"])


def _same_name(found: str, own: str) -> bool:
    """Whether a name found in a passage is the question's own name in some form."""
    tail = found[len(own) :] if found.startswith(own) else ""
    if len(tail) >= 3 and tail not in _NAME_ENDINGS:
        return False
    return _has_name(found, own) or _has_name(own, found)


def _subject_terms(
    question: str,
    terms: Sequence[str],
    index: LexicalIndex,
    translations: Sequence[tuple[str, Sequence[str]]],
) -> set[str]:
    """The question's rarer terms other than its places and years, and every translation's terms."""
    years, names = specifics(question)
    wanted = topic_terms(terms, index, [n for n in names if _is_place_like(n)], years)
    return wanted | {t for _, swedish in translations for t in index.word_terms(swedish)}


def _told_on(
    passages: Sequence[Passage], wanted: set[str], index: LexicalIndex, tells: Callable[[str, str], bool]
) -> bool:
    """Whether a sentence of the top passages on the subject (one of the `wanted` terms), with
    the sentence after it, `tells` what the question asks for: a name, a person, a frequency."""
    return any(tells(sentence, following) for sentence, following in _sentences_on(passages, wanted, index))


def _sentences_on(
    passages: Sequence[Passage], wanted: set[str], index: LexicalIndex
) -> Iterator[tuple[str, str]]:
    """(sentence, the sentence after it or "") for each sentence of the top three passages that
    holds one of the `wanted` terms."""
    from .compose import split_sentences

    for p in passages[:3]:
        sentences = split_sentences(p.chunk.text)
        for i, sentence in enumerate(sentences):
            if any(_holds(set(index.analyzer.terms(sentence)), t) for t in wanted):
                yield sentence, sentences[i + 1] if i + 1 < len(sentences) else ""


# "Vad heter kommundirektören?", "Who chairs the board?", "name of the HR director?": the answer is
# a person's name, which a sentence on the role must give.
_ASKS_PERSON = re.compile(
    r"\bvad heter (?:\w+ ){0,2}[\w-]*(?:chef|direktör|ordförande|strateg|partner|samordnare|ansvarig)\w*\b"
    r"|\bnames? of (?:the )?(?:current |[\w'’]+ )?(?:[\w-]+ )?[\w-]*"
    r"(?:director|chair\w*|head|manager|strategist|partner|executive|officer|coordinator|secretary)s?\b"
    r"|\bwho (?:chairs|heads|leads|runs|manages|chaired|headed|led|ran|managed)\b"
    r"|\bwho is (?:the )?(?:current )?(?:[\w-]+ )?[\w-]*(?:director|chair\w*|head|manager)\b"
    r"|\bvem är (?:\w+ )?[\w-]*(?:chef|direktör|ordförande)\w*\b"
    r"|\bvem (?:leder|ledde)\b",
    re.IGNORECASE,
)
# First and last name: "Ulrika Elming", "Sebastian Aronsson (S)".
_PERSON = re.compile(r"(?<![\w-])[A-ZÅÄÖ][a-zåäöé]+ (?:[A-ZÅÄÖ][a-zåäöé]+-)?[A-ZÅÄÖ][a-zåäöé]{2,}\b")


def missing_person(
    question: str,
    passages: Sequence[Passage],
    terms: Sequence[str],
    index: LexicalIndex,
    translations: Sequence[tuple[str, Sequence[str]]] = (),
) -> bool:
    """A question for who holds a post ("Vem är HR-chef i Alingsås?") whose passages name no person
    where they speak of it: "HR-chefen lyfter att …" tells what the HR manager said, not who it is."""
    if not _ASKS_PERSON.search(question):
        return False
    wanted = _subject_terms(question, terms, index, translations)
    if not wanted:
        return False
    own = question.lower()

    def another_person(sentence: str, following: str) -> bool:
        nearby = f"{sentence} {following}"
        return any(m.group().lower() not in own for m in _PERSON.finditer(nearby) if m.start() > 0)

    return not _told_on(passages, wanted, index, another_person)


# "När / when / on what date / by when": the answer is a time.
_ASKS_WHEN = re.compile(
    r"^(?:\w+\s+)?(?:when|när)\b|\b(?:what|which|vilket|vilken)\s+(?:date|datum|year|år|month|månad)\b"
    r"|\b(?:and|och)\s+(?:by\s+)?(?:when|när)\b|\bby when\b",
    re.IGNORECASE,
)
_WHEN_CLAUSE = re.compile(
    r"^(?:\w+\s+)?(?:när|when)\b[^?–,:]*[–,:]\s*(?=(?:är|har|ska|kan|vem|vad|hur|vilk\w*|finns|får|gäller"
    r"|is|are|does|do|who|what|how|which|can|should|must|will)\b)",
    re.IGNORECASE,
)
# "Vem bestämmer vilka utbildningar en chef ska gå, och när?": the when is what the person
# decides; the question asks who.
_WHO_DECIDES = re.compile(
    r"^(?:vem|vilka|who)\s+(?:bestämmer|beslutar|avgör|styr|decides?|determines?|chooses?)\b", re.IGNORECASE
)
# "On what date / vilket datum / exactly when": a day, not a year or a season.
_ASKS_DAY = re.compile(r"\b(?:what|which|vilket) (?:date|datum)\b|\bexact(?:ly)? when\b|\bexakt när\b", re.I)
_MONTHS = (
    "januari|februari|mars|april|maj|juni|juli|augusti|september|oktober|november|december"
    "|january|february|march|may|june|july|august|october"
)
_TIME = re.compile(
    rf"(?<!\d)(?:19|20)\d\d(?!\d\d)|\b(?:{_MONTHS})\b|\b(?:vår|höst|sommar|vinter)(?:en|terminen)?\b"
    r"|\b(?:i (?:slutet|början|mitten) av|under|inför|till|inom|senast|vid) (?:året|årets|nästa år"
    r"|\w*terminen|\w*perioden)\b|\bårets (?:slut|början)\b|\bårsskiftet\b|\bkvartal\w*|\btertial\w*"
    r"|\bhalvår\w*|\bvecka \d+|\btidpunkt\w*|\bi samband med\b",
    re.IGNORECASE,
)
_DAY = re.compile(
    rf"\b\d{{4}}-\d\d-\d\d\b|\b\d{{1,2}}(?::?e)? (?:{_MONTHS})\b|\b20\d\d[01]\d[0-3]\d\b", re.IGNORECASE
)
# "Which month in 2019 …?" is not answered by "2019".
_ASKS_MONTH = re.compile(r"\b(?:what|which|vilken) (?:month|månad)\b", re.IGNORECASE)
_MONTH = re.compile(rf"{_DAY.pattern}|\b(?:{_MONTHS})\b", re.IGNORECASE)
# A year with a footnote mark glued on ("budget för 2021–20233", "analyser7"): the footnote,
# elsewhere on the page, gives the source and its date.
_FOOTNOTE_MARK = re.compile(r"(?<!\d)(?:19|20)\d\d\d(?!\d)|[a-zåäö]{3}\d(?!\d)")


# The time asked for is not what it is the time of.
# Words of the time asked for, and of something beginning ("när skulle mallen börja användas"):
# the answer says when, not these words.
_DATE_WORDS = (
    "datum tidpunkt dag månad år vecka exakt börja började börjar påbörjas påbörjades starta startade"
    " daterad daterade daterat daterades"
)
_KIND_PREFIX = 6  # "interp" of "interpellationen", "revisi" of "revisionsrapporten"
# "När planeras nästa utvärdering?" asks of another document than the one retrieved.
_ANOTHER_DOCUMENT = re.compile(
    r"\b(nästa|next|kommande|upcoming|nya?|new|another|follow-up|uppföljande|planera\w*|plan(?:s|ned)?)\b",
    re.IGNORECASE,
)
_ENGLISH_DATE_WORDS = frozenset("date dated exactly year month time day start started begin began".split())


def missing_time(
    question: str,
    passages: Sequence[Passage],
    terms: Sequence[str],
    index: LexicalIndex,
    translations: Sequence[tuple[str, Sequence[str]]] = (),
    expansions: Sequence[str] = (),
    language: str = "sv",
) -> bool:
    """A "when / vilket datum" question whose passages give no time where they speak of it.

    "När ska Alingsås nya medarbetarpolicy antas?" is not answered by passages on the policy that
    give no time; "On what date did the council decide?" is not answered by "under hösten 2023".
    The answer needs a sentence with the subject (or a name of the question) and a time other
    than the question's own years. A Swedish question's subject is its two most specific words
    (as for figures); an English one's is any of its specific words, as its translations are
    too uncertain to pick two of.
    """
    from .compose import split_sentences

    # "När en medarbetare slutar – är det chefen som …?": the "när" opens a condition.
    condition = _WHEN_CLAUSE.match(question)
    if condition:
        question = question[condition.end() :]
    if not _ASKS_WHEN.search(question) or _WHO_DECIDES.match(question):
        return False
    # A part that names only the time ("… och när är de daterade?") names its subject elsewhere.
    # Nor is the place ("Askersunds hemsida …", first in the question) what the time is of.
    date_words = set(index.analyzer.terms(_DATE_WORDS))
    date_words |= {t for p in passages for t in index.analyzer.terms(p.doc.municipality)}
    translations = [(e, s) for e, s in translations if e.lower() not in _ENGLISH_DATE_WORDS]
    terms = [t for t in terms if t not in date_words]
    clause, terms, translations = _own_question(
        question, _ASKS_WHEN, terms, index, translations, expansions, back_reference=True
    )
    years, names = specifics(clause)
    places = [n for n in names if _is_place_like(n)]
    municipalities = {w.lower() for p in passages for w in words(p.doc.municipality)}
    # ("Alingsås", "Askersunds": the place, not a thing the time is of.)
    things = [n.lower() for n in names if not {n.lower(), n.lower()[:-1]} & municipalities]
    if language == "en":
        units = set(index.analyzer.terms(UNITS)) | set(index.analyzer.terms(_DOCUMENT_WORDS))
        wanted = {t for t in topic_terms(terms, index, places, years) if t not in units and not t.isdigit()}
    else:
        wanted = _figure_subject(clause, terms, index, translations, expansions)[0]
    wanted -= date_words
    form = _DAY if _ASKS_DAY.search(clause) else _MONTH if _ASKS_MONTH.search(clause) else _TIME
    aliases = dict(translations)
    low_clause = clause.lower()
    for p in passages[:3]:
        if not _names_places(p, places, aliases):
            continue
        # "Vilket datum är interpellationen från?": the document's own date answers a question
        # about the document.
        kind = [w[:_KIND_PREFIX] for w in words(p.doc.doc_type.lower()) if len(w) >= _KIND_PREFIX]
        if (
            (_DOCUMENT_SUBJECT.search(clause) or any(k in low_clause for k in kind))
            and not _ANOTHER_DOCUMENT.search(clause)
            and form.search(p.doc.date)
        ):
            return False
        for sentence in split_sentences(p.chunk.text):
            dated = _FOOTNOTE_MARK.search(sentence)
            for year in years:
                sentence = sentence.replace(year, "")
            if not (dated or form.search(sentence)):
                continue
            found, low = set(index.analyzer.terms(sentence)), sentence.lower()
            if not wanted or any(_holds(found, t) for t in wanted) or any(_has_name(low, n) for n in things):
                return False
    return True


# "Hur ofta / how often / how many times a year": the answer is a frequency.
_ASKS_OFTEN = re.compile(
    r"\b(?:how|hur)\s+(?:often|frequently|regularly|ofta|regelbundet)\b"
    r"|\b(?:how many times|hur många gånger)\s+(?:a|per|om|i)\s+(?:year|month|week|år|månad|vecka)",
    re.IGNORECASE,
)
# "fyra gånger per år", "vartannat år", "två gånger årligen", "löpande", "varje termin".
_FREQUENCY = re.compile(
    r"\bgång(?:er)?\s+(?:per|om|i|varje|under|in)\b|\b(?:varje|vart|varannan|vartannat|per)\s+"
    r"(?:\w+\s+)?(?:år|månad|vecka|kvartal|tertial|termin|dag|halvår|mandatperiod)\w*"
    r"|\b(?:års|halvårs|månads|vecko|kvartals|tertials)vis\b|\b(?:år|månat|vecko|dag)lig(?:en|a|t)?\b"
    r"|\bregelbund\w*|\blöpande\b|\bkontinuerlig\w*|\bsällan\b|\bofta\b|\bvid behov\b"
    r"|\b(?:once|twice|times) (?:a|per|every)\b|\b(?:annual|yearly|monthly|weekly|quarterly)\b",
    re.IGNORECASE,
)
_OFTEN_WORDS = "ofta regelbundet gång gånger often frequently regularly times"


def missing_frequency(
    question: str,
    passages: Sequence[Passage],
    terms: Sequence[str],
    index: LexicalIndex,
    translations: Sequence[tuple[str, Sequence[str]]] = (),
) -> bool:
    """A "how often / hur ofta" question whose passages give no frequency where they speak of it.

    "Hur ofta stämmer cheferna av nulägesbilden med sin HR-partner?" is not answered by the
    passage that says they do, without saying how often. The answer needs a sentence on the
    subject with a frequency ("fyra gånger per år", "vartannat år", "löpande"), in it or the next.
    """
    if not _ASKS_OFTEN.search(question):
        return False
    wanted = _subject_terms(question, terms, index, translations) - set(index.analyzer.terms(_OFTEN_WORDS))
    if not wanted:
        return False
    return not _told_on(
        passages,
        wanted,
        index,
        lambda sentence, following: bool(_FREQUENCY.search(sentence) or _FREQUENCY.search(following)),
    )


# "Which committee / vilken förvaltning": the answer names a body of the municipality. English
# may put words between ("which social services committee"), but not a verb ("which
# recommendation did the committee"); Swedish writes the body as a compound ("vilken nämnd").
_ASKS_BODY = re.compile(
    r"\b(?:which|what)\s+(?:(?!"
    + _AUXILIARIES
    + r"|the\b)[\w'’-]+\s+){0,2}?(?:committees?|departments?|administrations?)\b"
    r"|\b(?:vilken|vilka|vilket)\s+(?:nämnd(?:en|er|erna)?|förvaltning(?:en|ar|arna)?|avdelning(?:en|ar|arna)?)\b",
    re.IGNORECASE,
)


def missing_body(
    question: str,
    passages: Sequence[Passage],
    terms: Sequence[str],
    index: LexicalIndex,
    translations: Sequence[tuple[str, Sequence[str]]] = (),
) -> bool:
    """A "which committee / vilken förvaltning" question whose passages name none where they
    speak of it: "Which committee had the highest staff turnover?" is not answered by the
    turnover of the whole municipality. A body named in the question is not an answer to it."""
    m = _ASKS_BODY.search(question)
    if not m:
        return False
    wanted = _subject_terms(question, terms, index, translations) - set(index.analyzer.terms(m.group()))
    if not wanted:
        return False
    own = set(_BODY.findall(question.lower()))

    def another_body(sentence: str, following: str) -> bool:
        return any(b not in own for b in _BODY.findall(f"{sentence} {following}".lower()))

    return not _told_on(passages, wanted, index, another_body)


# "Vad tycker facket om …", "How do the unions view …": what someone thinks.
_ASKS_VIEW = re.compile(
    r"\b(?:what|how)\s+(?:do|does|did)\s+(?P<en>.+?)\s+(?:think|feel|view|regard)\b"
    r"|\bwhat (?:is|are|was|were) (?P<en2>.+?)(?:'s|s') (?:view|views|position|opinion|stance)\b"
    r"|\bvad\s+(?:tycker|anser|tyckte|ansåg|menar)\s+(?P<sv>.+?)\s+(?:om|att|kring|angående)\b"
    r"|\bhur\s+(?:ställer sig|ser)\s+(?P<sv2>.+?)\s+(?:till|på)\b",
    re.IGNORECASE,
)
_EVALUATORS = re.compile(
    r"\b(evaluators?|utvärderar\w*|authors?|författar\w*|interpellant\w*|auditors?|revisor\w*)\b",
    re.IGNORECASE,
)
_PRONOUNS = frozenset("they de dom you ni we vi it det den".split())
_OPINION = re.compile(
    r"\b(anser|ansåg|tycker|tyckte|menar|menade|framför\w*|ställer sig|ställt sig|positiv\w*|negativ\w*"
    r"|kritisk\w*|kritik\w*|välkomna\w*|efterfrå\w*|önskar|önskemål\w*|uppskatta\w*|upplever|upplevs"
    r"|synpunkt\w*|stödjer|motsätter|invändning\w*|oro\w*|missnöj\w*|nöjd\w*|anses|uppfattas)\b",
    re.IGNORECASE,
)
# Opinions told without who holds them ("HR-stödet är mycket uppskattat") may be anyone's.
_UNOWNED_OPINION = re.compile(r"\b(upplevs|anses|uppfattas|uppskatta\w*)\b", re.IGNORECASE)


def missing_view(
    question: str,
    passages: Sequence[Passage],
    index: LexicalIndex,
    translations: Sequence[tuple[str, Sequence[str]]] = (),
) -> bool:
    """A question for what someone thinks, when no passage tells an opinion of theirs.

    "Vad tycker de fackliga organisationerna om centraliseringen?" is not answered by "Fackliga
    organisationer är alltid med vid chefsrekryteringar": the unions are named, their view is not.
    The answer needs a sentence with an opinion word ("anser", "kritiska", "upplever") and the
    one who holds it, or an opinion told without its holder. What the documents' authors think
    ("What does SKR think…", "the evaluators") is their text, and so exempt.
    """
    from .compose import split_sentences

    m = _ASKS_VIEW.search(question)
    if not m:
        return False
    holder = next(g for g in m.groups() if g)
    authors = author_names(p.doc for p in passages)
    # "Vad tycker Aronsson …?": an interpellation is its author's view, all of it.
    authors |= {w.lower() for p in passages for n in _PERSON.findall(p.doc.author) for w in n.split()}
    if (
        _DOCUMENT_SUBJECT.search(holder)
        or _EVALUATORS.search(holder)
        or authors & set(words(holder.lower()))
        or holder.lower() in _PRONOUNS
    ):
        return False
    terms = {t for t in index.analyzer.terms(holder) if idf_weight(index, t) > 0}
    terms |= {t for e, s in translations if e.lower() in holder.lower() for t in index.word_terms(s)}
    if not terms:
        return False
    for p in passages[:3]:
        for sentence in split_sentences(p.chunk.text):
            if _OPINION.search(sentence) and (
                _UNOWNED_OPINION.search(sentence)
                or any(_holds(set(index.analyzer.terms(sentence)), t) for t in terms)
            ):
                return False
    return True


# "How did the executive board respond to the audit's recommendations?": a reply to an audit.
_TO_AUDIT = re.compile(
    r"\b(recommendation\w*|rekommendation\w*|audit\w*|granskning\w*|revision\w*|revisor\w*|review\w*)",
    re.IGNORECASE,
)
_RESPONDER = re.compile(
    r"\b(?:how|what)\s+(?:did|does|has|have)\s+(?P<en>.+?)\s+(?:respond|reply|answer|say in reply)\b"
    r"|\b(?:vad|hur)\s+(?:svarade|svarar|har)\s+(?P<sv>.+?)\s+(?:svarat\s+)?(?:på|om)\b",
    re.IGNORECASE,
)
# Who may reply, in both languages: the executive board is "kommunstyrelsen", a committee a "nämnd".
_BODIES = (
    ("kommunstyrelse", re.compile(r"\b(executive (?:board|committee)|kommunstyrelse\w*)\b", re.I)),
    ("fullmäktige", re.compile(r"\b(full council|municipal council|\w*fullmäktige\w*)\b", re.I)),
    ("nämnd", re.compile(r"\b(committee|\w*nämnd\w*)\b", re.I)),
)


# A committee by its name: "socialnämnden", "kultur- och tekniknämnden" ("tekniknämnd").
_COMMITTEE = re.compile(r"[\wåäö]{3,}nämnd")


def responding_bodies(question: str) -> list[str]:
    """The bodies a question says answered, in the documents' Swedish: "How did the executive
    board respond…" -> ["kommunstyrelse"]; [] when it names none. A committee named by its name
    is named too ("Vad svarade socialnämnden …" -> ["nämnd", "socialnämnd"]): another committee's
    reply is not its."""
    m = _RESPONDER.search(question)
    responder = (m.group("en") or m.group("sv") or "") if m else ""
    bodies = [swedish for swedish, pattern in _BODIES if responder and pattern.search(responder)]
    return bodies + _COMMITTEE.findall(responder.lower())


def missing_audit_reply(question: str, passages: Sequence[Passage]) -> bool:
    """A question for how someone answered an audit, when no retrieved document is that answer.

    "How did the Alingsås executive board respond to KPMG's recommendations?" is not answered by
    the recommendations, nor by Askersund's committee answering its own auditors: the answer
    must be a reply document of the place asked about, and of the body that the question says
    replied ("kommunstyrelsen i Askersund" did not; its culture committee did).
    """
    if not (_RESPONDER.search(question) and _TO_AUDIT.search(question)):
        return False
    _, names = specifics(question)
    places = [n for n in names if _is_place_like(n)]
    bodies = responding_bodies(question)
    for p in passages:
        head = f"{p.doc.title} {p.doc.doc_type}"
        if not _REPLY_TEXT.search(head) or not _names_places(p, places, {}):
            continue
        if all(b in p.doc.author.lower() for b in bodies):
            return False
    return True


# "Var i KPMG:s rapport beskrivs …", "Which section of the evaluation discusses …": the answer is
# a place in a document; a figure or a time named in the question is its subject, not asked for.
_WHERE_IN_DOCUMENT = re.compile(
    r"^(?:var|where)\s+(?:i|in)\s+(?:the\s+)?(?:[\w:'’-]+\s+){0,2}?(?:rapport\w*|granskning\w*|revision\w*"
    r"|kommunkompass\w*|utvärdering\w*|dokument\w*|report|audit|evaluation|review|document)"
    r"|\b(?:which|what|vilket|vilken|i vilket|in which)\s+(?:section|chapter|avsnitt|kapitel|part of the)\b"
    r"|\b(?:i\s+)?vilken\s+del\s+av\b",
    re.IGNORECASE,
)


def asks_where_in_document(question: str) -> bool:
    return bool(_WHERE_IN_DOCUMENT.search(question))
