# AuditLog and Notification now belong to core (same tables): drop them from tracking's state only.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('tracking', '0001_initial'),
        ('core', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name='AuditLog'),
                migrations.DeleteModel(name='Notification'),
            ],
        ),
    ]
