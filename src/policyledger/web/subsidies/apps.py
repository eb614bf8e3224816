from django.apps import AppConfig


class SubsidiesConfig(AppConfig):
    name = "policyledger.web.subsidies"
    label = "subsidies"
    verbose_name = "政策兑现"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Money rolls up to the measure on the tracking task page through tracking's hook.
        from policyledger.web.tracking import hooks

        from .rollup import for_task_page, measure_ids

        hooks.add_money_source(for_task_page)
        hooks.add_money_measures(measure_ids)

        # Its users without a platform role land on, and navigate, their own pages.
        from policyledger.web.accounts import hooks as account_hooks
        from policyledger.web.subsidies.web_common import own_links

        account_hooks.add_own_links(own_links)
