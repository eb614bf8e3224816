from django.apps import AppConfig


class VouchersConfig(AppConfig):
    name = "policyledger.web.vouchers"
    label = "vouchers"
    verbose_name = "消费券"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The evaluation (monitoring) reads the campaigns' results through tracking's registry.
        from policyledger.web.tracking import programmes
        from policyledger.web.vouchers.programmes import campaign_results

        programmes.register("vouchers", campaign_results)
