from django.apps import AppConfig


class LineageConfig(AppConfig):
    name = "policyledger.web.lineage"
    label = "lineage"
    verbose_name = "政策对标"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The hook on the documents app's import: documents never imports lineage.
        from policyledger.web.lineage import signals

        signals.connect()
