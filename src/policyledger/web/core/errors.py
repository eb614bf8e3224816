"""The one base type for errors a service raises on purpose (bad input, a conflict, a refusal).

Each carries a stable English ``code``, a Chinese ``message`` for people and the HTTP ``status``
the API answers with; pages show the message, the API answers ``{"detail": message, "code": code}``
(the vouchers claim endpoints ``{"error": code, "message": message}``), the CLI prints the message.
"""

from __future__ import annotations

CONFLICT_MESSAGE = "该内容已被他人修改，请刷新后重试"


class ServiceError(Exception):
    code = "rejected"
    status = 400
    message = "操作失败"

    def __init__(self, message: str | None = None, **extra) -> None:
        super().__init__(message or self.message)
        self.message = message or self.message
        self.extra = extra


class ConflictError(ServiceError):
    """Someone else changed the object since it was read (the optimistic lock's version moved)."""

    code = "conflict"
    status = 409
    message = CONFLICT_MESSAGE
