"""The real web app in a real headless Chromium: the real model, the bundled corpus, real uploads.

One app is served for the module (started by `serve()`, which ingests corpus/ into an empty
temporary index first) and a second one with login on, sharing its assistant. Set
HRDOCS_CACHE_DIR to reuse a built model; without it the model is built into a temporary folder.
For quick local runs, HRDOCS_UI_INDEX_SEED names an index of corpus/ to copy instead of ingesting.
"""

from __future__ import annotations

import os
import shutil
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from assistant.config import Settings

pytestmark = pytest.mark.ui

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip("needs Debian's chromium at /usr/bin/chromium", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api")

REPO = Path(__file__).resolve().parent.parent
SCREENSHOT = REPO / "docs" / "screenshot.png"
BROWSER_ARGS = [
    "--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run",
]  # fmt: skip
KPMG_TITLE = "Granskning av kompetensförsörjning"
DISTANS = """Riktlinje för distansarbete i Tallbergs kommun

Beslutad av kommunstyrelsen i Tallbergs kommun den 12 mars 2024.

1 Syfte

Riktlinjen anger när medarbetare i Tallbergs kommun får arbeta på distans.

2 Omfattning

Medarbetare i Tallbergs kommun får arbeta på distans högst två dagar i veckan, efter överenskommelse
med närmaste chef. Distansarbete ska dokumenteras i en skriftlig överenskommelse.

3 Arbetsmiljö

Arbetsgivaren ansvarar för arbetsmiljön även vid distansarbete.
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def ui_settings(tmp_path_factory: pytest.TempPathFactory, model_cache: Path) -> Settings:
    root = tmp_path_factory.mktemp("ui")
    seed = os.environ.get("HRDOCS_UI_INDEX_SEED")
    if seed:
        shutil.copytree(seed, root / "index")
    return Settings(
        corpus_dir=REPO / "corpus",
        index_dir=root / "index",
        cache_dir=model_cache,
        embedder="bundled",
        feedback_db=root / "feedback.sqlite",
        upload_dir=root / "uploads",
    )


@pytest.fixture(scope="module")
def server(ui_settings: Settings) -> Iterator[tuple[str, Any]]:
    from ui.serve import serve

    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    port = _free_port()
    app = serve(ui_settings, "127.0.0.1", port, block=False)  # ingests corpus/: the index is empty
    yield f"http://127.0.0.1:{port}/", app
    app.close()


@pytest.fixture(scope="module")
def login_url(
    server: tuple[str, Any], ui_settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    from ui.app import build_app
    from ui.auth import hash_password
    from ui.serve import launch

    users = tmp_path_factory.mktemp("users") / "users.toml"
    users.write_text(
        f'[[user]]\nname = "anna"\npassword_hash = "{hash_password("anna-pw", iterations=1000)}"\n'
        'role = "admin"\ngroups = ["hr-only"]\n\n'
        f'[[user]]\nname = "lisa"\npassword_hash = "{hash_password("lisa-pw", iterations=1000)}"\n'
        'role = "user"\ngroups = []\n',
        encoding="utf-8",
    )
    settings = ui_settings.with_(users_file=users)
    port = _free_port()
    app = launch(build_app(server[1].hrdocs.assistant, settings), settings, "127.0.0.1", port, block=False)
    yield f"http://127.0.0.1:{port}/"
    app.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=BROWSER_ARGS)
        yield b
        b.close()


def _open(browser: Any, url: str, login: tuple[str, str] | None = None) -> Any:
    context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    page = context.new_page()
    page.goto(url)
    if login is not None:
        page.get_by_label("username").fill(login[0])
        page.get_by_label("password").fill(login[1])
        page.get_by_role("button", name="Login").click()
    page.locator("#question textarea").wait_for(state="visible", timeout=60_000)
    return page


@pytest.fixture
def page(browser: Any, server: tuple[str, Any]) -> Iterator[Any]:
    page = _open(browser, server[0])
    yield page
    page.context.close()


def ask(page: Any, question: str) -> Any:
    """Ask in the chat; returns the last bot message once the answer and its sources are in."""
    page.locator("#question textarea").fill(question)
    page.locator("#send").click()
    page.wait_for_function(
        """(q) => {
            const shown = document.querySelector('#sources .sources-q');
            return shown && shown.innerText.trim() === q
                && !document.querySelector('#sources .cite-preview')
                && !document.querySelector('#chat .eta-bar')
                && !document.querySelector('#question textarea').disabled;
        }""",
        arg=question,
        timeout=60_000,
    )
    time.sleep(0.3)  # the last streamed piece
    return page.locator('[data-testid="bot"]').last


def in_viewport(page: Any, selector: str) -> bool:
    return bool(
        page.evaluate(
            """(sel) => { const r = document.querySelector(sel).getBoundingClientRect();
                          return r.top >= 0 && r.bottom <= window.innerHeight; }""",
            selector,
        )
    )


def test_english_question_cites_the_kpmg_audit_section_3_8(page: Any) -> None:
    bot = ask(page, "What did the audit say about exit interviews?")
    assert "avslutningssamtal" in bot.inner_text()
    cards = page.locator("#sources .cite-card[id^='cite-0-']")
    texts = cards.all_inner_texts()
    assert any(KPMG_TITLE in text and "3.8 Avslutningssamtal" in text for text in texts), texts
    assert page.locator("#sources .cite-card mark").count() >= 1  # supporting sentences highlighted

    # [n] in the answer brings its card into view.
    links = bot.locator("a[href^='#cite-0-']")
    assert links.count() >= 2
    last = links.last.get_attribute("href")
    page.evaluate("window.scrollTo(0, 0)")
    links.last.click()
    page.wait_for_timeout(900)
    assert in_viewport(page, last)

    # "Show in context" opens the document around the passage, marked.
    quote = cards.first.locator(".cite-quote").inner_text().split("\n")[0][:40]
    cards.first.locator(".ctx-btn").click()
    target = page.locator("#context .ctx-target")
    target.wait_for(timeout=15_000)
    assert quote in target.inner_text()
    assert len(page.locator("#context .ctx-text").inner_text()) > len(
        target.inner_text()
    )  # the text around it
    page.evaluate(  # show the question as well as the answer
        "() => document.querySelectorAll('#chat *').forEach(e => {"
        " if (e.scrollHeight > e.clientHeight + 5) e.scrollTop = 0; })"
    )
    page.evaluate("window.scrollTo(0, 0)")
    page.wait_for_timeout(1700)  # the clicked card's highlight fades
    SCREENSHOT.parent.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOT), full_page=True)


def test_swedish_question_in_the_english_interface(page: Any, server: tuple[str, Any]) -> None:
    page.get_by_label("English").check()
    page.get_by_role("tab", name="Documents").wait_for(timeout=10_000)
    assert page.locator("#send").inner_text() == "Send"
    bot = ask(page, "Vad säger revisorerna om avslutningssamtal?")
    assert bot.inner_text().startswith("Enligt")  # the answer follows the question's language
    card = page.locator("#sources .cite-card[id='cite-0-1']")
    assert KPMG_TITLE in card.inner_text() and "Section:" in card.inner_text()
    assert page.locator("#sources .ctx-btn").first.inner_text() == "Show in context"

    # Feedback on the answer lands in the feedback store, ready to export as an evaluation question.
    feedback = server[1].hrdocs.feedback
    before = len(feedback.all())
    page.locator('#chat button[aria-label="Dislike"]').last.click()  # the chat's own thumbs
    for _ in range(50):
        if len(feedback.all()) > before:
            break
        time.sleep(0.1)
    thumbs = feedback.all()[-1]
    assert (thumbs.question, thumbs.rating, thumbs.comment) == (
        "Vad säger revisorerna om avslutningssamtal?",
        -1,
        "",
    )
    page.locator("#feedback").click()
    page.get_by_label("👎 Wrong or incomplete").check()
    page.get_by_label("Comment (e.g. what the answer should have said)").fill("Should name who holds them")
    page.get_by_role("button", name="Send feedback").click()
    page.locator("#feedback").get_by_text("The feedback is saved").wait_for(timeout=10_000)
    saved = feedback.all()[-1]
    assert (saved.question, saved.rating, saved.comment) == (
        "Vad säger revisorerna om avslutningssamtal?",
        -1,
        "Should name who holds them",
    )
    assert "alingsas-kpmg-kompetensforsorjning-2021" in saved.doc_ids


def test_filters_restrict_the_sources_and_say_so(page: Any) -> None:
    page.locator("#filters").click()
    page.get_by_label("Kommun").click()
    page.get_by_role("option", name="Askersunds kommun").click()
    page.locator("#filter-note").get_by_text("Askersunds kommun").wait_for(timeout=10_000)
    assert page.locator("#filter-note").inner_text().startswith("Filtrerat:")
    ask(page, "Vad säger revisorerna om avslutningssamtal?")
    metas = page.locator("#sources .cite-card[id] .cite-meta").all_inner_texts()
    assert metas and all(m.startswith("Askersunds kommun") for m in metas), metas


def test_export_gives_docx_and_markdown_drafts(page: Any) -> None:
    from docx import Document

    question = "Vad säger revisorerna om avslutningssamtal?"
    ask(page, question)
    page.locator("#export").click()
    page.locator("#export-btn").click()
    page.locator("#dl-docx").wait_for(state="visible", timeout=20_000)
    with page.expect_download() as docx_download:
        page.locator("#dl-docx").click()
    with page.expect_download() as md_download:
        page.locator("#dl-md").click()
    assert docx_download.value.suggested_filename.endswith(".docx")
    docx_text = "\n".join(p.text for p in Document(docx_download.value.path()).paragraphs)
    md_text = Path(md_download.value.path()).read_text(encoding="utf-8")
    for text in (docx_text, md_text):
        assert question in text
        references = text.split("Referenser", 1)[1]
        assert "Granskning av kompetensförsörjning och kompetensutveckling. KPMG" in references
        assert "3.8 Avslutningssamtal" in references


def test_uploaded_document_is_cited_then_removed(page: Any, tmp_path: Path) -> None:
    path = tmp_path / "distansarbete_tallberg.txt"
    path.write_text(DISTANS, encoding="utf-8")
    page.get_by_role("tab", name="Dokument").click()
    page.locator("#upload-files input[type=file]").set_input_files(str(path))
    page.locator("#upload-files").get_by_text("distansarbete_tallberg.txt").wait_for(timeout=20_000)
    page.locator("#upload-btn").click()
    page.wait_for_function(  # the progress bar shows in the same place until the outcome replaces it
        "() => /[✅❌]/.test(document.querySelector('#upload-msg').innerText)", timeout=120_000
    )
    message = page.locator("#upload-msg").inner_text()
    assert message.startswith("✅ distansarbete_tallberg.txt"), message
    page.locator("#library-table").get_by_text("Riktlinje för distansarbete i Tallbergs kommun").wait_for()

    page.get_by_role("tab", name="Fråga").click()
    ask(page, "Hur många dagar i veckan får man arbeta på distans i Tallbergs kommun?")
    first = page.locator("#sources .cite-card[id='cite-0-1']").inner_text()
    assert "Riktlinje för distansarbete i Tallbergs kommun" in first and "två dagar i veckan" in first

    page.get_by_role("tab", name="Dokument").click()
    page.locator("#remove-pick input").click()
    page.get_by_role("option", name="Riktlinje för distansarbete").click()
    page.locator("#remove-btn").click()
    page.locator("#remove-msg").get_by_text("borttaget").wait_for(timeout=30_000)
    page.locator("#library-table").get_by_text("Riktlinje för distansarbete").wait_for(state="detached")


def test_login_plain_user_may_not_upload_or_remove(browser: Any, login_url: str) -> None:
    page = _open(browser, login_url, ("lisa", "lisa-pw"))
    try:
        page.locator("#who").get_by_text("lisa").wait_for(timeout=10_000)
        page.get_by_role("tab", name="Dokument").click()
        note = page.locator("#admin-note")
        note.wait_for(state="visible", timeout=10_000)
        assert "administratör" in note.inner_text()
        assert page.locator("#upload-btn").is_disabled() and page.locator("#remove-btn").is_disabled()
        assert page.locator("#upload-files input[type=file]").count() == 0
    finally:
        page.context.close()
    admin = _open(browser, login_url, ("anna", "anna-pw"))
    try:
        admin.get_by_role("tab", name="Dokument").click()
        admin.locator("#upload-btn").wait_for()
        admin.wait_for_function("() => !document.querySelector('#upload-btn').disabled", timeout=10_000)
        assert not admin.locator("#admin-note").is_visible()
    finally:
        admin.context.close()


def test_ask_endpoint_needs_login_and_answers(login_url: str) -> None:
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    from gradio_client import Client

    with pytest.raises(ValueError, match="login"):
        Client(login_url, auth=("lisa", "wrong"), verbose=False)
    client = Client(login_url, auth=("lisa", "lisa-pw"), verbose=False)
    assert set(client.view_api(print_info=False, return_format="dict")["named_endpoints"]) == {"/ask"}
    reply = client.predict("What did the audit say about exit interviews?", api_name="/ask")
    assert "[1]" in reply and KPMG_TITLE in reply and "Sources" in reply
