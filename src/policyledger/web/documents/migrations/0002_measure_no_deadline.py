from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("documents", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="measure",
            name="no_deadline",
            field=models.BooleanField(default=False, verbose_name="无完成时限"),
        ),
    ]
