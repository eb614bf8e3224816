import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

STATUSES = [
    ("uploaded", "上传"),
    ("parsing", "解析中"),
    ("review", "待审核"),
    ("published", "已发布"),
    ("failed", "解析失败"),
    ("withdrawn", "已撤回"),
]


def backfill(apps, schema_editor):
    """A document withdrawn before the history existed: withdrawn when it was last changed."""
    Document = apps.get_model("documents", "PolicyDocument")
    Change = apps.get_model("documents", "StatusChange")
    Change.objects.bulk_create(
        Change(document_id=pk, old="published", new="withdrawn", at=at)
        for pk, at in Document.objects.filter(status="withdrawn").values_list("pk", "updated_at")
    )


class Migration(migrations.Migration):

    dependencies = [
        ("documents", "0003_measure_no_deadline"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="StatusChange",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("old", models.CharField(choices=STATUSES, max_length=12, verbose_name="原状态")),
                ("new", models.CharField(choices=STATUSES, max_length=12, verbose_name="新状态")),
                ("at", models.DateTimeField(db_index=True, verbose_name="时间")),
                (
                    "by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "document",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="status_changes",
                        to="documents.policydocument",
                    ),
                ),
            ],
            options={
                "verbose_name": "文件状态变化",
                "verbose_name_plural": "文件状态变化",
                "ordering": ["document_id", "at", "id"],
                "indexes": [models.Index(fields=["document", "at"], name="documents_s_documen_e4ff85_idx")],
            },
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
