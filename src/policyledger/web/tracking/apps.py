from django.apps import AppConfig


class TrackingConfig(AppConfig):
    name = "policyledger.web.tracking"
    label = "tracking"
    verbose_name = "任务跟踪"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The lower apps offer hooks; tracking joins in here so they never import it.
        from policyledger.web.accounts import hooks as account_hooks
        from policyledger.web.documents import hooks as document_hooks
        from policyledger.web.tracking.services import access, publishing, rollup, unit_merge, units

        document_hooks.on_publish(publishing.create_tasks)
        document_hooks.on_status_change(publishing.document_status_changed)
        account_hooks.on_units_merged(publishing.move_unit)
        account_hooks.on_units_merged(unit_merge.move_reminders)
        document_hooks.set_progress(rollup.progress_by_measure, rollup.progress_by_document)
        account_hooks.set_unit_detail(units.unit_detail)
        account_hooks.set_rows_rule("tasks", access.visible_tasks)
        account_hooks.set_rows_rule("reports", access.visible_reports)
        account_hooks.set_task_reader(access.may_read_task)

        from policyledger.web.tracking.services import audit_view

        audit_view.register_labels()
