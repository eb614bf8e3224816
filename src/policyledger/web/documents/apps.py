from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "policyledger.web.documents"
    label = "documents"
    verbose_name = "政策文件"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # accounts offers the hooks; documents moves its own rows when two units merge and says
        # which documents a user may read.
        from policyledger.web.accounts import hooks as account_hooks
        from policyledger.web.documents.services import access, lifecycle

        account_hooks.on_units_merged(lifecycle.move_unit_links)
        account_hooks.set_rows_rule("documents", access.visible_documents)
