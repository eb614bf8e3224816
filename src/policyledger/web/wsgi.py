import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "policyledger.web.settings")
full = get_wsgi_application()

# Imported once Django is set up (get_wsgi_application above).
from policyledger.web.api.lean import LEAN_MIDDLEWARE, is_token_submission  # noqa: E402
from policyledger.web.core.lean import LeanHandler  # noqa: E402

lean = LeanHandler(LEAN_MIDDLEWARE)


def application(environ, start_response):
    """The site; token-authenticated report submissions take the short road (api/lean.py)."""
    handler = lean if is_token_submission(environ) else full
    return handler(environ, start_response)
