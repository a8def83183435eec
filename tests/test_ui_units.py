"""The web app's logic without a browser: login, the serve guard, exports, feedback, uploads, strings."""

from __future__ import annotations

import csv
import json
import re
import string
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from assistant.config import Settings
from assistant.errors import AccessDeniedError, AssistantError
from assistant.types import Answer, Citation, DocumentMeta, DocumentText
from ui import render
from ui.auth import LOCAL_USER, User, check_password, hash_password, load_users, user_entry
from ui.export import reference_text, references, to_markdown, write_conversation
from ui.feedback import FeedbackStore
from ui.i18n import STRINGS, status_label, t
from ui.library import remove_document, sanitize_filename, stored_path, upload_documents
from ui.serve import check_exposure, is_loopback, serve

if TYPE_CHECKING:
    from assistant.assistant import Assistant

FAST = 1000  # PBKDF2 iterations for tests; the stored hash records its own count

KPMG = Citation(
    number=1,
    doc_id="alingsas-kpmg-kompetensforsorjning-2021",
    title="Granskning av kompetensförsörjning och kompetensutveckling",
    section="3 Resultat av granskningen › 3.8 Avslutningssamtal",
    page=14,
    quote="Vi konstaterar att det finns en rutin att avslutningssamtal ska hållas när en medarbetare\n"
    "väljer att avsluta sin anställning. Resultaten sammanställs inte.",
    highlights=(
        "Vi konstaterar att det finns en rutin att avslutningssamtal ska hållas när en medarbetare "
        "väljer att avsluta sin anställning.",
    ),
    municipality="Alingsås kommun",
    doc_type="revisionsrapport",
    date="2021",
    author="KPMG",
    start=100,
    end=260,
)
ANSWER = Answer(
    question="Vad sa revisorerna om avslutningssamtal?",
    text="Enligt **Granskning av kompetensförsörjning** finns en rutin för avslutningssamtal [1].",
    citations=(KPMG,),
    abstained=False,
)


# -- login -------------------------------------------------------------------------------------------


def test_password_hash_verifies_only_the_right_password() -> None:
    stored = hash_password("hemligt lösenord", iterations=FAST)
    algorithm, iterations, salt, digest = stored.split("$")
    assert (algorithm, iterations) == ("pbkdf2_sha256", str(FAST)) and len(salt) == 32 and len(digest) == 64
    assert check_password(stored, "hemligt lösenord")
    assert not check_password(stored, "hemligt losenord")
    assert hash_password("x", iterations=FAST) != hash_password("x", iterations=FAST)  # salted


@pytest.mark.parametrize("stored", ["", "plain", "md5$1$aa$bb", "pbkdf2_sha256$x$zz$00", "pbkdf2_sha256$1$$"])
def test_malformed_hash_never_verifies(stored: str) -> None:
    assert not check_password(stored, "")


def _users_file(tmp_path: Path) -> Path:
    path = tmp_path / "users.toml"
    path.write_text(
        "[[user]]\n"
        f'name = "anna"\npassword_hash = "{hash_password("anna-pw", iterations=FAST)}"\n'
        'role = "admin"\ngroups = ["hr-only"]\n\n'
        "[[user]]\n"
        f'name = "lisa"\npassword_hash = "{hash_password("lisa-pw", iterations=FAST)}"\n'
        'role = "user"\n',
        encoding="utf-8",
    )
    return path


def test_users_file_gives_roles_and_groups(tmp_path: Path) -> None:
    users = load_users(_users_file(tmp_path))
    assert users.verify("anna", "anna-pw") and users.verify("lisa", "lisa-pw")
    assert not users.verify("anna", "lisa-pw") and not users.verify("nobody", "anna-pw")
    anna, lisa = users.get("anna"), users.get("lisa")
    assert anna is not None and anna.is_admin and anna.groups == ("hr-only",)
    assert lisa is not None and not lisa.is_admin and lisa.groups == ()
    assert users.groups() == ["hr-only"]


