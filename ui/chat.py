"""The chat tab: streaming answers, source cards beside them, filters, export and feedback.

One exchange is two chat messages and one entry of the `answers` state (None when the question
could not be answered), so chat message 2i+1 is answers[i] and card ids are cite-<i>-<n>.
"""

from __future__ import annotations

import time
from typing import Any

import gradio as gr

from assistant.errors import AssistantError
from assistant.types import Answer

from . import render
from .context import AppContext
from .export import export_folder, write_conversation
from .i18n import t

# The sources panel: "show in context" buttons send the card's key to the server.
SOURCES_JS = """
element.addEventListener('click', (e) => {
  const b = e.target.closest('.ctx-btn');
  if (b) { trigger('click', {cite: b.dataset.cite}); }
});
"""
# The context panel: bring the marked passage into view whenever new text arrives.
CONTEXT_JS = """
const go = () => {
  const m = element.querySelector('.ctx-target');
  if (!m) return;
  const box = element.querySelector('.ctx-text');
  if (box) box.scrollTop = Math.max(0, m.offsetTop - box.clientHeight / 4);
  element.scrollIntoView({behavior: 'smooth', block: 'nearest'});
};
watch('value', () => setTimeout(go, 50));
"""


def _year(value: float | None) -> int | None:
    """A year from a Number field; an empty field arrives as None or 0."""
    return int(value) if value else None


