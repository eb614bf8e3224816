from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "policyledger.web.monitoring"
    label = "monitoring"
    verbose_name = "消费市场运行监测"
    default_auto_field = "django.db.models.BigAutoField"
