"""The document library, recommendation tracker and glossary tabs."""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

import gradio as gr

from assistant.errors import AssistantError

from .context import AppContext
from .export import export_folder, tracker_rows, write_tracker_csv, write_tracker_docx
from .i18n import t
from .library import document_rows, remove_document, upload_documents


def doc_choices(ctx: AppContext, user) -> dict[str, list]:  # type: ignore[no-untyped-def, type-arg]
    """Filter choices from the documents a user may read."""
    docs = ctx.visible_docs(user)
    return {
        "munis": sorted({d.meta.municipality for d in docs if d.meta.municipality}),
        "docs": [
            (f"{d.meta.title} ({d.meta.date})" if d.meta.date else d.meta.title, d.meta.doc_id) for d in docs
        ],
        "types": sorted({d.meta.doc_type for d in docs if d.meta.doc_type}),
    }


def build_library_tab(ctx: AppContext, lang: Any, chat: dict[str, Any]) -> dict[str, Any]:
    lbl = ctx.label
    lbl(gr.Markdown(t("sv", "library_intro")), "library_intro", "value")
    table = gr.Dataframe(
        document_rows([], "sv"),
        interactive=False,
        wrap=True,
        elem_id="library-table",
        column_widths=["26%", "20%", "11%", "11%", "8%", "14%", "6%", "4%"],
    )
    refresh = lbl(gr.Button(t("sv", "library_refresh"), size="sm"), "library_refresh", "value")
    admin_note = lbl(
        gr.Markdown(t("sv", "admin_only"), visible=False, elem_id="admin-note"), "admin_only", "value"
    )
    with gr.Row(equal_height=False):
        with gr.Column():
            lbl(gr.Markdown(f"### {t('sv', 'upload_title')}"), "upload_title", "value")
            files = lbl(
                gr.File(
                    file_count="multiple",
                    type="filepath",
                    elem_id="upload-files",
                    label=t("sv", "upload_files", mb=f"{ctx.settings.max_file_mb:g}"),
                ),
                "upload_files",
                mb=f"{ctx.settings.max_file_mb:g}",
            )
            groups = sorted({"", *(ctx.users.groups() if ctx.users else [])})
            group = lbl(
                gr.Dropdown(groups, value="", allow_custom_value=True, label=t("sv", "upload_group")),
                "upload_group",
            )
            upload_btn = lbl(
                gr.Button(t("sv", "upload_button"), variant="primary", elem_id="upload-btn"),
                "upload_button",
                "value",
            )
            upload_msg = gr.Markdown("", elem_id="upload-msg")
        with gr.Column():
            lbl(gr.Markdown(f"### {t('sv', 'remove_title')}"), "remove_title", "value")
            to_remove = lbl(
                gr.Dropdown([], label=t("sv", "remove_pick"), elem_id="remove-pick"), "remove_pick"
            )
            remove_btn = lbl(
                gr.Button(t("sv", "remove_button"), variant="stop", elem_id="remove-btn"),
                "remove_button",
                "value",
            )
            remove_msg = gr.Markdown("", elem_id="remove-msg")

    def listing(lang_: str, request: gr.Request):  # type: ignore[no-untyped-def]
        user = ctx.user(request)
        # Administrators manage every document; others see what they may read.
        docs = ctx.store.documents() if user.is_admin else ctx.visible_docs(user)
        docs = sorted(docs, key=lambda d: d.meta.title.lower())
        choices = doc_choices(ctx, user)
        return (
            document_rows(docs, lang_),
            gr.update(
                choices=[(f"{d.meta.title} ({d.meta.doc_id})", d.meta.doc_id) for d in docs], value=None
            ),
            gr.update(choices=choices["munis"]),
            gr.update(choices=choices["docs"]),
            gr.update(choices=choices["types"]),
        )

    list_outputs = [table, to_remove, chat["munis"], chat["docs"], chat["types"]]
    refresh.click(listing, [lang], list_outputs, api_visibility="private")
    lang.change(listing, [lang], list_outputs, api_visibility="private")

    def upload(
        paths: list[str] | None,
        group_: str,
        lang_: str,
        request: gr.Request,
        progress: gr.Progress = gr.Progress(),  # noqa: B008 (Gradio's documented way)
    ) -> str:
        try:
            outcome = upload_documents(
                [Path(p) for p in paths or []],
                user=ctx.user(request),
                settings=ctx.settings,
                store=ctx.store,
                embedder=ctx.assistant.retriever.embedder,
                lang=lang_,
                access_group=group_ or "",
                progress=lambda f, desc: progress(f, desc=desc),
            )
        except AssistantError as exc:
            return str(exc)
        finally:
            for p in paths or []:  # Gradio's copy of an upload is not kept: the index has the text
                Path(p).unlink(missing_ok=True)
        return "\n\n".join(outcome.lines)

    upload_btn.click(upload, [files, group, lang], [upload_msg], api_visibility="private").then(
        lambda: None, None, [files], api_visibility="private"
    ).then(listing, [lang], list_outputs, api_visibility="private")

    def remove(doc_id: str | None, lang_: str, request: gr.Request) -> str:
        try:
            return remove_document(
                doc_id or "", user=ctx.user(request), settings=ctx.settings, store=ctx.store, lang=lang_
            )
        except AssistantError as exc:
            return str(exc)

    remove_btn.click(remove, [to_remove, lang], [remove_msg], api_visibility="private").then(
        listing, [lang], list_outputs, api_visibility="private"
    )

    def permissions(request: gr.Request):  # type: ignore[no-untyped-def]
        admin = ctx.user(request).is_admin
        return (
            gr.update(visible=not admin),
            gr.update(interactive=admin),
            gr.update(interactive=admin),
            gr.update(interactive=admin),
            gr.update(interactive=admin),
        )

    return {
        "listing": listing,
        "list_outputs": list_outputs,
        "permissions": permissions,
        "permission_outputs": [admin_note, files, upload_btn, to_remove, remove_btn],
    }


