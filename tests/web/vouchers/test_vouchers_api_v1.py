"""The vouchers' JSON endpoints under /api/v1/vouchers/: the REST API's error shape; the old
/vouchers/api/ URLs answer as before; both fast claim entries recognise both paths."""

import datetime as dt

import pytest
from django.utils import timezone

from policyledger.web.vouchers import claim_asgi, claim_wsgi
from policyledger.web.vouchers.api import resident_token


@pytest.fixture
def campaign(make_campaign):
    return make_campaign(batches=((50, 200, 2, 1),), start=timezone.now() - dt.timedelta(hours=1))


def _claim(client, url, key, **extra):
    return client.post(url, {}, content_type="application/json", HTTP_IDEMPOTENCY_KEY=key, **extra)


def test_v1_claim_answers_in_the_api_error_shape(client, alice, campaign):
    auth = {"HTTP_AUTHORIZATION": f"Bearer {resident_token(alice)}"}
    url = f"/api/v1/vouchers/campaigns/{campaign.pk}/claim"
    anonymous = _claim(client, url, "a")
    assert anonymous.status_code == 401
    assert anonymous.json() == {"detail": "请先登录", "code": "unauthenticated"}
    first = _claim(client, url, "k1", **auth)
    assert first.status_code == 201 and first.json()["code"]
    refused = _claim(client, url, "k2", **auth)
    assert refused.status_code == 422
    assert refused.json() == {"detail": "已达到每人限领数量", "code": "limit_reached"}
    missing = _claim(client, "/api/v1/vouchers/campaigns/999999/claim", "k3", **auth)
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
    mine = client.get("/api/v1/vouchers/mine", **auth).json()
    assert [v["code"] for v in mine["vouchers"]] == [first.json()["code"]]
    public = client.get(f"/api/v1/vouchers/campaigns/{campaign.pk}").json()
    assert public["id"] == campaign.pk


def test_old_urls_keep_their_error_shape(client, alice, campaign):
    auth = {"HTTP_AUTHORIZATION": f"Bearer {resident_token(alice)}"}
    url = f"/vouchers/api/campaigns/{campaign.pk}/claim"
    assert _claim(client, url, "k1", **auth).status_code == 201
    refused = _claim(client, url, "k2", **auth)
    assert refused.json() == {"error": "limit_reached", "message": "已达到每人限领数量"}


@pytest.mark.parametrize(
    "path", ["/api/v1/vouchers/campaigns/7/claim", "/vouchers/api/campaigns/7/claim"]
)
def test_both_claim_paths_take_the_fast_entries(path):
    environ = {"REQUEST_METHOD": "POST", "HTTP_AUTHORIZATION": "Bearer x", "PATH_INFO": path}
    assert claim_wsgi.is_token_claim(environ)
    assert claim_asgi.CLAIM_PATH.match(path).group(1) == "7"
    assert not claim_asgi.CLAIM_PATH.match(path + "/extra")
