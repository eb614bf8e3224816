from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "policyledger.web.accounts"
    label = "accounts"
    verbose_name = "单位与用户"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from policyledger.web.accounts import recipients
        from policyledger.web.core import notify

        # Core's notifications do not know roles: this app tells it who the administrators are.
        notify.set_admin_users(recipients.admin_users)
