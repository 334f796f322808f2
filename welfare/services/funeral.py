"""Cremations and funeral-reform publicity."""

from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import F

from civaffairs import audit
from civaffairs.idnumber import mask_id_number, parse_id_number
from civaffairs.models import Activity, Person, Region, Section
from civaffairs.services import end_cover_at_death

from ..access import check_staff
from ..labels import PER_SESSION, PUBLICITY_KINDS
from ..models import Cremation
from .common import id_card, money, not_in_future, person_name, raise_if, required


class CremationLookup:
    """What cremation_errors asks the database, read at once for many deceased (an import): the
    cremations already recorded and the registered persons' names, by ID number — a query per
    chunk of numbers, not two per row."""

    CHUNK = 900  # below SQLite's historical 999-parameter limit

    def __init__(self, numbers):
        self.numbers = sorted({n for n in numbers if n})
        self.cremated, self.persons = {}, {}
        for chunk in self._chunks():
            self.cremated.update(
                Cremation.objects.filter(id_number__in=chunk).values_list("id_number", "date")
            )
            self.persons.update(Person.objects.filter(id_number__in=chunk).values_list("id_number", "name"))

    def _chunks(self):
        for i in range(0, len(self.numbers), self.CHUNK):
            yield self.numbers[i : i + self.CHUNK]

    def lock_persons(self):
        """Read the registered persons again and lock them, in the writing transaction: a person
        registered since the check has their death recorded all the same (and a name that
        differs is refused at the write)."""
        self.persons = {}
        for chunk in self._chunks():
            found = Person.objects.select_for_update().filter(id_number__in=chunk)
            self.persons.update(found.values_list("id_number", "name"))

    def cremated_on(self, number):
        return self.cremated.get(number)

    def registered_name(self, number):
        return self.persons.get(number)


class _Database:
    """cremation_errors' questions asked of the database, one deceased at a time (forms)."""

    def cremated_on(self, number):
        return Cremation.objects.filter(id_number=number).values_list("date", flat=True).first()

    def registered_name(self, number):
        return Person.objects.filter(id_number=number).values_list("name", flat=True).first()


def cremation_errors(
    *, deceased_name, id_number, death_date, date, local, town, funds, village=None, known=None
):
    """Field errors and the normalized name, number and funds. known: a CremationLookup read for a
    whole import (else the database is asked for this one)."""
    known = known or _Database()
    errors = {}
    name = person_name(errors, "deceased_name", deceased_name, "逝者姓名")
    number = id_card(errors, "id_number", id_number, "逝者身份证号")
    if death_date is None:
        errors["death_date"] = "请填写死亡日期"
    if date is None:
        errors["date"] = "请填写火化日期"
    not_in_future(errors, "date", date, "火化日期")
    if death_date and date and date < death_date:
        errors["date"] = "火化日期不能早于死亡日期"
    if "id_number" not in errors and death_date is not None and death_date < parse_id_number(number)[1]:
        errors["death_date"] = "死亡日期早于身份证号中的出生日期"
    if "id_number" not in errors:
        earlier = known.cremated_on(number)
        if earlier:
            errors["id_number"] = (
                f"该逝者已于{earlier.year}年{earlier.month}月{earlier.day}日登记火化，不能重复登记"
            )
        registered = known.registered_name(number)
        if registered is not None and "deceased_name" not in errors and registered != name:
            # A registered person's death stops their benefits in every section: a number typed
            # wrong must not end someone else's cover. The registered name is not shown.
            errors["deceased_name"] = "逝者姓名与人员库中该身份证号登记的姓名不一致，请核对姓名和身份证号"
    if town is None or town.level != Region.Level.TOWN:
        errors["town"] = "请选择所属镇（户籍所在镇；非本区户籍的，选择死亡地所在镇）"
    elif village is not None and (village.level != Region.Level.VILLAGE or village.town_id != town.pk):
        errors["village"] = f"{village.name}不是{town.name}的村（居）委"
    funds = money(errors, "funds", funds, "统筹火化资金", blank=0)
    if funds and not local and "funds" not in errors:
        errors["funds"] = "统筹火化资金只用于云安区户籍居民"
    return errors, name, number, funds


@transaction.atomic
def record_cremation(
    *,
    actor,
    deceased_name,
    id_number,
    death_date,
    date,
    local,
    town=None,
    village=None,
    funds=0,
    funeral_home="云浮市殡仪馆",
    known=None,
):
    """A cremation. When the deceased is in the person registry, the cremation records the death:
    cover ends after the month of death in every program (the payments engine's death rule) and
    the caseworker sees the 核减 paperwork owed. known: the import's CremationLookup (its checks
    read for the whole file at once; only a registered person is then read again, to lock)."""
    check_staff(actor)
    errors, name, number, funds = cremation_errors(
        deceased_name=deceased_name,
        id_number=id_number,
        death_date=death_date,
        date=date,
        local=local,
        town=town,
        village=village,
        funds=funds,
        known=known,
    )
    required(errors, "funeral_home", funeral_home, "殡仪馆")
    raise_if(errors)
    person = None
    if known is None or known.registered_name(number) is not None:
        person = Person.objects.select_for_update().filter(id_number=number).first()
    try:
        with transaction.atomic():
            cremation = Cremation.objects.create(
                deceased_name=name,
                id_number=number,
                death_date=death_date,
                date=date,
                funeral_home=funeral_home.strip(),
                local=local,
                town=town,
                village=village,
                funds=funds,
                person=person,
                recorded_by=actor,
            )
    except IntegrityError:
        raise_if({"id_number": "该逝者已登记火化，不能重复登记"})
    audit.record(
        actor,
        "welfare.cremation.create",
        cremation,
        {
            "id_number": mask_id_number(number),
            "date": str(date),
            "local": local,
            "funds": str(funds),
            "registered_person": person is not None,
        },
    )
    if person is not None and person.death_date is None:
        Person.objects.filter(pk=person.pk).update(death_date=death_date, version=F("version") + 1)
        person.refresh_from_db()
        audit.record(
            actor, "person.death_recorded", person, {"death_date": str(death_date), "by": "火化登记"}
        )
        end_cover_at_death(actor=actor, person=person)
    return cremation


@transaction.atomic
def record_publicity(*, actor, kind, date, region=None, quantity=1, note=""):
    """One broadcast session or van tour (quantity 1), or printed material with its quantity."""
    check_staff(actor)
    errors = {}
    if kind not in PUBLICITY_KINDS:
        errors["kind"] = "请选择宣传方式"
    if date is None:
        errors["date"] = "请填写日期"
    not_in_future(errors, "date", date, "日期")
    if region is None:
        errors["region"] = "请选择宣传地点（镇或村）"
    quantity = Decimal(quantity or 0)
    if kind in PER_SESSION and quantity != 1:
        errors["quantity"] = "每场宣传登记一条记录，数量为1"
    elif quantity <= 0 or quantity != quantity.to_integral_value():
        errors["quantity"] = "数量须为正整数"
    raise_if(errors)
    label, unit = PUBLICITY_KINDS[kind]
    activity = Activity.objects.create(
        section=Section.WELFARE,
        kind=kind,
        quantity=quantity,
        unit=unit,
        date=date,
        region=region,
        note=note,
        recorded_by=actor,
    )
    audit.record(
        actor,
        "welfare.publicity.create",
        activity,
        object_repr=f"{label} {int(quantity)}{unit}",
        changes={
            "kind": label,
            "quantity": f"{int(quantity)}{unit}",
            "date": str(date),
            "place": region.full_name if region else "",
        },
    )
    return activity
