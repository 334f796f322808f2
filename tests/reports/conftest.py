import pytest

from civaffairs.models import Section


@pytest.fixture
def welfare_chief(db):
    from civaffairs.roles import CHIEF
    from tests.factories import make_user

    return make_user(CHIEF, section=Section.WELFARE, username="chief_welfare")


@pytest.fixture
def summary(director):
    from reports import services

    return services.create_summary(actor=director, period="2019H1")


def section_titled(summary, heading):
    return summary.sections.get(heading=heading)
