import pytest

from tests.factories import ProcedureTown


@pytest.fixture
def town(db):
    """石城镇 for the statutory procedure (tests.factories.ProcedureTown)."""
    return ProcedureTown()
