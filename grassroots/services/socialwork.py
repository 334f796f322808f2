"""社工站 (双百社工) and the social workers recruited for them."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from civaffairs import audit
from civaffairs.models import Region
from civaffairs.validators import past_date_errors, refuse_future_dates, validate_person_name

from ..access import require_staff
from ..models import SocialWorker, SocialWorkStation


@transaction.atomic
def create_station(*, actor, name, town, established_on, address=""):
    require_staff(actor)
    errors = {}
    if not (name or "").strip():
        errors["name"] = "请填写社工站名称"
    if town is None or town.level != Region.Level.TOWN:
        errors["town"] = "请选择所属镇"
    if established_on is None:
        errors["established_on"] = "请填写建站日期"
    past_date_errors(errors, established_on=(established_on, "建站日期"))
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            station = SocialWorkStation.objects.create(
                name=name.strip(), town=town, address=address, established_on=established_on
            )
    except IntegrityError:
        raise ValidationError({"name": "已有同名社工站"}) from None
    audit.record(actor, "station.create", station, audit.snapshot(station))
    return station


@transaction.atomic
def open_station(*, actor, station, opened_on):
    """筹建 → 运营."""
    require_staff(actor)
    station = SocialWorkStation.objects.select_for_update().get(pk=station.pk)
    if station.status != SocialWorkStation.Status.PREPARING:
        raise ValidationError("该社工站已在运营。")
    if opened_on is None or opened_on < station.established_on:
        raise ValidationError({"opened_on": "投入运营日期不能早于建站日期"})
    refuse_future_dates(opened_on=(opened_on, "投入运营日期"))
    station.status, station.opened_on = SocialWorkStation.Status.OPERATING, opened_on
    station.save(update_fields=["status", "opened_on"])
    audit.record(
        actor, "station.open", station, {"status": ["preparing", "operating"], "opened_on": str(opened_on)}
    )
    return station


@transaction.atomic
def recruit_worker(*, actor, station, name, hired_on, starts_on=None, phone=""):
    require_staff(actor)
    errors = {}
    try:
        validate_person_name(name)
    except ValidationError as exc:
        errors["name"] = exc.messages[0]
    if station is None:
        errors["station"] = "请选择所属社工站"
    if hired_on is None:
        errors["hired_on"] = "请填写招聘日期"
    elif starts_on is not None and starts_on < hired_on:
        errors["starts_on"] = "上岗日期早于招聘日期"
    # Hired is past; starting may be ahead (the seed's workers, recruited in June, start in July).
    past_date_errors(errors, hired_on=(hired_on, "招聘日期"))
    if errors:
        raise ValidationError(errors)
    worker = SocialWorker.objects.create(
        station=station, name=name.strip(), hired_on=hired_on, starts_on=starts_on, phone=phone
    )
    audit.record(
        actor, "social_worker.recruit", worker, audit.snapshot(worker, ["station", "hired_on", "starts_on"])
    )
    return worker
