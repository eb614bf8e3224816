import datetime as dt
import hashlib

import pytest

from policyledger.web.vouchers.models import Campaign, LotteryEntry, Voucher
from policyledger.web.vouchers.services import lottery
from policyledger.web.vouchers.services.audit import audit
from policyledger.web.vouchers.services.claims import claim
from policyledger.web.vouchers.services.errors import LotteryError, NotOpen


def test_shuffle_is_deterministic_and_depends_on_the_seed():
    ids = [5, 3, 9, 1, 7, 2]
    a = lottery.shuffle("seed-1", ids)
    assert a == lottery.shuffle("seed-1", list(reversed(ids)))
    assert sorted(a) == sorted(ids)
    assert a != lottery.shuffle("seed-2", ids)


def test_shuffle_follows_the_documented_recipe():
    # Re-implemented from the module docstring, independently of the code under test.
    seed, ids = "abc", [10, 20, 30, 40]
    order = sorted(ids)
    for i in range(len(order) - 1, 0, -1):
        j = int(hashlib.sha256(f"{seed}:{i}".encode()).hexdigest(), 16) % (i + 1)
        order[i], order[j] = order[j], order[i]
    assert lottery.shuffle(seed, ids) == order


def test_allocate_respects_stock_and_person_limit():
    won = lottery.allocate([4, 2, 9, 1], [(1, 2), (2, 3)], per_person=1)
    assert won == {4: [1], 2: [1], 9: [2], 1: [2]}
    won = lottery.allocate([4, 2, 9], [(1, 1), (2, 5)], per_person=2)
    assert won == {4: [1, 2], 2: [2], 9: [2]}


def test_register_draw_and_reveal(make_campaign, make_user, now):
    c = make_campaign(
        batches=((50, 200, 3, 1),), mode=Campaign.Mode.LOTTERY, status=Campaign.Status.REGISTRATION
    )
    # Commit-reveal: only the commitment is stored; the seed is not in the database at all.
    assert c.seed == "" and len(c.seed_hash) == 64 and c.seed_salt
    assert c.public_seed() == ""  # secret until the draw
    users = [make_user(f"r{i}") for i in range(8)]
    for u in users:
        lottery.register(u, c, now=now, ip="10.1.1.1")
    again = lottery.register(users[0], c, now=now)
    assert LotteryEntry.objects.filter(campaign=c).count() == 8 and again.user == users[0]
    with pytest.raises(NotOpen):
        claim(users[0], c, idempotency_key="k", now=now)  # no first-come in a lottery
    with pytest.raises(LotteryError, match="尚未截止"):
        lottery.draw(c, now=now)
    late = now + dt.timedelta(days=2)
    with pytest.raises(LotteryError):
        lottery.register(make_user("late"), c, now=late)
    won = lottery.draw(c, now=late)
    c.refresh_from_db()
    assert c.seed_revealed and c.public_seed() == c.seed and c.status == Campaign.Status.OPEN
    assert hashlib.sha256(c.seed.encode()).hexdigest() == c.seed_hash
    assert (
        c.entrants_hash
        == hashlib.sha256(
            "".join(f"{i}\n" for i in sorted(lottery.entrant_ids(c))).encode()
        ).hexdigest()
    )
    final = hashlib.sha256((c.seed + c.public_value).encode()).hexdigest()
    expected = lottery.shuffle(final, lottery.entrant_ids(c))[:3]
    assert sorted(won) == sorted(expected)
    winners = set(
        LotteryEntry.objects.filter(campaign=c, won=True).values_list("user_id", flat=True)
    )
    owners = set(
        Voucher.objects.filter(campaign=c, state="claimed").values_list("owner_id", flat=True)
    )
    assert winners == owners and len(owners) == 3
    assert list(
        LotteryEntry.objects.filter(campaign=c).order_by("rank").values_list("id", flat=True)
    ) == lottery.shuffle(final, lottery.entrant_ids(c))
    with pytest.raises(LotteryError, match="已经摇过号"):
        lottery.draw(c, now=late)
    assert audit(c) == []
