from django.apps import AppConfig


class VouchersConfig(AppConfig):
    name = "policyledger.web.vouchers"
    label = "vouchers"
    verbose_name = "消费券"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Higher-level 奖补 (subsidies' matching transfers) read verified voucher spending through
        # tracking's hook, so no sibling app imports this one.
        from policyledger.web.tracking import hooks
        from policyledger.web.vouchers.programmes import campaign_results
        from policyledger.web.vouchers.services.spending import verified_spending_by_region

        hooks.add_spending_source(verified_spending_by_region)
        # The evaluation (monitoring) reads the campaigns' results through the same hooks.
        hooks.add_programme_source(campaign_results)
        # The campaigns' committed/paid money against the measure that funds them (task page,
        # dashboard, 通报), now or as of a past month's end.
        from policyledger.web.vouchers.money import measure_ids, measure_money

        hooks.add_money_source(measure_money)
        hooks.add_money_measures(measure_ids)

        # Its users without a platform role land on, and navigate, their own pages.
        from policyledger.web.accounts import hooks as account_hooks
        from policyledger.web.vouchers.web_common import own_links

        account_hooks.add_own_links(own_links)
