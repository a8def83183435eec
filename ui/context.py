"""What every tab of the web app shares: the assistant, the settings, who is asking, and the
registry of translated labels that the language switch rewrites."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from assistant.config import Settings
from assistant.errors import AssistantError
from assistant.types import Filters

from .auth import LOCAL_USER, NOBODY, User, Users, load_users
from .feedback import FeedbackStore
from .i18n import t

if TYPE_CHECKING:
    import gradio as gr

    from assistant.assistant import Assistant


@dataclass
class AppContext:
    assistant: Assistant
    settings: Settings
    users: Users | None  # None: login is off
    feedback: FeedbackStore
    audit: Any = None  # assistant.audit_log.AuditLog when settings.audit_log is set
    # (component, i18n key, what to set): rewritten when the interface language changes.
    labels: list[tuple[Any, str, str, dict[str, Any]]] = field(default_factory=list)

    @classmethod
    def create(cls, assistant: Assistant, settings: Settings) -> AppContext:
        users = load_users(settings.users_file) if settings.users_file else None
        audit = None
        if settings.audit_log is not None:
            # Imported here: the audit log is opt-in, and a configured log that cannot be written
            # must stop the app rather than let questions go unrecorded.
            try:
                from assistant.audit_log import AuditLog  # type: ignore[import-not-found, unused-ignore]
            except ModuleNotFoundError as exc:
                raise AssistantError(
                    "HRDOCS_AUDIT_LOG is set, but this version has no audit log (assistant/audit_log.py)"
                ) from exc
            audit = AuditLog(settings.audit_log, settings.audit_retention_days)
        return cls(assistant, settings, users, FeedbackStore(settings.feedback_db), audit)

    @property
    def store(self):  # type: ignore[no-untyped-def]
        return self.assistant.retriever.store

    @property
    def login(self) -> bool:
        return self.users is not None

    def user(self, request: gr.Request | None) -> User:
        """The user behind a request: the local user (may do anything) when login is off."""
        if self.users is None:
            return LOCAL_USER
        name = getattr(request, "username", None) if request is not None else None
        return self.users.get(name) or NOBODY

    def filters(self, user: User, **fields: Any) -> Filters:
        """Filters with the user's access groups, so the store never returns what they may not read."""
        return Filters(groups=user.groups, **fields)

    def record(self, user: User, question: str, doc_ids: Sequence[str]) -> None:
        """Write the audit log entry for one answer, when the audit log is on."""
        if self.audit is not None:
            self.audit.record(user.label, question, list(doc_ids))

    def label(self, component: Any, key: str, attr: str = "label", **values: Any) -> Any:
        """Register `component` for relabelling and return it."""
        self.labels.append((component, key, attr, values))
        return component

    def relabel(self, lang: str) -> list[Any]:
        import gradio as gr

        updates = []
        for _component, key, attr, values in self.labels:
            change: dict[str, Any] = {attr: t(lang, key, **values)}
            updates.append(gr.update(**change))
        return updates

    def visible_docs(self, user: User) -> list[Any]:
        """Indexed documents the user may read, sorted by title."""
        docs = self.store.documents()
        probe = Filters(groups=user.groups)
        return sorted((d for d in docs if probe.admits(d.meta)), key=lambda d: d.meta.title.lower())
