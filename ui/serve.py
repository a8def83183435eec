"""`hrdocs serve`: check who could reach the app, build the assistant (ingesting the bundled corpus
when the index is empty), then launch the web app.

The app never listens beyond this machine without a login: a host other than loopback needs
HRDOCS_USERS_FILE (or --users-file).
"""

from __future__ import annotations

import ipaddress
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.config import Settings
from assistant.errors import AssistantError

if TYPE_CHECKING:
    import gradio as gr

    from assistant.assistant import Assistant

LOOPBACK_NAMES = frozenset({"localhost", "ip6-localhost", "ip6-loopback"})
WARM_UP_QUESTION = "avslutningssamtal"


def is_loopback(host: str) -> bool:
    host = host.strip().strip("[]").lower()
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_exposure(settings: Settings, host: str) -> None:
    """Refuse to listen beyond this machine without a login.

    Raises:
        AssistantError: `host` is not loopback and no users file is configured.
    """
    if not is_loopback(host) and settings.users_file is None:
        raise AssistantError(
            f"Refusing to serve on {host!r} without a login: anyone on the network could read the "
            "documents. Set HRDOCS_USERS_FILE or pass --users-file (users and roles, TOML), or use "
            "--host 127.0.0.1."
        )


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def prepare_assistant(settings: Settings) -> Assistant:
    """The assistant, with the bundled corpus ingested if the index is empty and the model warm."""
    from assistant.build import make_assistant

    assistant = make_assistant(settings, progress=_say)
    store = assistant.retriever.store
    if not store.documents():
        from ingest.pipeline import IngestOptions, Progress, ingest

        _say(f"hrdocs: the index is empty; ingesting {settings.corpus_dir} …")

        def progress(p: Progress) -> None:
            if p.current:
                done = f"{p.files_done + 1}/{p.files_total}"
                _say(f"  [{done}] {p.current} ({p.chunks_embedded} chunks embedded so far)")

        report = ingest(
            [settings.corpus_dir],
            store,
            assistant.retriever.embedder,
            IngestOptions.from_settings(settings),
            prune=False,
            on_progress=progress,
        )
        _say(f"hrdocs: {len(report.added)} documents, {report.chunks_embedded} chunks indexed")
        for path, reason in report.failed:
            _say(f"hrdocs: skipped {path}: {reason}")
    # The first question pays for loading the model and the lexical index; pay it before anyone asks.
    assistant.retrieve(WARM_UP_QUESTION)
    return assistant


def blocked_paths(settings: Settings) -> list[str]:
    """Files the web server must never hand out, whatever a request asks for."""
    paths: list[Path | None] = [
        settings.upload_dir,
        settings.index_dir,
        settings.feedback_db,
        settings.users_file,
        settings.audit_log,
        settings.corpus_dir,
    ]
    return [str(p.resolve()) for p in paths if p is not None]


def launch(app: gr.Blocks, settings: Settings, host: str, port: int, *, block: bool = True) -> gr.Blocks:
    """Launch a built app with login (when configured) and the app's CSS and script."""
    from .app import launch_options
    from .auth import load_users

    check_exposure(settings, host)
    auth = load_users(settings.users_file).verify if settings.users_file else None
    app.queue(default_concurrency_limit=2)
    app.launch(
        server_name=host,
        server_port=port,
        auth=auth,
        show_error=True,
        prevent_thread_lock=not block,
        blocked_paths=blocked_paths(settings),
        quiet=not block,
        **launch_options(settings),
    )
    return app


def serve(settings: Settings, host: str = "127.0.0.1", port: int = 7860, *, block: bool = True) -> Any:
    """Start the web app; with `block=False` return the running app (call `.close()` to stop it).

    Raises:
        AssistantError: the host is not loopback and login is off, or the setup is unusable.
    """
    import os

    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    check_exposure(settings, host)  # before minutes of model loading
    if settings.users_file is not None:
        from .auth import load_users

        load_users(settings.users_file)  # a broken users file fails now, not at the first login
    from .app import build_app

    assistant = prepare_assistant(settings)
    app = build_app(assistant, settings)
    _say(f"hrdocs: serving on http://{host}:{port}" + (" (login on)" if settings.users_file else ""))
    return launch(app, settings, host, port, block=block)
