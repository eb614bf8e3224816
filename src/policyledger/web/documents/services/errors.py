"""What the documents services refuse; ``str(error)`` is a message for the user (Chinese)."""

from __future__ import annotations

from policyledger.web.core.errors import ConflictError as SharedConflict
from policyledger.web.core.errors import ServiceError


class ReviewError(ServiceError, ValueError):
    """A review or publish step refused; ``str(error)`` is a message for the user (Chinese)."""


class ConflictError(SharedConflict, ReviewError):
    """A document or measure changed since it was read."""


class UploadError(ServiceError, ValueError):
    """An upload refused before anything was stored; message in Chinese."""
