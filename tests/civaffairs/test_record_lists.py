import pytest

from civaffairs import figures


def test_record_list_registry_runs_the_registered_function_and_refuses_clashes():
    @figures.record_list("test.places", "测试地点")
    def places(period, region):
        return [f"{period}-甲", "乙"]

    try:
        assert figures.compute_records("test.places", "2019H1") == ["2019H1-甲", "乙"]
        assert figures.record_specs()["test.places"].label == "测试地点"
        with pytest.raises(ValueError, match="clashes"):
            figures.record_list("villages.committees", "x")(places)
    finally:
        figures._RECORD_LISTS.pop("test.places")


def test_compute_months_uses_a_series_where_registered_and_the_figure_month_by_month_elsewhere():
    from civaffairs.periods import Period

    calls = []

    @figures.figure(("test.count", figures.COUNT, "测试数"), ("test.other", figures.COUNT, "测试数二"))
    def counts(period, region):
        calls.append(period.label)
        return {"test.count": period.start.month, "test.other": 10 * period.start.month}

    @figures.monthly("test.count")
    def count_series(period, region):
        calls.append("series")
        return {"test.count": [m.month for m in period.months()]}

    try:
        q2 = Period.parse("2019Q2")
        assert figures.compute_months(q2, keys=["test.count"]) == [{"test.count": m} for m in (4, 5, 6)]
        assert calls == ["series"]
        rows = figures.compute_months(q2, keys=["test.count", "test.other"])
        assert rows == [{"test.count": m, "test.other": 10 * m} for m in (4, 5, 6)]
        with pytest.raises(ValueError, match="unregistered"):
            figures.monthly("test.nothing")(count_series)
    finally:
        for key in ("test.count", "test.other"):
            figures._REGISTRY.pop(key, None)
            figures._SERIES.pop(key, None)