def test_bad_users_file_reports_every_problem(tmp_path: Path) -> None:
    path = tmp_path / "users.toml"
    path.write_text(
        '[[user]]\nname = "a"\npassword_hash = "secret"\nrole = "boss"\n[[user]]\npassword_hash = "x"\n',
        encoding="utf-8",
    )
    with pytest.raises(AssistantError) as err:
        load_users(path)
    message = str(err.value)
    assert "password_hash" in message and "role" in message and "needs a name" in message
    with pytest.raises(AssistantError, match="does not exist"):
        load_users(tmp_path / "missing.toml")


def test_user_entry_round_trips(tmp_path: Path) -> None:
    path = tmp_path / "users.toml"
    path.write_text(user_entry('o"brien', "pw", "admin", ["hr-only"]), encoding="utf-8")
    users = load_users(path)
    assert users.verify('o"brien', "pw") and users.get('o"brien').groups == ("hr-only",)  # type: ignore[union-attr]


# -- serving -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1", "[::1]", "127.0.0.2"])
def test_loopback_hosts(host: str) -> None:
    assert is_loopback(host)


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.10", "example.org", ""])
def test_serve_refuses_network_host_without_login(host: str, tmp_path: Path) -> None:
    settings = Settings(index_dir=tmp_path / "index", cache_dir=tmp_path / "cache", embedder="hashing")
    with pytest.raises(AssistantError, match="HRDOCS_USERS_FILE") as err:
        serve(settings, host=host, port=1, block=False)  # refuses before building anything
    assert "--users-file" in str(err.value)
    assert not (tmp_path / "index").exists()


def test_network_host_is_allowed_with_login(tmp_path: Path) -> None:
    check_exposure(Settings(users_file=_users_file(tmp_path), embedder="hashing"), "0.0.0.0")


# -- export ------------------------------------------------------------------------------------------


def test_markdown_draft_has_question_answer_quote_and_reference() -> None:
    md = to_markdown([ANSWER], "sv")
    assert "> Vad sa revisorerna om avslutningssamtal?" in md
    assert "finns en rutin för avslutningssamtal [1]" in md
    assert (
        "[1] ”Vi konstaterar att det finns en rutin att avslutningssamtal ska hållas när en medarbetare" in md
    )
    refs = md.split("## Referenser", 1)[1]
    assert "Granskning av kompetensförsörjning och kompetensutveckling. KPMG, 2021." in refs
    assert "3.8 Avslutningssamtal" in refs and "Sida 14" in refs


def test_docx_draft_reads_back(tmp_path: Path) -> None:
    from docx import Document

    linked = Answer(ANSWER.question, render.answer_markdown(ANSWER, 0, "sv"), ANSWER.citations, False)
    docx_path, md_path = write_conversation([linked, ANSWER], tmp_path, "en")
    text = "\n".join(p.text for p in Document(str(docx_path)).paragraphs)
    assert "Question 1" in text and "Question 2" in text
    assert ANSWER.question in text
    assert "finns en rutin för avslutningssamtal [1]" in text and "#cite-" not in text
    assert "Granskning av kompetensförsörjning och kompetensutveckling. KPMG, 2021." in text
    assert text.count("References") == 1
    assert md_path.read_text(encoding="utf-8").startswith("# Draft for an interpellation answer")


def test_references_merge_citations_of_one_document() -> None:
    second = Citation(
        2, KPMG.doc_id, KPMG.title, "4 Slutsats och rekommendationer", 20, "x", author="KPMG", date="2021"
    )
    refs = references([Answer("q", "a [1] [2]", (KPMG, second), False)])
    assert len(refs) == 1 and refs[0].pages == [14, 20]
    assert reference_text(refs[0], "en").endswith("Pages 14, 20.")


# -- feedback ----------------------------------------------------------------------------------------


