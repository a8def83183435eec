"""The English -> Swedish lexicon (corpus/lexicon.tsv) and its use on the lexical side."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.build import make_embedder, make_store
from assistant.config import BUNDLED_CORPUS, Settings
from assistant.errors import CorpusError
from assistant.glossary import Glossary
from assistant.lexicon import Lexicon
from assistant.retrieval import Retriever
from ingest.pipeline import IngestOptions, ingest


def lexicon(text: str, tmp_path: Path) -> Lexicon:
    path = tmp_path / "lexicon.tsv"
    path.write_text(text, encoding="utf-8")
    return Lexicon.load(path)


def swedish(lex: Lexicon, question: str) -> dict[str, tuple[str, ...]]:
    return {c.english: c.swedish for c in lex.concepts(question)}


def test_lines_comments_and_a_missing_file(tmp_path: Path) -> None:
    lex = lexicon("# a comment\n\nmall\ttemplate; form\nhemsida\twebsite; homepage\n", tmp_path)
    assert len(lex) == 2
    found = swedish(lex, "Is there a template on the website?")
    assert found == {"template": ("mall",), "website": ("hemsida",)}
    assert len(Lexicon.load(tmp_path / "absent.tsv")) == 0


@pytest.mark.parametrize("line", ["mall template", "mall\t", "\ttemplate", "mall\ttemplate\textra"])
def test_a_malformed_line_is_refused_with_its_number(tmp_path: Path, line: str) -> None:
    with pytest.raises(CorpusError, match=r"lexicon.tsv: line 2"):
        lexicon(f"hemsida\twebsite\n{line}\n", tmp_path)


def test_english_inflections_find_the_gloss(tmp_path: Path) -> None:
    lex = lexicon("chef\tmanager; head\nantogs\tadopt; approve\n", tmp_path)
    assert swedish(lex, "When were the managers' plans adopted?") == {
        "managers": ("chef",),
        "adopted": ("antogs",),
    }


def test_a_phrase_wins_over_its_words_and_function_words_are_never_looked_up(tmp_path: Path) -> None:
    lex = lexicon(
        "avslutningssamtal\texit interview\nintervju\tinterview\nutgång\texit\n"
        "vad\twhat\nbesluta\tto decide\n",
        tmp_path,
    )
    assert swedish(lex, "What did the exit interviews show?") == {"exit interviews": ("avslutningssamtal",)}
    # "to decide" is keyed by "decide"; "what" is a function word, glossed or not.
    assert swedish(lex, "Who decides?") == {"decides": ("besluta",)}


def test_each_english_word_is_one_concept_of_all_its_translations(tmp_path: Path) -> None:
    lex = lexicon("bedömning\tassessment; review\ngranskning\treview; audit\n", tmp_path)
    assert swedish(lex, "the review") == {"review": ("bedömning", "granskning")}


def test_the_bundled_lexicon_loads_and_knows_everyday_words() -> None:
    lex = Lexicon.load(BUNDLED_CORPUS / "lexicon.tsv")
    assert len(lex) > 2000
    found = swedish(lex, "What score is in the appendix on the website?")
    assert "poäng" in found["score"] and "bilaga" in found["appendix"] and "hemsida" in found["website"]


def test_english_question_finds_the_swedish_passage_through_the_lexicon(
    settings: Settings, corpus_copy: Path
) -> None:
    store, embedder = make_store(settings), make_embedder(settings)
    ingest([corpus_copy], store, embedder, IngestOptions.from_settings(settings))
    question = "Is there a shared template?"  # no glossary term: "gemensam mall" only by the lexicon
    without = Retriever(store, embedder, Glossary(), cache_dir=settings.cache_dir, mode="lexical")
    assert without.retrieve(question, 3).passages == ()
    with_lexicon = Retriever(
        store,
        embedder,
        Glossary(),
        cache_dir=settings.cache_dir,
        mode="lexical",
        lexicon=Lexicon.load(settings.lexicon_path),
    )
    r = with_lexicon.retrieve(question, 3)
    assert "gemensam mall" in r.passages[0].chunk.text
    assert dict(r.translations)["shared"] and dict(r.translations)["template"]


def test_a_translation_finds_its_compound_written_open() -> None:
    from assistant.lexical import Analyzer

    # The documents write "internkommunikationen" whole in one place and "Intern kommunikation"
    # open in a table; a translation spelled whole must reach the table too.
    analyzer = Analyzer(["internkommunikationen", "intern", "kommunikation", "kommunikationen"])
    assert analyzer.terms("internkommunikationen") == ["internkommunikation"]  # the index: whole
    assert analyzer.terms("internkommunikationen", split_known=True) == [
        "internkommunikation",
        *analyzer.terms("intern kommunikationen"),
    ]


def vocabulary(text: str, tmp_path: Path) -> Lexicon:
    path = tmp_path / "vocabulary.tsv"
    path.write_text(text, encoding="utf-8")
    return Lexicon.load(path, english_first=True)


def test_a_topic_list_reads_english_first_and_matches_exact_words(tmp_path: Path) -> None:
    topics = vocabulary(
        "# topics\ngift card\tpresentkort\nadoption\tadoption; adoptivförälder\nterm\ttermin\n"
        "80-90-100 model\t80-90-100\n",
        tmp_path,
    )
    found = swedish(topics, "Do we get gift cards? Was the plan adopted? Any adoptions?")
    # Plurals fold to the singular; "adopted" is not "adoption", as a stemmer would make it.
    assert found == {"gift cards": ("presentkort",), "adoptions": ("adoption", "adoptivförälder")}
    # "long-term" holds no "term" (a semester), and a key with digits is no key "model".
    assert swedish(topics, "How high was long-term sick leave in the model?") == {}
    # A Swedish word in an English question is no English word: "chefsöverenskommelser" holds no
    # "chefs" (cooks), and "relative to" is a preposition, not a relative.
    topics = vocabulary("chef\tkock\nrelative\tsläkting\n", tmp_path)
    assert swedish(topics, "What do the manager agreements (chefsöverenskommelser) set out?") == {}
    assert swedish(topics, "Which part was weakest relative to the points available?") == {}
    assert swedish(topics, "Can a relative be hired?") == {"relative": ("släkting",)}
    with pytest.raises(CorpusError, match=r"line 2: expected 'english<TAB>swedish; swedish'"):
        vocabulary("gift\tgåva\ngift card presentkort\n", tmp_path)


def test_a_topic_list_finds_its_swedish_nouns_in_their_inflections_only(tmp_path: Path) -> None:
    topics = vocabulary(
        "gift\tgåva; present\npresent\tpresent\nsubstitute\tersättare\nSAM\tSAM\nbonus\tbonus\n", tmp_path
    )
    # Each with the other Swedish words for its English: "gåva" is also "present".
    assert topics.swedish_words("Får man gåvor, och vem ger gåvan? Finns bonusen?") == [
        ("gåvor", ("gåvor", "gåva", "present")),
        ("gåvan", ("gåvan", "gåva", "present")),
        ("bonusen", ("bonusen", "bonus")),
    ]
    # A verb of the same stem is no noun of the list ("ersätta": "ersättare"), nor is a function
    # word that an acronym's endings would spell ("samt": "SAM" + "t").
    assert topics.swedish_words("Vad ska ersätta den, samt när?") == []
    # A phrase of the list is found with its last word inflected, and so are its words.
    phrases = vocabulary("smoke-free hours\trökfri arbetstid\nworking hours\tarbetstid\n", tmp_path)
    assert phrases.swedish_words("Gäller rökfri arbetstiden?") == [
        ("rökfri arbetstiden", ("rökfri arbetstiden", "rökfri arbetstid")),
        ("arbetstiden", ("arbetstiden", "arbetstid")),
    ]


def test_the_bundled_topic_list_loads_and_names_what_people_ask_about() -> None:
    topics = Lexicon.load(BUNDLED_CORPUS / "vocabulary.tsv", english_first=True)
    assert len(topics) > 3000
    found = swedish(topics, "Is there flexitime, and do we get a gift card or a doctor's certificate?")
    assert "flextid" in found["flexitime"] and "läkarintyg" in found["doctor's certificate"]
