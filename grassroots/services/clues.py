"""扫黑除恶: clue forms returned by villages (confidential) and publicity materials handed out."""

from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from civaffairs import audit
from civaffairs.models import Activity, Region, Section
from civaffairs.validators import past_date_errors, refuse_future_dates

from ..access import can_read_clues, require_chief, require_staff
from ..labels import ANTIGANG_PUBLICITY
from ..models import ClueForm

# The most copies one record may state (the column holds 14 digits; no hand-out is near this).
MAX_QUANTITY = Decimal("100000000")


# Follow-up moves of a clue, declared once.
CLUE_MOVES = {
    ClueForm.Status.RECEIVED: {ClueForm.Status.VERIFYING, ClueForm.Status.CLOSED},
    ClueForm.Status.VERIFYING: {ClueForm.Status.TRANSFERRED, ClueForm.Status.CLOSED},
    ClueForm.Status.TRANSFERRED: {ClueForm.Status.CLOSED},
    ClueForm.Status.CLOSED: set(),
}


@transaction.atomic
def record_clue(*, actor, village, received_on, summary):
    """Intake by section staff. What they type goes in; only the chief and the director read it."""
    require_staff(actor)
    errors = {}
    if village is None or village.level != Region.Level.VILLAGE:
        errors["village"] = "请选择村（居）委"
    if received_on is None:
        errors["received_on"] = "请填写收回日期"
    if not (summary or "").strip():
        errors["summary"] = "请填写线索摘要（无线索的请填写“无”）"
    past_date_errors(errors, received_on=(received_on, "收回日期"))
    if errors:
        raise ValidationError(errors)
    clue = ClueForm.objects.create(
        village=village,
        town_id=village.town_id,
        received_on=received_on,
        summary=summary.strip(),
        recorded_by=actor,
    )
    # The audit log is read by auditors, who may not read clues: no content in it.
    audit.record(actor, "clue.record", clue, {"village": village.pk, "received_on": str(received_on)})
    return clue


@transaction.atomic
def open_clue(*, actor, clue):
    """Reading a clue's contents: the chief and the director only, and every opening audited."""
    if not can_read_clues(actor):
        raise PermissionDenied("线索内容保密，只有基层政权和社区建设股股长和局长可以查看。")
    audit.record(actor, "clue.open", clue, {})
    return clue


@transaction.atomic
def set_clue_status(*, actor, clue, status):
    require_chief(actor)
    clue = ClueForm.objects.select_for_update().get(pk=clue.pk)
    if status not in CLUE_MOVES[ClueForm.Status(clue.status)]:
        raise ValidationError(
            f"线索当前状态为“{clue.get_status_display()}”，不能改为“{ClueForm.Status(status).label}”。"
        )
    old = clue.status
    clue.status = status
    clue.save(update_fields=["status"])
    audit.record(actor, "clue.status", clue, {"status": [old, status]})
    return clue


@transaction.atomic
def record_publicity(*, actor, quantity, date, region=None, note=""):
    """宣传资料 handed out (份), where: a town or a village; none for district-wide."""
    require_staff(actor)
    try:
        quantity = Decimal(quantity)
        if not quantity.is_finite() or quantity <= 0 or quantity != quantity.to_integral_value():
            raise InvalidOperation
    except (InvalidOperation, TypeError):
        raise ValidationError({"quantity": "份数须为正整数"}) from None
    if quantity > MAX_QUANTITY:
        raise ValidationError({"quantity": f"份数过大，不能超过{MAX_QUANTITY:,}"})
    if date is None:
        raise ValidationError({"date": "请填写日期"})
    refuse_future_dates(date=(date, "日期"))
    activity = Activity.objects.create(
        section=Section.GRASSROOTS,
        kind=ANTIGANG_PUBLICITY,
        quantity=quantity,
        unit="份",
        date=date,
        region=region,
        note=note,
        recorded_by=actor,
    )
    audit.record(actor, "publicity.record", activity, {"quantity": str(quantity), "date": str(date)})
    return activity
