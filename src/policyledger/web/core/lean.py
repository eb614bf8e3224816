"""A Django WSGI handler with its own short middleware list, for the token-authenticated hot
paths (report submissions: ``api/lean.py``; voucher claims: ``vouchers/claim_wsgi.py``). Each
entry decides which requests take it and which middleware they still need; everything else goes
through the full application."""

from __future__ import annotations

from collections.abc import Sequence

from django.core.handlers.exception import convert_exception_to_response
from django.core.handlers.wsgi import WSGIHandler
from django.utils.module_loading import import_string


class LeanHandler(WSGIHandler):
    """Django's WSGI handler with the given sync-only middleware (dotted paths, outermost first)."""

    def __init__(self, middleware: Sequence[str]) -> None:
        self.middleware = tuple(middleware)
        super().__init__()  # loads the middleware below

    def load_middleware(self, is_async: bool = False) -> None:
        self._view_middleware = []
        self._template_response_middleware = []
        self._exception_middleware = []
        handler = convert_exception_to_response(self._get_response)
        for path in reversed(self.middleware):
            mw = import_string(path)(handler)
            if hasattr(mw, "process_view"):
                self._view_middleware.insert(0, mw.process_view)
            if hasattr(mw, "process_template_response"):
                self._template_response_middleware.append(mw.process_template_response)
            if hasattr(mw, "process_exception"):
                self._exception_middleware.append(mw.process_exception)
            handler = convert_exception_to_response(mw)
        self._middleware_chain = handler
