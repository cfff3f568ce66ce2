"""One error hierarchy: every error a user can see says what happened and what to do next."""

from __future__ import annotations


class PulseError(Exception):
    """An error meant for a person: `message` says what happened, `hint` what to do next."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message}\nHint: {self.hint}" if self.hint else self.message


class ConfigError(PulseError):
    """Settings or the environment are wrong."""


class InputError(PulseError):
    """A file or value given by the user cannot be used."""


class StoreError(PulseError):
    """The database cannot be reached or is not in the expected state."""


class SourceError(PulseError):
    """A feedback source (file, API) failed."""


class AnalysisError(PulseError):
    """Scoring, embedding or topic fitting failed."""


class DeliveryError(PulseError):
    """A message (the weekly digest) could not be sent."""
