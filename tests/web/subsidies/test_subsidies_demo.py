"""The demo loader: three programmes, applications in every state, a 公示, a clean audit."""

from __future__ import annotations

from django.test import Client

from policyledger.web.subsidies import demo
from policyledger.web.subsidies.models import Application, Notice, Programme
from policyledger.web.subsidies.services.audit import audit


def test_demo_seeds_once_with_every_state(db, alice):
    from policyledger.web.vouchers import demo as vouchers_demo

    vouchers_demo.seed(quantity_scale=0.001, stdout=lambda line: None)
    lines = []
    programmes = demo.seed(stdout=lines.append)
    assert [p.name for p in programmes] == [demo.APPLIANCES, demo.EVENTS, demo.TRANSFER]
    states = set(Application.objects.values_list("status", flat=True))
    expected = {
        "entitled",
        "submitted",
        "manual",
        "returned",
        "rejected",
        "approved",
        "notice",
        "paid",
    }
    assert expected <= states, expected - states
    transfer = Programme.objects.get(name=demo.TRANSFER)
    gov = transfer.applications.get()
    assert (
        gov.region == "连云港市" and gov.amount_fen > 0 and gov.inputs["region_level"] == "省辖市"
    )
    assert audit() == []
    notice = Notice.objects.order_by("-id").first()
    assert Client().get(f"/subsidies/notices/{notice.pk}/").status_code == 200
    assert any(demo.PASSWORD in line for line in lines)
    demo.seed(stdout=lines.append)
    assert Programme.objects.count() == 3