def _located_html(lang: str, heading: str, loc) -> str:  # type: ignore[no-untyped-def]
    where = ", ".join(
        x
        for x in (
            loc.date,
            f"{t(lang, 'section')}: {loc.section}" if loc.section else "",
            f"{t(lang, 'page')} {loc.page}" if loc.page else "",
        )
        if x
    )
    return (
        f"<div class='cite-card'><div class='cite-head'>{escape(heading)}</div>"
        f"<div class='cite-title'>{escape(loc.title)}</div><div class='cite-where'>{escape(where)}</div>"
        f"<blockquote class='cite-quote'>{escape(loc.text)}</blockquote></div>"
    )


def tracker_detail(item, lang: str) -> str:  # type: ignore[no-untyped-def]
    parts = [
        f"<h4>{escape(item.recommendation)}</h4>",
        _located_html(lang, t(lang, "tracker_audit"), item.audit),
    ]
    if item.answers:
        parts += [_located_html(lang, t(lang, "tracker_answers"), a) for a in item.answers]
    else:
        parts.append(f"<p>{t(lang, 'tracker_no_answer')}</p>")
    if item.followup is not None:
        parts.append(_located_html(lang, t(lang, "tracker_followup"), item.followup))
    parts.append(
        f"<div class='cite-card'><div class='cite-head'>{t(lang, 'tracker_evidence')}</div>"
        f"<blockquote class='cite-quote'>{escape(item.evidence)}</blockquote></div>"
    )
    return "<div class='sources'>" + "".join(parts) + "</div>"


