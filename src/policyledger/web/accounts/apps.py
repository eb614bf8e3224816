from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "policyledger.web.accounts"
    label = "accounts"
    verbose_name = "单位与用户"
    default_auto_field = "django.db.models.BigAutoField"
