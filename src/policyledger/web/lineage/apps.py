from django.apps import AppConfig


class LineageConfig(AppConfig):
    name = "policyledger.web.lineage"
    label = "lineage"
    verbose_name = "政策对标"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The hook on the documents app's import: documents never imports lineage.
        from policyledger.web.lineage import signals

        signals.connect()

        # The system-wide audit log reads lineage's rows through core's label registry.
        from policyledger.web.core import audit
        from policyledger.web.documents.models import Measure
        from policyledger.web.lineage.models import MeasureLink

        def measures(ids: set[str]) -> dict[str, str]:
            rows = Measure.objects.filter(pk__in=[int(i) for i in ids]).values_list(
                "pk", "number", "heading", "document__short_title", "document__title"
            )
            return {str(pk): f"《{s or t}》{n}{h}".strip() for pk, n, h, s, t in rows}

        def links(ids: set[str]) -> dict[str, str]:
            rows = MeasureLink.objects.filter(pk__in=[int(i) for i in ids]).values_list(
                "pk", "child__number", "child__heading", "parent__number", "parent__heading"
            )
            return {str(pk): f"{cn}{ch} 承接 {pn}{ph}" for pk, cn, ch, pn, ph in rows}

        Status = MeasureLink.Status
        audit.register(
            actions={f"lineage.{value}": f"承接关系{label}" for value, label in Status.choices},
            object_types={"measurelink": "措施承接关系"},
            fields={"measurelink.child": "下级措施", "measurelink.parent": "上级措施"},
            object_namers={"measurelink": links},
            value_namers={"measurelink.child": measures, "measurelink.parent": measures},
            value_labels={"measurelink.status": dict(Status.choices)},
        )
