"""The bilingual HR glossary: the bundled file, query expansion, search and definitions."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.errors import CorpusError
from assistant.glossary import Glossary, Term

BUNDLED = Path(__file__).resolve().parent.parent / "corpus" / "glossary.toml"


@pytest.fixture(scope="module")
def glossary() -> Glossary:
    return Glossary.load(BUNDLED)


def term(glossary: Glossary, sv: str) -> Term:
    return next(t for t in glossary.terms if t.sv == sv)


# --- the bundled file ------------------------------------------------------------------------


def test_bundled_glossary_is_big_and_well_formed(glossary: Glossary) -> None:
    assert len(glossary.terms) >= 60
    for t in glossary.terms:
        assert t.explanation_sv and t.explanation_en, t.sv
        assert all(e == e.lower() for e in t.en), t.sv
        if t.acronym:
            assert t.expansion_sv, t.sv
            assert t.sv == t.sv.upper() or t.sv == "TiB", t.sv
        else:
            assert t.sv[0].islower() or t.sv[:2] == "HR" or t.sv in {"Kommunkompassen", "Kolada"}, t.sv


@pytest.mark.parametrize(
    ("acronym", "expansion"),
    [
        ("SAM", "systematiskt arbetsmiljöarbete"),
        ("OSA", "organisatorisk och social arbetsmiljö"),
        ("APT", "arbetsplatsträff"),
        ("UGL", "utveckling av grupp och ledare"),
        ("UL", "utvecklande ledarskap"),
        ("IL", "indirekt ledarskap"),
        ("TiB", "tjänsteman i beredskap"),
        ("KKIK", "Kommunens kvalitet i korthet"),
        ("SKR", "Sveriges Kommuner och Regioner"),
        ("MÖ", "medarbetaröverenskommelse"),
        ("LAS", "lagen om anställningsskydd"),
    ],
)
def test_required_acronyms_are_spelled_out_as_the_documents_use_them(
    glossary: Glossary, acronym: str, expansion: str
) -> None:
    t = term(glossary, acronym)
    assert t.acronym and t.expansion_sv == expansion


def test_osa_explanation_names_the_provisions(glossary: Glossary) -> None:
    assert "AFS 2015:4" in term(glossary, "OSA").explanation_sv


# --- expand ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "swedish"),
    [
        ("What did the audit say about the exit interview?", "avslutningssamtal"),
        ("What was staff turnover in 2020?", "personalomsättning"),
        ("How high is sick leave?", "sjukfrånvaro"),
        ("How high is sickness absence?", "sjukfrånvaro"),
        ("Is there a strategy for competence supply?", "kompetensförsörjning"),
        ("Who is responsible for skills supply?", "kompetensförsörjning"),
        ("When was the last employee survey?", "medarbetarenkät"),
        ("Results of the staff survey", "medarbetarenkät"),
        ("How often is the pulse survey run?", "pulsmätning"),
        ("When was the personnel policy adopted?", "personalpolicy"),
        ("Is the HR policy up to date?", "personalpolicy"),
        ("How much severance was paid?", "avgångsvederlag"),
        ("How much severance was paid?", "utköp"),
        ("How many buy-outs were there?", "utköp"),
        ("Are background checks stricter now?", "bakgrundskontroll"),
        ("How are performance reviews done?", "medarbetarsamtal"),
        ("Do we have an annual appraisal?", "medarbetarsamtal"),
        ("When is the salary review?", "lönesamtal"),
        ("When is the salary review?", "löneöversyn"),
        ("What is in the employee agreement?", "medarbetaröverenskommelse"),
        ("How do we become an attractive employer?", "attraktiv arbetsgivare"),
        ("Do we work with employer branding?", "arbetsgivarvarumärke"),
        ("How does recruitment work?", "rekrytering"),
        ("What support does a manager get?", "chef"),
        ("Is there a leadership strategy?", "ledarskap"),
        ("How does onboarding work?", "introduktion"),
        ("What does the introduction for new staff contain?", "introduktion"),
        ("Is the work environment good?", "arbetsmiljö"),
        ("What did the auditors find?", "revisorer"),
        ("What did the audit find?", "revision"),
        ("List the recommendations", "rekommendation"),
        ("Answer to the interpellation", "interpellation"),
        ("What did the municipal executive board decide?", "kommunstyrelse"),
        ("Which committee answered?", "nämnd"),
        ("What did the municipal council adopt?", "kommunfullmäktige"),
        ("Is there succession planning for managers?", "successionsplanering"),
        ("What skills development is offered?", "kompetensutveckling"),
        ("What is discussed at the workplace meeting?", "arbetsplatsträff"),
        ("Do we hire trainees?", "trainee"),
        ("How big is the wellness allowance?", "friskvårdsbidrag"),
        ("Who handles rehabilitation?", "rehabilitering"),
    ],
)
def test_english_hr_words_expand_to_the_swedish_term(glossary: Glossary, question: str, swedish: str) -> None:
    assert swedish in glossary.expand(question)


def test_plurals_and_possessives_match(glossary: Glossary) -> None:
    expanded = glossary.expand("What did the audit say about exit interviews?")
    assert expanded == ["revision", "avslutningssamtal"]
    assert "personalpolicy" in glossary.expand("Are the HR policies old?")
    assert "revisorer" in glossary.expand("The auditors' view")
    assert "revision" in glossary.expand("The audit's conclusion")


def test_hyphens_and_spaces_are_interchangeable(glossary: Glossary) -> None:
    assert "utköp" in glossary.expand("a buy out")
    assert "avslutningssamtal" in glossary.expand("an exit-interview form")


def test_longest_phrase_wins(glossary: Glossary) -> None:
    # "HR manager" is one term; "manager" alone would add chef.
    assert glossary.expand("Who is the HR manager?") == ["HR-chef"]
    assert glossary.expand("Is there a competence supply strategy?") == ["kompetensförsörjningsstrategi"]
    assert glossary.expand("The employee survey") == ["medarbetarenkät"]


def test_acronyms_expand_in_any_language(glossary: Glossary) -> None:
    assert glossary.expand("Hur fungerar SAM i Alingsås?") == ["systematiskt arbetsmiljöarbete"]
    assert glossary.expand("What is OSA?") == ["organisatorisk och social arbetsmiljö"]
    assert glossary.expand("Vem är TiB i helgen?") == ["tjänsteman i beredskap"]
    assert glossary.expand("Vad kostar UGL, UL och IL?") == [
        "utveckling av grupp och ledare",
        "utvecklande ledarskap",
        "indirekt ledarskap",
    ]
    assert glossary.expand("Resultat i KKIK enligt SKR") == [
        "Kommunens kvalitet i korthet",
        "Sveriges Kommuner och Regioner",
    ]
    assert "systematiskt arbetsmiljöarbete" in glossary.expand("Hur ser SAM-processen ut?")


def test_acronyms_do_not_match_inside_words_or_in_lower_case(glossary: Glossary) -> None:
    assert glossary.expand("Hur fungerar samarbetet med facket?") == []
    assert glossary.expand("Samordning och samverkansavtal") == []
    assert glossary.expand("Ilska och irritation på jobbet") == []
    assert glossary.expand("ILSKA") == []
    assert glossary.expand("Sam och Ulla pratade med Lasse") == []
    assert glossary.expand("Vad är osa?") == []


def test_english_words_do_not_match_inside_other_words(glossary: Glossary) -> None:
    assert glossary.expand("Hur rekryterar vi chefer?") == []  # "chef" is Swedish, not an English phrase
    assert glossary.expand("the unionised staff") == []  # not "union"
    assert glossary.expand("the auditorium") == []  # not "audit"
    assert glossary.expand("") == []


def test_expand_keeps_question_order_without_repeats(glossary: Glossary) -> None:
    assert glossary.expand("sick leave, staff turnover and sick leave again") == [
        "sjukfrånvaro",
        "personalomsättning",
    ]


def test_english_phrase_for_an_acronym_gives_term_and_expansion(glossary: Glossary) -> None:
    expanded = glossary.expand("systematic work environment management")
    assert expanded == ["SAM", "systematiskt arbetsmiljöarbete"]


# --- search ----------------------------------------------------------------------------------


def test_empty_search_lists_every_term_in_swedish_order(glossary: Glossary) -> None:
    listed = glossary.search("")
    assert len(listed) == len(glossary.terms)
    keys = [t.sv.casefold() for t in listed]
    assert keys.index("vikariat") < keys.index("årsredovisning")  # å after v, as in Swedish
    assert keys.index("avslutningssamtal") < keys.index("bakgrundskontroll")


def test_search_finds_swedish_english_and_acronyms_best_first(glossary: Glossary) -> None:
    assert glossary.search("avslutningssamtal")[0].sv == "avslutningssamtal"
    assert glossary.search("exit interview")[0].sv == "avslutningssamtal"
    assert glossary.search("Exit Interviews")[0].sv == "avslutningssamtal"
    assert glossary.search("sam")[0].sv == "SAM"
    assert glossary.search("sjuk")[0].sv == "sjukfrånvaro"
    assert glossary.search("avslutningssamtalen")[0].sv == "avslutningssamtal"


def test_search_falls_back_to_explanations(glossary: Glossary) -> None:
    assert [t.sv for t in glossary.search("Novi")] == ["avslutningssamtal"]
    assert glossary.search("beredskap")[0].sv == "TiB"
    assert glossary.search("xyzzy") == []


def test_search_respects_limit(glossary: Glossary) -> None:
    assert len(glossary.search("a", limit=3)) == 3
    assert glossary.search("a", limit=0) == []


# --- define ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "sv"),
    [
        ("What is a medarbetaröverenskommelse?", "medarbetaröverenskommelse"),
        ("Vad är en medarbetaröverenskommelse?", "medarbetaröverenskommelse"),
        ("what is an exit interview", "avslutningssamtal"),
        ("What are exit interviews?", "avslutningssamtal"),
        ("What's staff turnover?", "personalomsättning"),
        ("Vad betyder avslutningssamtalen?", "avslutningssamtal"),
        ("Vad står SAM för?", "SAM"),
        ("Vad står TiB för?", "TiB"),
        ("What does IL stand for?", "IL"),
        ("What does MÖ mean?", "MÖ"),
        ("Vad innebär kompetensförsörjning?", "kompetensförsörjning"),
        ("Vad menas med heltid som norm?", "heltid som norm"),
        ("Vad är en arbetsplatsträff?", "APT"),
        ("What is 'OSA'?", "OSA"),
        ("What does the acronym KKIK mean?", "KKIK"),
        ("Define succession planning", "successionsplanering"),
        ("Vad är friskvårdsbidrag för något?", "friskvårdsbidrag"),
    ],
)
def test_define_recognises_questions_about_a_term(glossary: Glossary, question: str, sv: str) -> None:
    found = glossary.define(question)
    assert found is not None and found.sv == sv


@pytest.mark.parametrize(
    "question",
    [
        "What was the staff turnover in 2020?",
        "Who owns exit interviews?",
        "Vad sa revisorerna om avslutningssamtal?",
        "What is the weather like?",
        "Vad är klockan?",
        "",
    ],
)
def test_define_ignores_other_questions(glossary: Glossary, question: str) -> None:
    assert glossary.define(question) is None


# --- loading ---------------------------------------------------------------------------------


def test_missing_file_gives_an_empty_glossary(tmp_path: Path) -> None:
    empty = Glossary.load(tmp_path / "nope.toml")
    assert empty.terms == () and empty.expand("exit interview") == [] and empty.define("What is SAM?") is None


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "glossary.toml"
    path.write_text(text, encoding="utf-8")
    return path


GOOD_ENTRY = """
[[term]]
sv = "avslutningssamtal"
en = ["exit interview"]
explanation_sv = "Samtal när någon slutar."
explanation_en = "A talk when someone leaves."
"""


def test_a_small_file_loads(tmp_path: Path) -> None:
    loaded = Glossary.load(write(tmp_path, GOOD_ENTRY))
    assert loaded.terms == (
        Term(
            "avslutningssamtal",
            ("exit interview",),
            "Samtal när någon slutar.",
            "A talk when someone leaves.",
        ),
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[[term]\nsv = ", r"glossary\.toml: not valid TOML"),
        (
            GOOD_ENTRY + '\n[[term]]\nsv = "sjukfrånvaro"\nen = ["sick leave"]\n',
            r"number 2 \('sjukfrånvaro'\): missing",
        ),
        (
            GOOD_ENTRY.replace('["exit interview"]', '"exit interview"'),
            r"number 1 \('avslutningssamtal'\): en must",
        ),
        (GOOD_ENTRY + 'colour = "blue"\n', r"number 1 \('avslutningssamtal'\): unknown fields \['colour'\]"),
        (GOOD_ENTRY + "acronym = true\n", r"number 1 \('avslutningssamtal'\): an acronym needs expansion_sv"),
        (GOOD_ENTRY + 'acronym = "yes"\n', r"acronym must be true or false"),
        (GOOD_ENTRY + GOOD_ENTRY, r"number 2 \('avslutningssamtal'\) repeats number 1"),
        ('term = "x"\n', r"must be an array of tables"),
    ],
)
def test_malformed_file_names_file_and_entry(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(CorpusError, match=message) as info:
        Glossary.load(write(tmp_path, text))
    assert str(tmp_path / "glossary.toml") in str(info.value)
