import pytest

from civaffairs import roles
from civaffairs.models import Section
from tests.factories import make_user, village


@pytest.fixture
def gr_program(db):
    from grassroots.programs import SUPERVISOR, ensure_programs

    ensure_programs()
    from civaffairs.models import Program

    return Program.objects.get(code=SUPERVISOR)


@pytest.fixture
def gr_staff(db, gr_program):
    return make_user(roles.CASEWORKER, section=Section.GRASSROOTS, username="jiceng_test")


@pytest.fixture
def gr_chief(db):
    return make_user(roles.CHIEF, section=Section.GRASSROOTS, username="chief_gr_test")


@pytest.fixture
def committee(db):
    return village("石城镇", name="上洞村")


@pytest.fixture
def other_committee(db):
    return village("六都镇", name="大河村")
