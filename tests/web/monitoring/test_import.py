"""Importing releases: one transaction, a bad file writes nothing, values are Decimal."""

from __future__ import annotations

from decimal import Decimal

import pytest

from policyledger.web.monitoring.models import ImportBatch, Indicator, IndicatorValue
from policyledger.web.monitoring.services import importing
from policyledger.web.monitoring.services.importing import ImportError_, import_release

HEAD = "地区,指标,年月,单位,本月,1—N月累计,本月同比%,累计同比%\n"


def series(region="甲市", name="汽车类", unit="亿元", months=24, start=2023, yoy_fix=None) -> str:
    """Monthly values whose 同比 agree exactly with the printed values (tenths as integers)."""
    lines = []
    previous = {}
    for i in range(months):
        year, month = start + i // 12, i % 12 + 1
        current = 1000 + 10 * i
        cumulative = sum(1000 + 10 * j for j in range(i - month + 1, i + 1))
        yoy = yoy_c = ""
        if (year - 1, month) in previous:
            pc, pk = previous[(year - 1, month)]
            yoy = _tenths((2000 * current + pc) // (2 * pc) - 1000)
            yoy_c = _tenths((2000 * cumulative + pk) // (2 * pk) - 1000)
        if yoy_fix and (year, month) == yoy_fix[0]:
            yoy = yoy_fix[1]
        previous[(year, month)] = (current, cumulative)
        lines.append(
            f"{region},{name},{year}-{month:02d},{unit},{_tenths(current)},{_tenths(cumulative)},{yoy},{yoy_c}"
        )
    return "\n".join(lines) + "\n"


def _tenths(v: int) -> str:
    return f"{'-' if v < 0 else ''}{abs(v) // 10}.{abs(v) % 10}"


@pytest.fixture(params=["one by one", "all at once"])
def history_reads(request, monkeypatch):
    """What the database holds for a series, read per series or (after 0 series) for all."""
    if request.param == "all at once":
        monkeypatch.setattr(importing._Registry, "BULK_AFTER", 0)
    return request.param


@pytest.mark.django_db
def test_import_writes_indicators_and_decimal_values(alice):
    data = (HEAD + series() + series(name="餐饮收入") + series(region="乙县", unit="万元")).encode()
    result = import_release(data, "release.csv", user=alice)
    assert result.values == 72 and result.new_indicators == 3
    car = Indicator.objects.get(region="甲市", name="汽车类")
    assert (car.unit, car.category, car.source) == ("亿元", "汽车", "stats")
    assert Indicator.objects.get(name="餐饮收入", region="甲市").category == "餐饮"
    value = car.values.get(month="2024-03-01")
    assert isinstance(value.current, Decimal) and value.current == Decimal("114.0")
    assert value.yoy_current is not None
    batch = ImportBatch.objects.get()
    assert batch.rows == 72 and str(batch.last_month) == "2024-12-01"


@pytest.mark.django_db
def test_bad_file_writes_nothing(alice):
    good = series(name="餐饮收入")
    bad = series(yoy_fix=((2024, 11), "99.9"))
    with pytest.raises(ImportError_) as info:
        import_release((HEAD + good + bad).encode(), "bad.csv", user=alice)
    assert "第48行“本月同比%”列：同比99.9%与数值不符" in info.value.message
    assert IndicatorValue.objects.count() == 0
    assert Indicator.objects.count() == 0 and ImportBatch.objects.count() == 0


@pytest.mark.django_db
def test_bad_file_after_several_written_chunks_rolls_back(alice, monkeypatch):
    # Chunks of 10 rows: the first four chunks are written before the bad row is read.
    original = importing.read_release_values
    monkeypatch.setattr(
        importing, "read_release_values", lambda *a, **k: original(*a, **{**k, "chunk_size": 10})
    )
    data = (
        HEAD
        + series(name="餐饮收入")
        + series(months=20).replace("2024-08,亿元,119.0", "2024-08,亿元,abc")
    )
    with pytest.raises(ImportError_):
        import_release(data.encode(), "bad.csv", user=alice)
    assert IndicatorValue.objects.count() == 0


@pytest.mark.django_db
def test_registered_unit_and_missing_month_checked_against_the_database(alice, history_reads):
    import_release((HEAD + series(months=12)).encode(), "2023.csv", user=alice)
    wide = "2024年3月 甲市\n指标,本月（万元）,1—3月累计（万元）\n汽车类,1,3\n"
    with pytest.raises(ImportError_) as info:
        import_release(wide.encode(), "m.csv", user=alice, region="甲市")
    assert info.value.problems[0].column == "本月(万元)"
    assert "登记的单位“亿元”" in info.value.message
    wide = wide.replace("万元", "亿元")
    with pytest.raises(ImportError_) as info:
        import_release(wide.encode(), "m.csv", user=alice, region="甲市")
    assert "缺少2024年1月至2024年2月的数据（已有至2023年12月）" in info.value.message
    assert IndicatorValue.objects.count() == 12


@pytest.mark.django_db
def test_next_month_checked_against_last_year_in_the_database_and_reimport_replaces(
    alice, history_reads
):
    import_release((HEAD + series(months=12)).encode(), "2023.csv", user=alice)
    # January 2023 was 100.0 (亿元); 110.0 is +10.0%.
    wide = "2024年1月 甲市\n指标,本月（亿元）,同比增长%,1—1月累计（亿元）,同比增长%\n汽车类,110.0,12.0,110.0,10.0\n"
    with pytest.raises(ImportError_) as info:
        import_release(wide.encode(), "m.csv", user=alice, region="甲市")
    assert "第3行“本月同比增长%”列" not in info.value.message  # the label as printed:
    assert info.value.problems[0].column == "同比增长%"
    fixed = wide.replace("110.0,12.0", "110.0,10.0")
    import_release(fixed.encode(), "m.csv", user=alice, region="甲市")
    import_release(fixed.encode(), "m.csv", user=alice, region="甲市")
    assert IndicatorValue.objects.count() == 13
    assert IndicatorValue.objects.get(month="2024-01-01").cumulative == Decimal("110.0")


@pytest.mark.django_db
def test_cli_import_with_progress(tmp_path):
    from click.testing import CliRunner

    from policyledger.cli import main

    path = tmp_path / "r.csv"
    path.write_text(HEAD + series(), encoding="utf-8")
    result = CliRunner().invoke(main, ["monitoring", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "已导入24条数值" in result.output and IndicatorValue.objects.count() == 24
    path.write_text(HEAD + series(region="乙县", yoy_fix=((2024, 2), "50.0")), encoding="utf-8")
    result = CliRunner().invoke(main, ["monitoring", "import", str(path)])
    assert result.exit_code == 1 and "第15行“本月同比%”列" in result.output
    assert IndicatorValue.objects.count() == 24


@pytest.mark.django_db
def test_reimport_over_existing_values_upserts_and_delete_cascades(alice, history_reads):
    import_release((HEAD + series(months=12)).encode(), "a.csv", user=alice)
    revised = series(months=12).replace("2023-05,亿元,104.0", "2023-05,亿元,104.1")
    import_release((HEAD + revised).encode(), "b.csv", user=alice)
    assert IndicatorValue.objects.count() == 12
    assert IndicatorValue.objects.get(month="2023-05-01").current == Decimal("104.1")
    # The values have no database-level foreign key: Django's cascade removes them.
    Indicator.objects.get().delete()
    assert IndicatorValue.objects.count() == 0


@pytest.mark.django_db
def test_base_from_the_database_keeps_the_rounding_of_its_series(alice, history_reads):
    # January 2023 printed 10.0; the database gives it back as 10.0000. 11.0 against 10.0 allows
    # 8.96% to 11.06% once both are rounded, so a printed 11.0% is consistent.
    lines = [f"甲市,小类,2023-{m:02d},亿元,10.0,{10 * m}.0,," for m in range(1, 13)]
    import_release((HEAD + "\n".join(lines) + "\n").encode(), "2023.csv", user=alice)
    january = "2024年1月\n指标,本月（亿元）,同比增长%\n小类,11.0,11.0\n"
    import_release(january.encode(), "m.csv", user=alice, region="甲市")
    assert IndicatorValue.objects.count() == 13


@pytest.mark.django_db
def test_next_month_for_many_series_reads_the_history_at_once_with_the_same_verdicts(
    alice, monkeypatch
):
    names = [f"商品{i:02d}类" for i in range(8)]
    import_release(
        (HEAD + "".join(series(name=n, months=13) for n in names)).encode(), "a.csv", user=alice
    )
    nxt = {n: series(name=n, months=14).splitlines()[-1] for n in names}  # 2024-02
    nxt[names[2]] = nxt[names[2]].replace("2024-02", "2024-04")  # a gap against the database
    fields = nxt[names[5]].split(",")
    fields[6] = "99.9"  # 本月同比 against February 2023 in the database
    nxt[names[5]] = ",".join(fields)
    data = (HEAD + "\n".join(nxt.values()) + "\n").encode()
    outcomes = []
    for bulk_after in (100, 3):
        monkeypatch.setattr(importing._Registry, "BULK_AFTER", bulk_after)
        queries = []
        monkeypatch.setattr(importing._Registry, "_load_all", _spy(queries))
        with pytest.raises(ImportError_) as info:
            import_release(data, "b.csv", user=alice)
        outcomes.append(info.value.message)
        assert bool(queries) == (bulk_after == 3)
    assert outcomes[0] == outcomes[1]
    assert "缺少2024年2月至2024年3月的数据（已有至2024年1月）" in outcomes[0]
    assert "同比99.9%与数值不符" in outcomes[0]
    good = (HEAD + "\n".join(series(name=n, months=14).splitlines()[-1] for n in names)).encode()
    import_release(good, "c.csv", user=alice)
    assert IndicatorValue.objects.count() == 8 * 14


_load_all = importing._Registry._load_all


def _spy(calls: list):
    def load_all(self, period):
        calls.append(period)
        return _load_all(self, period)

    return load_all
