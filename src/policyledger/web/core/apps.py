from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Shared plumbing every app may use: the audit log, notifications, the service error base."""

    name = "policyledger.web.core"
    label = "core"
    verbose_name = "公共"
    default_auto_field = "django.db.models.BigAutoField"
