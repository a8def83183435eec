"""Failures a user can fix. Each message names the fix; anything else is a bug and raises."""

from __future__ import annotations


class AssistantError(Exception):
    """Base of every error the CLI and UI show as one line instead of a traceback."""


class CorpusError(AssistantError):
    """The corpus or its manifest is unusable."""


class LoadError(AssistantError):
    """One file could not be read into text. `reason` is short and says why."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path, self.reason = path, reason


class ModelUnavailableError(AssistantError):
    """The embedding model cannot be loaded or built."""


class IndexMissingError(AssistantError):
    """There is no index yet."""


class IndexMismatchError(AssistantError):
    """The index was built with another embedder."""


class InvalidQuestionError(AssistantError):
    """The question cannot be asked (empty, too long)."""


class AccessDeniedError(AssistantError):
    """The user may not do this."""


class LlmError(AssistantError):
    """The configured chat model failed or is not installed."""
