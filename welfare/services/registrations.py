"""婚姻登记 and 收养登记: one record per registration. The parties are not beneficiaries and are
not added to the person registry; their numbers are shown masked like every ID number."""

import re

from django.db import IntegrityError, transaction
from django.db.models import Q

from civaffairs import audit
from civaffairs.idnumber import mask_id_number, normalize
from civaffairs.models import Region

from ..access import check_staff
from ..models import AdoptionRegistration, IdType, MarriageRegistration
from .common import id_card, not_in_future, person_name, raise_if, required

# Passports and 港澳台 permits: letters and digits, 5 to 20 of them (ICAO 9303 allows up to 9 in
# the machine-readable zone; permits and older passports run longer).
_DOCUMENT_RE = re.compile(r"^[A-Z0-9]{5,20}$")
_CERT_RE = re.compile(r"^[A-Z0-9][A-Z0-9\-]{3,29}$")


def _party(errors, prefix, label, name, id_type, number, scope):
    name = person_name(errors, f"{prefix}_name", name, f"{label}姓名")
    if id_type not in IdType.values:
        errors[f"{prefix}_id_type"] = f"请选择{label}证件类型"
        return name, normalize(number)
    if scope == MarriageRegistration.Scope.DOMESTIC and id_type != IdType.ID_CARD:
        errors[f"{prefix}_id_type"] = f"国内登记的{label}须持居民身份证"
    if id_type == IdType.ID_CARD:
        return name, id_card(errors, f"{prefix}_id", number, f"{label}身份证号")
    number = normalize(number)
    if not _DOCUMENT_RE.match(number):
        errors[f"{prefix}_id"] = f"{label}证件号码无效：应为5至20位字母或数字"
    return name, number


CHUNK = 900  # below SQLite's historical 999-parameter limit


def _chunks(values):
    values = sorted(set(values))
    for i in range(0, len(values), CHUNK):
        yield values[i : i + CHUNK]


class MarriageLookup:
    """What marriage_errors asks the database, read at once for many registrations (an import):
    the certificate numbers already registered, and the marriages of the parties. A query per
    chunk of numbers, not two per row. The registrations of the file itself are added with
    `add`, so a divorce dated before a marriage the same file registers is refused too."""

    def __init__(self, certificates=(), parties=()):
        self.certificates = set()
        for chunk in _chunks(c for c in certificates if c):
            self.certificates.update(
                MarriageRegistration.objects.filter(certificate_no__in=chunk).values_list(
                    "certificate_no", flat=True
                )
            )
        self.marriages = {}  # frozenset of the two numbers → [dates of their marriages]
        for chunk in _chunks(p for p in parties if p):
            rows = MarriageRegistration.objects.filter(
                Q(party_a_id__in=chunk) | Q(party_b_id__in=chunk), kind=MarriageRegistration.Kind.MARRIAGE
            ).values_list("party_a_id", "party_b_id", "date")
            for a, b, date in set(rows):
                self.add(MarriageRegistration.Kind.MARRIAGE, a, b, date)

    def add(self, kind, party_a_id, party_b_id, date):
        if kind == MarriageRegistration.Kind.MARRIAGE and date is not None:
            dates = self.marriages.setdefault(frozenset((party_a_id, party_b_id)), [])
            if date not in dates:
                dates.append(date)

    def certificate_taken(self, cert):
        return cert in self.certificates

    def married_after(self, a_id, b_id, date):
        """The couple's first marriage after date, or None."""
        later = [d for d in self.marriages.get(frozenset((a_id, b_id)), []) if d > date]
        return min(later) if later else None


class _Database:
    """marriage_errors' questions asked of the database, one registration at a time (forms)."""

    def certificate_taken(self, cert):
        return MarriageRegistration.objects.filter(certificate_no=cert).exists()

    def married_after(self, a_id, b_id, date):
        couple = Q(party_a_id=a_id, party_b_id=b_id) | Q(party_a_id=b_id, party_b_id=a_id)
        married = (
            MarriageRegistration.objects.filter(
                couple, kind=MarriageRegistration.Kind.MARRIAGE, date__gt=date
            )
            .order_by("date")
            .first()
        )
        return married.date if married else None