def build_chat_tab(ctx: AppContext, lang: Any) -> dict[str, Any]:
    """Lay out the chat tab inside the current Blocks context; returns components others update."""
    lbl = ctx.label
    answers = gr.State([])
    with gr.Row(equal_height=False):
        with gr.Column(scale=3, min_width=360):
            chat = lbl(
                gr.Chatbot(
                    label=t("sv", "chat_label"),
                    show_label=False,
                    elem_id="chat",
                    height=560,
                    placeholder=t("sv", "chat_placeholder"),
                    buttons=["copy"],
                ),
                "chat_placeholder",
                "placeholder",
            )
            with gr.Row():
                question = lbl(
                    gr.Textbox(
                        show_label=False,
                        placeholder=t("sv", "question_placeholder"),
                        scale=5,
                        elem_id="question",
                        lines=1,
                        max_lines=6,
                        autofocus=True,
                    ),
                    "question_placeholder",
                    "placeholder",
                )
                send = lbl(
                    gr.Button(t("sv", "send"), variant="primary", scale=1, elem_id="send"), "send", "value"
                )
            with gr.Row(elem_classes=["meeting-hide"]):
                new_chat = lbl(
                    gr.Button(t("sv", "new_chat"), size="sm", elem_id="new-chat"), "new_chat", "value"
                )
            filter_md = gr.Markdown(t("sv", "filter_none"), elem_id="filter-note")
            with lbl(gr.Accordion(t("sv", "filters"), open=False, elem_id="filters"), "filters"):
                with gr.Row():
                    munis = lbl(
                        gr.Dropdown([], multiselect=True, label=t("sv", "filter_municipality")),
                        "filter_municipality",
                    )
                    types = lbl(
                        gr.Dropdown([], multiselect=True, label=t("sv", "filter_type")), "filter_type"
                    )
                docs = lbl(
                    gr.Dropdown([], multiselect=True, label=t("sv", "filter_document")), "filter_document"
                )
                with gr.Row():
                    year_from = lbl(
                        gr.Number(None, precision=0, label=t("sv", "filter_year_from")), "filter_year_from"
                    )
                    year_to = lbl(
                        gr.Number(None, precision=0, label=t("sv", "filter_year_to")), "filter_year_to"
                    )
                clear = lbl(gr.Button(t("sv", "filter_clear"), size="sm"), "filter_clear", "value")
            with lbl(
                gr.Accordion(t("sv", "export"), open=False, elem_id="export", elem_classes=["meeting-hide"]),
                "export",
            ):
                scope = gr.Radio(
                    [(t("sv", "export_all"), "all"), (t("sv", "export_last"), "last")],
                    value="all",
                    label=t("sv", "export_scope"),
                )
                export_btn = lbl(
                    gr.Button(t("sv", "export_button"), elem_id="export-btn"), "export_button", "value"
                )
                export_msg = gr.Markdown("")
                with gr.Row():
                    dl_docx = lbl(
                        gr.DownloadButton(t("sv", "export_docx"), visible=False, elem_id="dl-docx"),
                        "export_docx",
                    )
                    dl_md = lbl(
                        gr.DownloadButton(t("sv", "export_md"), visible=False, elem_id="dl-md"), "export_md"
                    )
            with lbl(
                gr.Accordion(
                    t("sv", "feedback"), open=False, elem_id="feedback", elem_classes=["meeting-hide"]
                ),
                "feedback",
            ):
                rating = gr.Radio(
                    [(t("sv", "feedback_up"), "up"), (t("sv", "feedback_down"), "down")],
                    label=t("sv", "feedback_rating"),
                )
                comment = lbl(gr.Textbox(label=t("sv", "feedback_comment"), lines=2), "feedback_comment")
                fb_send = lbl(gr.Button(t("sv", "feedback_send"), size="sm"), "feedback_send", "value")
                fb_msg = gr.Markdown("")
                fb_export = lbl(
                    gr.Button(t("sv", "feedback_export"), size="sm", visible=False),
                    "feedback_export",
                    "value",
                )
                fb_download = lbl(
                    gr.DownloadButton(t("sv", "feedback_download"), visible=False), "feedback_download"
                )
        with gr.Column(scale=2, min_width=320):
            sources = gr.HTML(render.sources_panel([], "sv"), elem_id="sources", js_on_load=SOURCES_JS)
            context = gr.HTML(
                render.context_message(t("sv", "context_empty")), elem_id="context", js_on_load=CONTEXT_JS
            )

    filter_inputs = [munis, docs, types, year_from, year_to]

    # -- asking ---------------------------------------------------------------------------------------

    def respond(  # type: ignore[no-untyped-def]
        message: str, history: list, past: list, lang_: str, m, d, ty, yf, yt, request: gr.Request
    ):
        question_text = (message or "").strip()
        history = list(history or [])
        past = list(past or [])
        if not question_text:
            yield gr.update(), history, past, gr.update()
            return
        user = ctx.user(request)
        filters = ctx.filters(
            user,
            municipalities=tuple(m or ()),
            doc_ids=tuple(d or ()),
            doc_types=tuple(ty or ()),
            year_from=_year(yf),
            year_to=_year(yt),
        )
        turns = render.history_turns(past)
        history += [
            {"role": "user", "content": question_text},
            {"role": "assistant", "content": t(lang_, "searching")},
        ]
        yield "", history, past, gr.update()
        try:
            found = ctx.assistant.retrieve(question_text, history=turns, filters=filters)
            history[-1] = {"role": "assistant", "content": t(lang_, "composing")}
            yield "", history, past, render.preview_panel(found.passages, question_text, lang_)
            answer = ctx.assistant.ask(question_text, history=turns, filters=filters, retrieval=found)
        except AssistantError as exc:
            history[-1] = {"role": "assistant", "content": t(lang_, "could_not_answer", message=str(exc))}
            past.append(None)
            yield "", history, past, render.sources_panel(past, lang_)
            return
        ctx.record(user, question_text, render.cited_doc_ids(answer))
        turn = len(past)
        past.append(answer)
        panel = render.sources_panel(past, lang_)
        for piece in render.stream_pieces(render.answer_markdown(answer, turn, lang_)):
            history[-1] = {"role": "assistant", "content": piece}
            yield "", history, past, panel
            time.sleep(0.02)

    ask_inputs = [question, chat, answers, lang, *filter_inputs]
    ask_outputs = [question, chat, answers, sources]
    for trigger in (question.submit, send.click):
        trigger(respond, ask_inputs, ask_outputs, api_visibility="private", concurrency_limit=4)

    def reset(lang_: str):  # type: ignore[no-untyped-def]
        return [], [], render.sources_panel([], lang_), render.context_message(t(lang_, "context_empty")), ""

    reset_outputs = [chat, answers, sources, context, export_msg]
    new_chat.click(reset, [lang], reset_outputs, api_visibility="private")
    chat.clear(reset, [lang], reset_outputs, api_visibility="private")  # the chatbot's own bin button

    def show_context(past: list, lang_: str, evt: gr.EventData, request: gr.Request) -> str:
        citation = render.find_citation(past or [], (evt._data or {}).get("cite", ""))
        if citation is None:
            return render.context_message(t(lang_, "context_empty"))
        user = ctx.user(request)
        doc = ctx.store.document_text(citation.doc_id)
        if doc is None:
            return render.context_message(t(lang_, "context_missing"))
        if not ctx.filters(user).admits(doc.meta):  # the document's group may have changed since
            return render.context_message(t(lang_, "no_access"))
        return render.context_html(doc, citation, lang_)

    sources.click(show_context, [answers, lang], [context], api_visibility="private")

    # -- filters -------------------------------------------------------------------------------------

    def describe(lang_: str, m, d, ty, yf, yt, request: gr.Request) -> str:  # type: ignore[no-untyped-def]
        titles = {x.meta.doc_id: x.meta.title for x in ctx.visible_docs(ctx.user(request))}
        return render.filter_note(lang_, m or [], d or [], ty or [], yf, yt, titles)

    for comp in filter_inputs:
        comp.change(describe, [lang, *filter_inputs], [filter_md], api_visibility="private")
    lang.change(describe, [lang, *filter_inputs], [filter_md], api_visibility="private")
    clear.click(lambda: ([], [], [], None, None), None, filter_inputs, api_visibility="private")

    # -- export --------------------------------------------------------------------------------------

    def export(past: list, scope_: str, lang_: str):  # type: ignore[no-untyped-def]
        done = [a for a in past or [] if a is not None]
        if not done:
            return t(lang_, "export_nothing"), gr.update(visible=False), gr.update(visible=False)
        chosen = done[-1:] if scope_ == "last" else done
        docx_path, md_path = write_conversation(chosen, export_folder(), lang_)
        return (
            t(lang_, "export_done"),
            gr.update(value=str(docx_path), visible=True),
            gr.update(value=str(md_path), visible=True),
        )

    export_btn.click(export, [answers, scope, lang], [export_msg, dl_docx, dl_md], api_visibility="private")

    # -- feedback ------------------------------------------------------------------------------------

    def save_feedback(answer: Answer | None, rating_: int, comment_: str, user_name: str) -> None:
        if answer is not None:
            ctx.feedback.add(
                answer.question, answer.text, rating_, comment_, render.cited_doc_ids(answer), user_name
            )

    def on_like(past: list, lang_: str, data: gr.LikeData, request: gr.Request) -> str:
        index = data.index[0] if isinstance(data.index, (list, tuple)) else data.index
        turn = int(index) // 2
        if not past or turn >= len(past) or past[turn] is None or data.liked not in (True, False):
            return ""
        save_feedback(past[turn], 1 if data.liked else -1, "", ctx.user(request).label)
        return t(lang_, "feedback_thanks")

    chat.like(on_like, [answers, lang], [fb_msg], api_visibility="private")

    def send_feedback(past: list, rating_: str | None, comment_: str, lang_: str, request: gr.Request):  # type: ignore[no-untyped-def]
        done = [a for a in past or [] if a is not None]
        if not done or (not rating_ and not (comment_ or "").strip()):
            return t(lang_, "feedback_nothing"), gr.update(), gr.update()
        score = {"up": 1, "down": -1}.get(rating_ or "", 0)
        save_feedback(done[-1], score, comment_ or "", ctx.user(request).label)
        return t(lang_, "feedback_thanks"), None, ""

    fb_send.click(
        send_feedback, [answers, rating, comment, lang], [fb_msg, rating, comment], api_visibility="private"
    )

    def export_feedback(lang_: str, request: gr.Request):  # type: ignore[no-untyped-def]
        if not ctx.user(request).is_admin:
            return t(lang_, "denied_admin"), gr.update(visible=False)
        path = export_folder() / "feedback.jsonl"
        ctx.feedback.export_jsonl(path)
        return "", gr.update(value=str(path), visible=True)

    fb_export.click(export_feedback, [lang], [fb_msg, fb_download], api_visibility="private")

    def relabel_panels(past: list, lang_: str):  # type: ignore[no-untyped-def]
        scope_update = gr.update(
            choices=[(t(lang_, "export_all"), "all"), (t(lang_, "export_last"), "last")],
            label=t(lang_, "export_scope"),
        )
        rating_update = gr.update(
            choices=[(t(lang_, "feedback_up"), "up"), (t(lang_, "feedback_down"), "down")],
            label=t(lang_, "feedback_rating"),
        )
        return scope_update, rating_update, render.sources_panel(past or [], lang_)

    lang.change(relabel_panels, [answers, lang], [scope, rating, sources], api_visibility="private")

    return {
        "chat": chat,
        "answers": answers,
        "sources": sources,
        "context": context,
        "munis": munis,
        "docs": docs,
        "types": types,
        "year_from": year_from,
        "year_to": year_to,
        "fb_export": fb_export,
        "question": question,
    }
