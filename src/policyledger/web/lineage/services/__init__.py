"""Business rules of the lineage app, called alike by pages, the API and the CLI."""

from policyledger.web.core.errors import ServiceError


class LineageError(ServiceError):
    """A refused lineage operation; the message is Chinese and shown to the user as is."""
