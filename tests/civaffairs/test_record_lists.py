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
