"""ingest.cleaning: one normal form for extracted text, running headers out, markdown to plain text."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.cleaning import clean_text, markdown_to_text, remove_repeated_lines

# --- clean_text ----------------------------------------------------------------------------------


def test_newlines_spaces_and_blank_lines_are_normalised() -> None:
    raw = "Rubrik\r\n\r\n\r\n\rText\u00a0med\t\ttabbar   och  mellanrum   \n\n\n\nSlut  "
    assert clean_text(raw) == "Rubrik\n\nText med tabbar och mellanrum\n\nSlut"


def test_control_and_invisible_characters_go() -> None:
    assert clean_text("Lön\x00e\x07sättning\u200b \ufeffoch\x1b ob") == "Lönesättning och ob"


def test_swedish_letters_survive() -> None:
    text = "Ångra ärendet, Östen! Émile och René åker till Överenskommelse för övertid."
    assert clean_text(text) == text


@pytest.mark.parametrize(
    ("raw", "cleaned"),
    [
        ("Ob-tillägg<br>helg", "Ob-tillägg helg"),
        ("<td>Lön</td><td>1 200 kr</td>", "Lön 1 200 kr"),
        ('Se <a href="x.html">riktlinjen</a>.', "Se riktlinjen ."),
        ("<p>Stycke</p>", "Stycke"),
        ("Ersätt <Namn> med ditt namn", "Ersätt <Namn> med ditt namn"),  # a placeholder, not a tag
        ("om a < b > c gäller", "om a < b > c gäller"),
    ],
)
def test_stray_html_tags_are_stripped(raw: str, cleaned: str) -> None:
    assert clean_text(raw) == cleaned


@pytest.mark.parametrize(
    ("raw", "cleaned"),
    [
        ("kompetens-\nförsörjning", "kompetensförsörjning"),
        ("kompetens- \n  försörjning", "kompetensförsörjning"),
        ("personal-\noch arbetsgivarfrågor", "personal- och arbetsgivarfrågor"),
        ("heltids-\neller deltidsanställda", "heltids- eller deltidsanställda"),
        ("sjuk-\nsamt föräldralön", "sjuk- samt föräldralön"),
        ("personal- och arbetsgivarfrågor", "personal- och arbetsgivarfrågor"),
        ("ansvarig HR-\nchef", "ansvarig HR-chef"),
        ("skicka e-\npost", "skicka e-post"),
        ("beslut 2007-\n06-20", "beslut 2007-06-20"),
        ("3-\nåriga avtal", "3-åriga avtal"),
        ("Alingsås -\nBorås", "Alingsås -\nBorås"),
        ("Västra-\nGötaland", "Västra-\nGötaland"),  # a capital after the hyphen: not a split word
        ("kompetens\u00ad\nförsörjning", "kompetensförsörjning"),  # soft hyphen
        ("e\u2011post", "e-post"),  # non-breaking hyphen
    ],
)
def test_line_end_hyphens(raw: str, cleaned: str) -> None:
    assert clean_text(raw) == cleaned


@pytest.mark.parametrize(
    "kept",
    [
        "Beslutad 2007-06-20 § 124",
        "7.2 Strategisk kompetensförsörjning 21 40",
        "enligt personalpolicy4 och",
        "Lön: 31 200 kr/mån",
        "## 3.8 Avslutningssamtal",
        "- punkt i en lista",
        "Innehåll ....3",
        "Tillägg | Belopp | Från",
    ],
)
def test_numbers_headings_and_rows_are_kept(kept: str) -> None:
    assert clean_text(kept) == kept


def test_dot_leaders_shrink_but_still_read_as_a_table_of_contents() -> None:
    assert clean_text("1. Bakgrund ...........................1") == "1. Bakgrund ....1"


def test_symbol_font_bullets_become_bullets() -> None:
    assert clean_text("\uf0b7 Arbeta med barn") == "• Arbeta med barn"


_FORBIDDEN = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u00a0\t\r\ud800-\udfff]|  |\n\n\n| \n|\n ")


@settings(max_examples=400, deadline=None, database=None)
@given(st.text(alphabet=st.characters(codec="utf-8") | st.sampled_from("-\n \t\r<>/bprtdåäö\u00ad\u00a0")))
def test_clean_text_is_idempotent_and_normal(raw: str) -> None:
    cleaned = clean_text(raw)
    assert clean_text(cleaned) == cleaned
    assert not _FORBIDDEN.search(cleaned)
    assert cleaned == cleaned.strip()


def test_clean_text_is_linear_on_a_hostile_line() -> None:
    hostile = ("a" * 50_000 + "-\n") * 20 + "<b" * 100_000 + "*_" * 100_000
    assert len(clean_text(hostile)) > 1_000_000


# --- remove_repeated_lines -----------------------------------------------------------------------


def _pages(*bodies: str, header: str = "", footer: str = "") -> list[str]:
    pages = []
    for n, body in enumerate(bodies, 1):
        top = header.format(n=n, total=len(bodies))
        bottom = footer.format(n=n, total=len(bodies))
        pages.append("\n".join(line for line in (top, body, bottom) if line))
    return pages


BODIES = (
    "Första sidans text.\nMer text.",
    "Andra sidans text.\nMer text här.",
    "Tredje sidan.\nSlut på text.",
    "Fjärde sidan.\nSista raden.",
)


def test_verbatim_header_is_kept_only_where_it_first_occurs() -> None:
    pages = remove_repeated_lines(_pages(*BODIES, header="Alingsås kommun Datum 2023-01-01"))
    assert pages[0] == "Alingsås kommun Datum 2023-01-01\n" + BODIES[0]
    assert pages[1:] == list(BODIES[1:])


@pytest.mark.parametrize(
    "footer", ["Sida {n} av {total}", "{n} ({total})", "{n}", "- {n} -", "Page {n} of {total}", "{n}/{total}"]
)
def test_page_numbers_go_everywhere(footer: str) -> None:
    assert remove_repeated_lines(_pages(*BODIES, footer=footer)) == list(BODIES)


def test_header_numbered_with_the_page_goes_everywhere() -> None:
    # The page numbering starts after a cover and a contents page: "Riktlinje 1" is on page 3.
    numbered = _pages(*BODIES, header="Registerkontroll vid anställning, Riktlinje {n}")
    pages = ["Omslag\nRegisterkontroll vid anställning", "Innehåll\n1. Bakgrund ....1", *numbered]
    assert remove_repeated_lines(pages) == [pages[0], pages[1], *BODIES]


def test_header_with_page_number_and_date_goes_everywhere() -> None:
    pages = _pages(*BODIES, header="Protokoll {n} ({total}) Kommunstyrelsen 2026-06-15")
    assert remove_repeated_lines(pages) == list(BODIES)


@pytest.mark.parametrize("numbering", ["§ {}", "Bilaga {}", "Ärende {}"])
def test_numbered_parts_running_with_the_pages_are_not_page_numbers(numbering: str) -> None:
    pages = [f"{numbering.format(n + 1)}\n{body}\nDnr 2026.{271 + 3 * n} KS" for n, body in enumerate(BODIES)]
    assert remove_repeated_lines(pages) == pages


def test_a_line_on_a_minority_of_pages_stays() -> None:
    pages = [f"Beslut\n{body}" if n == 1 else body for n, body in enumerate(BODIES)]
    assert remove_repeated_lines(pages) == pages


def test_repeats_in_the_middle_of_pages_stay() -> None:
    pages = []
    for word in ("alfa", "beta", "gamma"):
        lines = [f"{word} rad {letter}" for letter in "abcdefghijkl"]
        pages.append("\n".join([*lines[:6], "samma mening mitt på varje sida", *lines[6:]]))
    assert remove_repeated_lines(pages) == pages


def test_huge_numbers_in_headers_do_not_break_it() -> None:
    pages = [f"Riktlinje {n + 1}, ärende {'9' * 5000}\n{body}" for n, body in enumerate(BODIES)]
    assert remove_repeated_lines(pages) == list(BODIES)


def test_one_page_loses_only_its_page_number() -> None:
    assert remove_repeated_lines(["Ensam sida.\nSida 1 av 1"]) == ["Ensam sida."]
    assert remove_repeated_lines([]) == []


# --- markdown_to_text ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("md", "text"),
    [
        ("## Rubrik", "## Rubrik"),
        ("### 3.8 Avslutningssamtal ###", "### 3.8 Avslutningssamtal"),
        ("## Språket C#", "## Språket C#"),
        ("Titel\n=====", "# Titel"),
        ("Undertitel\n---", "## Undertitel"),
        ("**Fet** och __fet__, *kursiv* och _kursiv_.", "Fet och fet, kursiv och kursiv."),
        ("en snake_case_variabel och 2*3*4", "en snake_case_variabel och 2*3*4"),
        ("Se [policyn](https://x.se/p) och <https://x.se>.", "Se policyn och https://x.se."),
        ("![Logga](logga.png)", "Logga"),
        ("* punkt\n+ punkt", "- punkt\n- punkt"),
        ("> citat", "citat"),
        ("| A | B |\n|:--|--:|\n| 1 | 2 |", "A | B\n1 | 2"),
        ("```\nkod\n```", "kod"),
        ("Text\n\n---\n\nMer", "Text\n\n\nMer"),
        ("~~struken~~ och `kod`", "struken och kod"),
    ],
)
def test_markdown_to_text(md: str, text: str) -> None:
    assert markdown_to_text(md) == text