def test_feedback_round_trip_and_export(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path / "fb" / "feedback.sqlite")
    store.add("Vem äger avslutningssamtalen?", "Chefen [1].", -1, "Fel: HR äger dem", ["doc-a"], "lisa")
    store.add("Fråga om 19811218-9876?", "Svar", 1)
    entries = store.all()
    assert [(e.rating, e.user, e.doc_ids) for e in entries] == [(-1, "lisa", ("doc-a",)), (1, "", ())]
    assert entries[0].comment == "Fel: HR äger dem"
    assert "19811218-9876" not in entries[1].question  # personnummer are masked
    out = tmp_path / "export.jsonl"
    assert store.export_jsonl(out) == 2
    first = json.loads(out.read_text(encoding="utf-8").splitlines()[0])
    assert first["question"] == "Vem äger avslutningssamtalen?" and first["doc_ids"] == ["doc-a"]
    with pytest.raises(ValueError):
        store.add("q", "a", 5)


# -- uploads -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\Windows\\win.ini", "win.ini"),
        ("Riktlinje för distansarbete.TXT", "Riktlinje för distansarbete.txt"),
        ("rapport<b>&;$(rm -rf).pdf", "rapport_b_rm -rf.pdf"),
        ("<script>alert(1)</script>.pdf", "script.pdf"),
        ("  lön  2023 .PDF ", "lön 2023.pdf"),
        (".hidden.md", "hidden.md"),
        ("..", "upload"),
        ("CON.txt", "upload_CON.txt"),
        ("a\x00b.pdf", "ab.pdf"),
        ("x" * 300 + ".docx", "x" * 115 + ".docx"),
    ],
)
def test_uploaded_file_names_are_sanitised(name: str, expected: str, tmp_path: Path) -> None:
    assert sanitize_filename(name) == expected
    assert stored_path(tmp_path, name).parent == tmp_path.resolve()


@pytest.fixture
def hashing_assistant(settings: Settings) -> Assistant:
    from assistant.build import make_assistant

    return make_assistant(settings)


