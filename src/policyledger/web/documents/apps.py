from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "policyledger.web.documents"
    label = "documents"
    verbose_name = "政策文件"
    default_auto_field = "django.db.models.BigAutoField"
