"""Welfare worlds, built through welfare's services as the section's staff and chief click them."""

import datetime
from decimal import Decimal

import pytest

from civaffairs.idnumber import make_id_number
from civaffairs.models import Institution, Section
from civaffairs.roles import CASEWORKER, CHIEF
from tests.factories import make_user, town
from welfare import services
from welfare.models import Inspection, MarriageRegistration

D = datetime.date


class WelfareWorld:
    def __init__(self):
        self.staff = make_user(
            CASEWORKER, section=Section.WELFARE, username="fuli", first_name="静", last_name="何"
        )
        self.chief = make_user(
            CHIEF, section=Section.WELFARE, username="chief_welfare", first_name="洋", last_name="刘"
        )
        self.shicheng = town("石城镇")
        self.liudu = town("六都镇")
        self.n = 0

    def id(self, year=1990, sex="M", address="445303"):
        self.n += 1
        return make_id_number(address, D(year, 1, 1 + self.n % 28), self.n * 2 + (1 if sex == "M" else 0))

    def home(self, name="石城镇敬老院", place=None, kind=Institution.Kind.NURSING_HOME):
        return services.save_institution(
            actor=self.staff, name=name, kind=kind, region=place or self.shicheng, capacity=40, beds=30
        )

    def inspect(self, home, on, hazards=(), kind=Inspection.Kind.LOOKBACK):
        return services.record_inspection(
            actor=self.staff,
            institution=home,
            date=on,
            kind=kind,
            inspectors="刘洋、何静",
            hazards=[{"description": d, "owner": "院长", "deadline": due} for d, due in hazards],
        )

    def marriage(self, on, kind=MarriageRegistration.Kind.MARRIAGE, scope="domestic", a=None, b=None, **kw):
        self.n += 1
        return services.register_marriage(
            actor=self.staff,
            date=on,
            kind=kind,
            scope=scope,
            party_a_name="陈大文",
            party_a_id=a or self.id(1990, "M"),
            party_b_name="李小红",
            party_b_id=b or self.id(1992, "F"),
            certificate_no=f"J445303-2019-{self.n:06d}",
            **{"town": self.shicheng, **kw},
        )

    def cremation(self, on, local=True, funds="1400", place=None, id_number=None):
        return services.record_cremation(
            actor=self.staff,
            deceased_name="梁老伯",
            id_number=id_number or self.id(1935),
            death_date=on - datetime.timedelta(days=1),
            date=on,
            local=local,
            town=place or self.shicheng,
            funds=Decimal(funds) if local else 0,
        )


@pytest.fixture
def ww(db):
    return WelfareWorld()
