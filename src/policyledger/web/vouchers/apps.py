from django.apps import AppConfig


class VouchersConfig(AppConfig):
    name = "policyledger.web.vouchers"
    label = "vouchers"
    verbose_name = "消费券"
    default_auto_field = "django.db.models.BigAutoField"
