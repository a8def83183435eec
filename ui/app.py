"""The web app (Gradio 6): chat with cited sources, document library, recommendation tracker, glossary.

`build_app(assistant, settings)` lays it out; `ui/serve.py` launches it with the CSS and script
from `launch_options()` (Gradio 6 takes theme, css and head at launch, not in Blocks).
The interface is Swedish by default; one switch turns it English. Answers follow the question.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import gradio as gr

from assistant.config import Settings
from assistant.errors import AssistantError

from . import render
from .chat import build_chat_tab
from .context import AppContext
from .i18n import DEFAULT_LANG, LANGUAGES, t
from .tabs import build_glossary_tab, build_library_tab, build_tracker_tab

if TYPE_CHECKING:
    from assistant.assistant import Assistant

CSS = """
#topbar { align-items: center; }
#topbar h1 { margin: 0; }
.sources { display: flex; flex-direction: column; gap: .6rem; }
.sources-head { font-weight: 700; font-size: 1.05rem; }
.sources-q { color: var(--body-text-color-subdued); font-style: italic; }
.sources-empty, .ctx-empty { color: var(--body-text-color-subdued); padding: .5rem 0; }
.cite-card { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: .6rem .8rem;
  background: var(--background-fill-secondary); scroll-margin-top: 80px; transition: box-shadow .3s; }
.cite-card.flash { box-shadow: 0 0 0 3px var(--color-accent); }
.cite-head { font-weight: 600; }
.cite-num { color: var(--color-accent); margin-right: .2rem; }
.cite-meta, .cite-where { font-size: .85rem; color: var(--body-text-color-subdued); }
.cite-quote { margin: .4rem 0; padding-left: .6rem; border-left: 3px solid var(--border-color-accent);
  white-space: pre-wrap; font-size: .92rem; }