def build_tracker_tab(ctx: AppContext, lang: Any) -> dict[str, Any]:
    lbl = ctx.label
    lbl(gr.Markdown(t("sv", "tracker_intro")), "tracker_intro", "value")
    items_state = gr.State([])
    with gr.Row():
        muni = lbl(gr.Dropdown([], value=None, label=t("sv", "tracker_municipality")), "tracker_municipality")
        open_only = lbl(gr.Checkbox(False, label=t("sv", "tracker_open_only")), "tracker_open_only")
        refresh = lbl(gr.Button(t("sv", "tracker_refresh"), size="sm"), "tracker_refresh", "value")
    with gr.Row(equal_height=False):
        with gr.Column(scale=3):
            table = gr.Dataframe(
                {"headers": ["", "", "", ""], "data": []},
                interactive=False,
                wrap=True,
                elem_id="tracker-table",
                column_widths=["44%", "26%", "12%", "18%"],
            )
            with gr.Row():
                csv_btn = lbl(
                    gr.Button(t("sv", "tracker_export_csv"), size="sm"), "tracker_export_csv", "value"
                )
                docx_btn = lbl(
                    gr.Button(t("sv", "tracker_export_docx"), size="sm"), "tracker_export_docx", "value"
                )
            with gr.Row():
                csv_dl = lbl(
                    gr.DownloadButton(t("sv", "tracker_download_csv"), visible=False), "tracker_download_csv"
                )
                docx_dl = lbl(
                    gr.DownloadButton(t("sv", "tracker_download_docx"), visible=False),
                    "tracker_download_docx",
                )
        with gr.Column(scale=2):
            detail = gr.HTML(f"<p>{t('sv', 'tracker_pick')}</p>", elem_id="tracker-detail")

    def load(muni_: str | None, open_: bool, lang_: str, request: gr.Request):  # type: ignore[no-untyped-def]
        filters = ctx.filters(ctx.user(request))
        everything = ctx.assistant.tracker.filtered(filters=filters)
        municipalities = sorted({i.audit.municipality for i in everything if i.audit.municipality})
        choices = [(t(lang_, "tracker_all"), "")] + [(m, m) for m in municipalities]
        items = ctx.assistant.tracker.filtered(municipality=muni_ or None, open_only=open_, filters=filters)
        headers = [t(lang_, k) for k in ("col_recommendation", "col_audit", "col_status", "col_answer")]
        rows = tracker_rows(items, lang_)
        note = t(lang_, "tracker_pick") if items else t(lang_, "tracker_empty")
        return (
            {"headers": headers, "data": rows},
            items,
            gr.update(choices=choices, value=muni_ or ""),
            f"<p>{escape(note)}</p>",
        )

    outputs = [table, items_state, muni, detail]
    for trigger in (refresh.click, open_only.change, lang.change):
        trigger(load, [muni, open_only, lang], outputs, api_visibility="private")
    muni.input(load, [muni, open_only, lang], outputs, api_visibility="private")

    def pick(items: list, lang_: str, evt: gr.SelectData) -> str:  # type: ignore[type-arg]
        row = evt.index[0] if isinstance(evt.index, (list, tuple)) else evt.index
        if not items or row is None or row >= len(items):
            return f"<p>{t(lang_, 'tracker_pick')}</p>"
        return tracker_detail(items[row], lang_)

    table.select(pick, [items_state, lang], [detail], api_visibility="private")

    def export_csv(items: list, lang_: str):  # type: ignore[no-untyped-def, type-arg]
        return gr.update(
            value=str(write_tracker_csv(items, export_folder() / "rekommendationer.csv", lang_)), visible=True
        )

    def export_docx(items: list, lang_: str):  # type: ignore[no-untyped-def, type-arg]
        return gr.update(
            value=str(write_tracker_docx(items, export_folder() / "rekommendationer.docx", lang_)),
            visible=True,
        )

    csv_btn.click(export_csv, [items_state, lang], [csv_dl], api_visibility="private")
    docx_btn.click(export_docx, [items_state, lang], [docx_dl], api_visibility="private")
    return {"load": load, "inputs": [muni, open_only, lang], "outputs": outputs}


def build_glossary_tab(ctx: AppContext, lang: Any) -> dict[str, Any]:
    lbl = ctx.label
    lbl(gr.Markdown(t("sv", "glossary_intro")), "glossary_intro", "value")
    query = lbl(gr.Textbox(label=t("sv", "glossary_search"), elem_id="glossary-search"), "glossary_search")
    table = gr.Dataframe(
        glossary_rows(ctx, "", "sv"),
        interactive=False,
        wrap=True,
        elem_id="glossary-table",
        column_widths=["20%", "25%", "55%"],
    )

    def search(q: str, lang_: str):  # type: ignore[no-untyped-def]
        return glossary_rows(ctx, q, lang_)

    query.change(search, [query, lang], [table], api_visibility="private")
    lang.change(search, [query, lang], [table], api_visibility="private")
    return {"table": table}


def glossary_rows(ctx: AppContext, query: str, lang: str) -> dict[str, list]:  # type: ignore[type-arg]
    terms = ctx.assistant.glossary.search(query or "", limit=200)
    headers = [t(lang, "col_term_sv"), t(lang, "col_term_en"), t(lang, "col_explanation")]
    data = []
    for term in terms:
        name = f"{term.sv} ({term.expansion_sv})" if term.acronym and term.expansion_sv else term.sv
        explanation = term.explanation_en if lang == "en" else term.explanation_sv
        data.append([name, ", ".join(term.en), explanation])
    return {"headers": headers, "data": data}
