# The audit log and notifications moved here from tracking: their tables stay (db_table), only
# Django's state moves. On an empty database tracking.0001 creates the tables first.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('tracking', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    state_operations = [
        migrations.CreateModel(
            name='AuditLog',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('action', models.CharField(max_length=60, verbose_name='操作')),
                ('object_type', models.CharField(max_length=40, verbose_name='对象类型')),
                ('object_id', models.CharField(max_length=40, verbose_name='对象编号')),
                ('task_id_ref', models.PositiveBigIntegerField(blank=True, db_index=True, null=True)),
                ('before', models.JSONField(blank=True, null=True, verbose_name='修改前')),
                ('after', models.JSONField(blank=True, null=True, verbose_name='修改后')),
                ('at', models.DateTimeField(db_index=True, verbose_name='时间')),
                ('actor', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': '审计日志',
                'verbose_name_plural': '审计日志',
                'db_table': 'tracking_auditlog',
                'ordering': ['-at', '-id'],
                'indexes': [models.Index(fields=['object_type', 'object_id'], name='tracking_au_object__8d6fc3_idx')],
            },
        ),
        migrations.CreateModel(
            name='Notification',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('text', models.CharField(max_length=500, verbose_name='内容')),
                ('link', models.CharField(blank=True, max_length=300, verbose_name='链接')),
                ('read', models.BooleanField(default=False, verbose_name='已读')),
                ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='时间')),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='notifications', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'verbose_name': '站内通知',
                'verbose_name_plural': '站内通知',
                'db_table': 'tracking_notification',
                'ordering': ['-created_at', '-id'],
                'indexes': [models.Index(fields=['user', 'read'], name='tracking_no_user_id_299dd7_idx')],
            },
        ),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=state_operations),
    ]