def marriage_errors(
    *,
    date,
    kind,
    scope,
    party_a_name,
    party_a_id_type,
    party_a_id,
    party_b_name,
    party_b_id_type,
    party_b_id,
    certificate_no,
    town=None,
    known=None,
):
    """Field errors and the normalized values; nothing raised, so forms and imports list them all.
    known: a MarriageLookup read for a whole import (else the database is asked for this one)."""
    known = known or _Database()
    errors = {}
    if date is None:
        errors["date"] = "请填写登记日期"
    not_in_future(errors, "date", date, "登记日期")
    if kind not in MarriageRegistration.Kind.values:
        errors["kind"] = "请选择登记类别"
    if scope not in MarriageRegistration.Scope.values:
        errors["scope"] = "请选择登记类型"
    if town is None or town.level != Region.Level.TOWN:
        errors["town"] = "请选择户籍所在镇"
    a_name, a_id = _party(errors, "party_a", "男方", party_a_name, party_a_id_type, party_a_id, scope)
    b_name, b_id = _party(errors, "party_b", "女方", party_b_name, party_b_id_type, party_b_id, scope)
    if a_id and a_id == b_id and "party_b_id" not in errors:
        errors["party_b_id"] = "双方证件号码不能相同"
    cert = normalize(certificate_no)
    if required(errors, "certificate_no", cert, "证书编号") and not _CERT_RE.match(cert):
        errors["certificate_no"] = "证书编号只能由字母、数字和“-”组成（4至30位）"
    if cert and "certificate_no" not in errors and known.certificate_taken(cert):
        errors["certificate_no"] = f"证书编号{cert}已登记"
    if kind == MarriageRegistration.Kind.DIVORCE and date and not {"party_a_id", "party_b_id"} & set(errors):
        married = known.married_after(a_id, b_id, date)
        if married:
            errors["date"] = (
                f"离婚登记日期早于双方在系统中的结婚登记日期（{married.year}年{married.month}月{married.day}日）"
            )
    return errors, {
        "party_a_name": a_name,
        "party_a_id": a_id,
        "party_b_name": b_name,
        "party_b_id": b_id,
        "certificate_no": cert,
    }


@transaction.atomic
def register_marriage(
    *,
    actor,
    date,
    kind,
    scope,
    party_a_name,
    party_a_id,
    party_b_name,
    party_b_id,
    certificate_no,
    party_a_id_type=IdType.ID_CARD,
    party_b_id_type=IdType.ID_CARD,
    qualified=True,
    town=None,
    known=None,
):
    """known: the import's MarriageLookup (its checks read for the whole file at once)."""
    check_staff(actor)
    errors, clean = marriage_errors(
        date=date,
        kind=kind,
        scope=scope,
        party_a_name=party_a_name,
        party_a_id_type=party_a_id_type,
        party_a_id=party_a_id,
        party_b_name=party_b_name,
        party_b_id_type=party_b_id_type,
        party_b_id=party_b_id,
        certificate_no=certificate_no,
        town=town,
        known=known,
    )
    raise_if(errors)
    try:
        with transaction.atomic():
            registration = MarriageRegistration.objects.create(
                date=date,
                kind=kind,
                scope=scope,
                party_a_id_type=party_a_id_type,
                party_b_id_type=party_b_id_type,
                qualified=qualified,
                town=town,
                recorded_by=actor,
                **clean,
            )
    except IntegrityError:
        raise_if({"certificate_no": f"证书编号{clean['certificate_no']}已登记"})
    audit.record(
        actor,
        "welfare.marriage.create",
        registration,
        {
            "date": str(date),
            "kind": registration.get_kind_display(),
            "scope": registration.get_scope_display(),
            "party_a": f"{registration.party_a_name} {registration.party_a_masked}",
            "party_b": f"{registration.party_b_name} {registration.party_b_masked}",
            "qualified": qualified,
        },
    )
    return registration


@transaction.atomic
def register_adoption(
    *,
    actor,
    date,
    record_no,
    child_name,
    child_id,
    adopter_name,
    adopter_id,
    kind=AdoptionRegistration.Kind.ESTABLISH,
    co_adopter_name="",
    co_adopter_id="",
    town=None,
):
    check_staff(actor)
    errors = {}
    if date is None:
        errors["date"] = "请填写登记日期"
    not_in_future(errors, "date", date, "登记日期")
    if kind not in AdoptionRegistration.Kind.values:
        errors["kind"] = "请选择类别"
    record_no = normalize(record_no)
    if required(errors, "record_no", record_no, "登记编号") and not _CERT_RE.match(record_no):
        errors["record_no"] = "登记编号只能由字母、数字和“-”组成（4至30位）"
    elif AdoptionRegistration.objects.filter(record_no=record_no).exists():
        errors["record_no"] = f"登记编号{record_no}已登记"
    if town is None or town.level != Region.Level.TOWN:
        errors["town"] = "请选择收养人户籍所在镇"
    child_name = person_name(errors, "child_name", child_name, "被收养人姓名")
    child_id = id_card(errors, "child_id", child_id, "被收养人身份证号")
    adopter_name = person_name(errors, "adopter_name", adopter_name, "收养人姓名")
    adopter_id = id_card(errors, "adopter_id", adopter_id, "收养人身份证号")
    if (co_adopter_name or "").strip() or (co_adopter_id or "").strip():
        co_adopter_name = person_name(errors, "co_adopter_name", co_adopter_name, "共同收养人姓名")
        co_adopter_id = id_card(errors, "co_adopter_id", co_adopter_id, "共同收养人身份证号")
    raise_if(errors)
    registration = AdoptionRegistration.objects.create(
        kind=kind,
        date=date,
        record_no=record_no,
        child_name=child_name,
        child_id=child_id,
        adopter_name=adopter_name,
        adopter_id=adopter_id,
        co_adopter_name=(co_adopter_name or "").strip(),
        co_adopter_id=co_adopter_id or "",
        town=town,
        recorded_by=actor,
    )
    audit.record(
        actor,
        "welfare.adoption.create",
        registration,
        {
            "date": str(date),
            "kind": registration.get_kind_display(),
            "child": mask_id_number(child_id),
            "adopter": mask_id_number(adopter_id),
        },
    )
    return registration
