from django.apps import AppConfig


class TrackingConfig(AppConfig):
    name = "policyledger.web.tracking"
    label = "tracking"
    verbose_name = "任务跟踪"
    default_auto_field = "django.db.models.BigAutoField"
