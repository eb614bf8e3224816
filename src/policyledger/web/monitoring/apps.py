from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "policyledger.web.monitoring"
    label = "monitoring"
    verbose_name = "消费市场运行监测"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The system-wide audit log reads monitoring's rows through core's label registry.
        from policyledger.web.core import audit
        from policyledger.web.monitoring.models import ImportBatch, Indicator, IndicatorTarget

        def indicators(ids: set[str]) -> dict[str, str]:
            rows = Indicator.objects.filter(pk__in=[int(i) for i in ids]).values_list("pk", "name")
            return {str(pk): name for pk, name in rows}

        def targets(ids: set[str]) -> dict[str, str]:
            rows = IndicatorTarget.objects.filter(pk__in=[int(i) for i in ids]).values_list(
                "pk", "indicator__name", "year"
            )
            return {str(pk): f"{name}{year}年目标" for pk, name, year in rows}

        def batches(ids: set[str]) -> dict[str, str]:
            rows = ImportBatch.objects.filter(pk__in=[int(i) for i in ids]).values_list(
                "pk", "filename"
            )
            return {str(pk): f"导入“{name}”" for pk, name in rows}

        audit.register(
            actions={
                "monitoring.import": "导入监测数据",
                "monitoring.target_link": "设定监测指标目标",
                "monitoring.target_warning": "监测目标预警变化",
            },
            object_types={"importbatch": "监测数据导入", "indicatortarget": "监测指标目标"},
            fields={
                "filename": "文件",
                "rows": "行数",
                "new_indicators": "新增指标",
                "indicator": "监测指标",
                "year": "年度",
                "kind": "目标类型",
                "value": "目标值",
                "warning": "预警",
                "detail": "说明",
            },
            object_namers={"importbatch": batches, "indicatortarget": targets},
            value_namers={"indicatortarget.indicator": indicators},
            value_labels={
                "indicatortarget.kind": dict(IndicatorTarget.Kind.choices),
                "indicatortarget.warning": dict(IndicatorTarget.Warning.choices),
            },
        )
