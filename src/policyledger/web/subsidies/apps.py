from django.apps import AppConfig


class SubsidiesConfig(AppConfig):
    name = "policyledger.web.subsidies"
    label = "subsidies"
    verbose_name = "政策兑现"
    default_auto_field = "django.db.models.BigAutoField"