.cite-quote mark, .ctx-text mark mark { background: #ffe08a; color: inherit; padding: 0 1px; }
.ctx-btn { font-size: .85rem; padding: .15rem .6rem; border-radius: 6px; cursor: pointer;
  border: 1px solid var(--border-color-primary); background: var(--button-secondary-background-fill); }
.ctx { border-top: 2px solid var(--border-color-accent); margin-top: .8rem; padding-top: .5rem; }
.ctx-where { font-size: .85rem; color: var(--body-text-color-subdued); }
.ctx-text { position: relative; white-space: pre-wrap; max-height: 55vh; overflow: auto; font-size: .92rem;
  line-height: 1.5; padding: .4rem; border: 1px solid var(--border-color-primary); border-radius: 6px; }
.ctx-target { background: #fff3c4; color: inherit; border-bottom: 2px solid #f0c000; }
#sources > .sources, #sources .sources { max-height: 80vh; overflow-y: auto; padding-right: 4px; }
.sources-earlier summary { cursor: pointer; color: var(--body-text-color-subdued); }
body.hr-meeting #chat .message, body.hr-meeting #chat .message * { font-size: 1.45rem !important;
  line-height: 1.55 !important; }
body.hr-meeting #question textarea { font-size: 1.35rem !important; }
body.hr-meeting .cite-card, body.hr-meeting .ctx-text { font-size: 1.25rem; }
body.hr-meeting .cite-quote { font-size: 1.2rem; }
body.hr-meeting .meeting-hide { display: none !important; }
@media (max-width: 820px) { body.hr-meeting #chat { height: 70vh !important; } }
"""

# Clicking [n] in an answer brings its source card into view (cards live in another component,
# so a plain #anchor jump is not enough: earlier answers' cards may be folded away).
HEAD = """
<meta name="viewport" content="width=device-width, initial-scale=1">
<script>
document.addEventListener('click', (e) => {
  const a = e.target.closest && e.target.closest('a[href^="#cite-"], a[href^="#rel-"]');
  if (!a) return;
  e.preventDefault();
  e.stopPropagation();
  const card = document.getElementById(a.getAttribute('href').slice(1));
  if (!card) return;
  const folded = card.closest('details');
  if (folded) folded.open = true;
  card.scrollIntoView({behavior: 'smooth', block: 'center'});
  card.classList.add('flash');
  setTimeout(() => card.classList.remove('flash'), 1600);
}, true);
</script>
"""

MEETING_JS = "(on) => { document.body.classList.toggle('hr-meeting', !!on); return on; }"


def launch_options(settings: Settings) -> dict[str, Any]:
    """What `launch()` needs besides host, port and auth."""
    return {
        "theme": gr.themes.Soft(),
        "css": CSS,
        "head": HEAD,
        "max_file_size": f"{settings.max_file_mb:g}mb",
        "footer_links": ["api"],
    }


def build_app(assistant: Assistant, settings: Settings) -> gr.Blocks:
    ctx = AppContext.create(assistant, settings)
    lbl = ctx.label
    # Uploaded and exported files are dropped from Gradio's cache after an hour.
    with gr.Blocks(title=t(DEFAULT_LANG, "app_title"), delete_cache=(3600, 3600)) as demo:
        with gr.Row(elem_id="topbar"):
            with gr.Column(scale=4):
                title = gr.Markdown(f"# {t('sv', 'app_title')}\n{t('sv', 'app_subtitle')}")
            with gr.Column(scale=2, min_width=220):
                lang = lbl(
                    gr.Radio(
                        [(name, code) for name, code in LANGUAGES],
                        value=DEFAULT_LANG,
                        elem_id="lang",
                        label=t("sv", "language"),
                    ),
                    "language",
                )
                meeting = lbl(
                    gr.Checkbox(False, label=t("sv", "meeting_mode"), elem_id="meeting"), "meeting_mode"
                )
                who = gr.Markdown("", elem_id="who")
        with gr.Tabs():
            with lbl(gr.Tab(t("sv", "tab_chat"), id="chat-tab"), "tab_chat"):
                chat = build_chat_tab(ctx, lang)
            with lbl(gr.Tab(t("sv", "tab_library"), id="library-tab", elem_id="library-tab"), "tab_library"):
                library = build_library_tab(ctx, lang, chat)
            with lbl(gr.Tab(t("sv", "tab_tracker"), id="tracker-tab"), "tab_tracker"):
                tracker = build_tracker_tab(ctx, lang)
            with lbl(gr.Tab(t("sv", "tab_glossary"), id="glossary-tab"), "tab_glossary"):
                build_glossary_tab(ctx, lang)

        meeting.change(None, [meeting], [meeting], js=MEETING_JS, api_visibility="private")

        def whoami(lang_: str, request: gr.Request) -> str:
            if not ctx.login:
                return ""
            user = ctx.user(request)
            return t(lang_, "signed_in_as", name=user.name, role=t(lang_, f"role_{user.role}"))

        def header(lang_: str) -> str:
            return f"# {t(lang_, 'app_title')}\n{t(lang_, 'app_subtitle')}"

        components = [c for c, *_ in ctx.labels]
        lang.change(ctx.relabel, [lang], components, api_visibility="private")
        lang.change(header, [lang], [title], api_visibility="private")
        lang.change(whoami, [lang], [who], api_visibility="private", show_progress="hidden")

        demo.load(whoami, [lang], [who], api_visibility="private", show_progress="hidden")

        def admin_only(request: gr.Request) -> Any:
            return gr.update(visible=ctx.user(request).is_admin)

        demo.load(admin_only, None, [chat["fb_export"]], api_visibility="private", show_progress="hidden")
        demo.load(
            library["permissions"],
            None,
            library["permission_outputs"],
            api_visibility="private",
            show_progress="hidden",
        )
        demo.load(library["listing"], [lang], library["list_outputs"], api_visibility="private")
        demo.load(tracker["load"], tracker["inputs"], tracker["outputs"], api_visibility="private")

        def ask(question: str, request: gr.Request) -> str:
            """Answer one question: the answer's markdown with its numbered sources."""
            user = ctx.user(request)
            try:
                answer = ctx.assistant.ask(question, filters=ctx.filters(user))
            except AssistantError as exc:
                raise gr.Error(str(exc)) from exc
            ctx.record(user, answer.question, render.cited_doc_ids(answer))
            return render.sources_markdown(answer, answer.language)

        gr.api(ask, api_name="ask", concurrency_limit=4)
    demo.hrdocs = ctx  # type: ignore[attr-defined]  # for tests and embedding: the app's assistant and stores
    return demo