def _upload(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / "incoming" / name
    path.parent.mkdir(exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


DISTANS = (
    "Riktlinje för distansarbete i Tallbergs kommun\n\n"
    "Medarbetare får arbeta på distans två dagar i veckan.\n"
)


def test_admin_upload_is_stored_ingested_and_searchable(
    settings: Settings, hashing_assistant: Assistant, tmp_path: Path
) -> None:
    store, embedder = hashing_assistant.retriever.store, hashing_assistant.retriever.embedder
    good = _upload(tmp_path, "distans.txt", DISTANS)
    bad = _upload(tmp_path, "budget.xlsx", "not really")
    outcome = upload_documents(
        [good, bad], user=LOCAL_USER, settings=settings, store=store, embedder=embedder, lang="sv"
    )
    assert outcome.lines[0].startswith("✅ distans.txt") and outcome.doc_ids == ["distans"]
    assert outcome.lines[1].startswith("❌ budget.xlsx") and ".xlsx" in outcome.lines[1]
    assert [p.name for p in settings.upload_dir.iterdir()] == ["distans.txt"]
    found = hashing_assistant.retrieve("distansarbete dagar i veckan")
    assert found.passages[0].doc.doc_id == "distans"
    again = upload_documents(
        [good], user=LOCAL_USER, settings=settings, store=store, embedder=embedder, lang="en"
    )
    assert again.lines[0].startswith("➖ distans.txt: unchanged")


def test_upload_over_the_size_limit_is_refused(
    settings: Settings, hashing_assistant: Assistant, tmp_path: Path
) -> None:
    small = settings.with_(max_file_mb=0.0001)
    path = _upload(tmp_path, "stor.txt", DISTANS * 20)
    outcome = upload_documents(
        [path],
        user=LOCAL_USER,
        settings=small,
        store=hashing_assistant.retriever.store,
        embedder=hashing_assistant.retriever.embedder,
        lang="en",
    )
    assert outcome.lines[0].startswith("❌ stor.txt: the file is") and "over the" in outcome.lines[0]
    assert outcome.doc_ids == [] and list(small.upload_dir.glob("*")) == []


def test_plain_user_may_not_upload_or_remove(
    settings: Settings, hashing_assistant: Assistant, tmp_path: Path
) -> None:
    store, embedder = hashing_assistant.retriever.store, hashing_assistant.retriever.embedder
    upload_documents(
        [_upload(tmp_path, "distans.txt", DISTANS)],
        user=LOCAL_USER,
        settings=settings,
        store=store,
        embedder=embedder,
        lang="sv",
    )
    lisa = User("lisa", role="user", groups=())
    with pytest.raises(AccessDeniedError, match="administratörer"):
        upload_documents(
            [_upload(tmp_path, "x.txt", DISTANS)],
            user=lisa,
            settings=settings,
            store=store,
            embedder=embedder,
            lang="sv",
        )
    with pytest.raises(AccessDeniedError):
        remove_document("distans", user=lisa, settings=settings, store=store, lang="sv")
    assert store.document("distans") is not None
    message = remove_document("distans", user=LOCAL_USER, settings=settings, store=store, lang="en")
    assert "removed" in message and store.document("distans") is None
    assert not (settings.upload_dir / "distans.txt").exists()


def test_upload_to_an_access_group_hides_it_from_others(
    settings: Settings, hashing_assistant: Assistant, tmp_path: Path
) -> None:
    from assistant.types import Filters

    upload_documents(
        [_upload(tmp_path, "distans.txt", DISTANS)],
        user=LOCAL_USER,
        settings=settings,
        store=hashing_assistant.retriever.store,
        embedder=hashing_assistant.retriever.embedder,
        lang="sv",
        access_group="hr-only",
    )
    question = "distansarbete dagar i veckan"
    outsider = hashing_assistant.retrieve(question, filters=Filters(groups=()))
    insider = hashing_assistant.retrieve(question, filters=Filters(groups=("hr-only",)))
    assert "distans" not in {p.doc.doc_id for p in outsider.passages}
    assert insider.passages[0].doc.doc_id == "distans"


def test_answers_are_audit_logged_with_personnummer_masked(
    settings: Settings, hashing_assistant: Assistant, tmp_path: Path
) -> None:
    from ui.context import AppContext

    log = tmp_path / "audit" / "questions.jsonl"
    ctx = AppContext.create(hashing_assistant, settings.with_(audit_log=log))
    ctx.record(User("lisa"), "Gäller det 19811218-9876?", ["doc-a"])
    ctx.record(LOCAL_USER, "Utan personnummer", [])
    entries = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    assert [(e["user"], e["doc_ids"]) for e in entries] == [("lisa", ["doc-a"]), ("local", [])]
    assert "19811218-9876" not in entries[0]["question"]
    assert AppContext.create(hashing_assistant, settings).audit is None  # off unless configured


# -- rendering ---------------------------------------------------------------------------------------


def test_markers_link_to_their_cards() -> None:
    md = render.answer_markdown(ANSWER, 3, "sv")
    assert "avslutningssamtal [[1]](#cite-3-1)." in md
    unknown = Answer("q", "see [7]", (KPMG,), False)
    assert render.answer_markdown(unknown, 0, "sv") == "see [7]"


def test_highlights_match_across_line_breaks_and_escape_html() -> None:
    html = render.highlight("a <b>\nsupporting sentence. Rest & more", ["<b> supporting sentence."])
    assert html == "a <mark>&lt;b&gt;\nsupporting sentence.</mark> Rest &amp; more"
    card = render.citation_card(KPMG, 2, "sv")
    assert "id='cite-2-1'" in card and "<mark>Vi konstaterar" in card and "Sida 14" in card
    assert render.find_citation([None, None, ANSWER], "2-cite-1") == KPMG
    assert render.find_citation([ANSWER], "5-cite-1") is None and render.find_citation([ANSWER], "x") is None


def test_context_of_a_paged_document_is_its_page() -> None:
    text = "Sida ett.\n" + "Sida två börjar. Det citerade stycket. Slut på två.\n" + "Sida tre.\n"
    starts = (0, 10, text.index("Sida tre"))
    doc = DocumentText(DocumentMeta("d", "Dokument"), text, starts)
    start = text.index("Det citerade")
    citation = Citation(1, "d", "Dokument", "", 2, "Det citerade stycket.", start=start, end=start + 21)
    lo, hi, label = render.context_window(doc, citation.start, citation.end)
    assert (text[lo:hi], label) == ("Sida två börjar. Det citerade stycket. Slut på två.\n", "2")
    html = render.context_html(doc, citation, "sv")
    assert (
        "<mark class='ctx-target' id='ctx-target'>Det citerade stycket.</mark>" in html and "Sida 2" in html
    )


def test_context_of_an_unpaged_document_is_a_window_of_whole_lines() -> None:
    lines = [f"Rad {n} " + "x" * 80 for n in range(200)]
    text = "\n".join(lines)
    start = text.index("Rad 100 ")
    lo, hi, label = render.context_window(DocumentText(DocumentMeta("d", "D"), text), start, start + 50)
    assert label == "" and 0 < lo < start < hi < len(text)
    assert text[lo - 1] == "\n" and text[hi] == "\n"


def test_streamed_pieces_grow_to_the_whole_answer() -> None:
    text = render.answer_markdown(ANSWER, 0, "sv")
    pieces = list(render.stream_pieces(text, steps=4))
    assert pieces[-1] == text and len(pieces) <= 5
    assert all(b.startswith(a) for a, b in pairwise(pieces))


def test_filter_note_names_what_is_filtered() -> None:
    assert render.filter_note("sv", [], [], [], None, None, {}) == t("sv", "filter_none")
    note = render.filter_note("en", ["Alingsås kommun"], ["d1"], [], 2020, None, {"d1": "Granskning"})
    assert note == "**Filtered:** Alingsås kommun; Granskning; years 2020–…"


# -- strings -----------------------------------------------------------------------------------------


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_string_exists_in_both_languages_with_the_same_placeholders() -> None:
    assert STRINGS["sv"].keys() == STRINGS["en"].keys()
    for key, swedish in STRINGS["sv"].items():
        assert swedish.strip() and STRINGS["en"][key].strip(), key
        assert _fields(swedish) == _fields(STRINGS["en"][key]), key


def test_every_key_the_ui_uses_is_defined() -> None:
    used: set[str] = set()
    for path in Path(__file__).resolve().parent.parent.joinpath("ui").glob("*.py"):
        source = path.read_text(encoding="utf-8")
        used |= set(re.findall(r"\bt\(\s*[\w\"']+,\s*[\"']([a-z_]+)[\"']", source))
    assert used, "the pattern found no keys"
    assert used <= STRINGS["sv"].keys(), used - STRINGS["sv"].keys()
    assert status_label("sv", "partly answered") == "delvis besvarad"
    assert status_label("en", "something new") == "something new"


# -- tracker export ----------------------------------------------------------------------------------


def test_tracker_exports_csv_and_docx(settings: Settings, tmp_path: Path) -> None:
    from docx import Document

    from assistant.build import make_embedder, make_store
    from assistant.tracker import RecommendationService
    from ingest.pipeline import ingest
    from ui.export import write_tracker_csv, write_tracker_docx

    fixtures = Path(__file__).parent / "fixtures" / "audit_trail"
    store = make_store(settings)
    ingest([fixtures], store, make_embedder(settings))
    items = RecommendationService(store).filtered()
    assert items
    with write_tracker_csv(items, tmp_path / "t.csv", "sv").open(encoding="utf-8-sig") as f:
        rows = list(csv.reader(f))
    assert rows[0][0] == "Rekommendation" and rows[1][0] == items[0].recommendation
    docx = Document(str(write_tracker_docx(items, tmp_path / "t.docx", "en")))
    assert docx.tables[0].rows[1].cells[0].text == items[0].recommendation
