"""The REST API (/api/v1/): django-ninja over the same services and permission checks as the pages."""
