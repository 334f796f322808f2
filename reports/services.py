"""State changes of summary documents: one function each, one transaction, permission-checked,
audited. Views, the command and the demo call these."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from civaffairs import audit
from civaffairs.periods import InvalidPeriod, Period
from civaffairs.selectors import user_section

from . import document
from .models import SectionVersion, Summary, SummarySection, closing_name_for


class ConflictError(Exception):
    """Someone else saved the same section since this user opened it. Carries their text."""

    def __init__(self, message, *, current=None):
        super().__init__(message)
        self.current = current


# --- who may do what -------------------------------------------------------------------------


def can_view(user):
    return user.is_authenticated and user.has_perm("reports.view_summary")


def can_edit_section(user, section):
    """The director edits any section; a section chief the sections their section owns."""
    if not user.has_perm("reports.edit_summary"):
        return False
    if user.has_perm("reports.finalize_summary"):
        return True
    own = user_section(user)
    return bool(own) and section.owner == own


def _require(user, perm, message):
    if not user.has_perm(perm):
        raise PermissionDenied(message)


def _require_draft(summary):
    if summary.is_final:
        raise ValidationError("工作总结已定稿，不能修改；如需修改请局长先重新打开")


# A heading, the intro or a section's text: the whole 2019H1 template is 7,280 characters.
TEXT_MAX_CHARS = 20000


def _check_texts(*texts):
    longest = max((len(t or "") for t in texts), default=0)
    if longest > TEXT_MAX_CHARS:
        raise ValidationError(f"文字过长：标题、导语或章节正文不能超过{TEXT_MAX_CHARS}字（现为{longest}字）")
    errors = document.key_problems(texts)
    if errors:
        raise ValidationError(errors)


def _section_audit(section):
    return {"heading": section.heading, "body": section.body, "owner": section.owner}


# --- creating --------------------------------------------------------------------------------


@transaction.atomic
def create_summary(*, actor, period, region=None, template=None):
    """A new draft for the period (and town), its sections copied from the template (the shipped
    one unless given). Template keys not registered are kept and shown as unresolved, so that a
    template naming figures of an app not installed still loads."""
    _require(actor, "reports.add_summary", "只有局长可以新建工作总结")
    try:
        label = Period.parse(period).label
    except InvalidPeriod as exc:
        raise ValidationError({"period": str(exc)}) from None
    if Summary.objects.filter(period=label, region=region).exists():
        raise ValidationError({"period": f"{label}{region.name if region else '全区'}的工作总结已存在"})
    doc = template or document.load_template()
    summary = Summary.objects.create(
        period=label,
        region=region,
        title=doc.title,
        intro=doc.intro,
        closing_name=closing_name_for(region),
        created_by=actor,
    )

    def copy(nodes, parent):
        for position, node in enumerate(nodes):
            section = SummarySection.objects.create(
                summary=summary,
                parent=parent,
                position=position,
                heading=node.heading,
                body=node.body,
                owner=node.owner,
                updated_by=actor,
            )
            SectionVersion.objects.create(
                section=section,
                number=1,
                heading=node.heading,
                body=node.body,
                saved_by=actor,
                note="由模板创建",
            )
            copy(node.children, section)

    copy(doc.sections, None)
    _add_previous_plan(actor, summary)
    audit.record(actor, "summary.create", summary, {"period": label, "region": str(region or "全区")})
    return summary


def _add_previous_plan(actor, summary):
    """When the previous period promised something, the new summary reports on it: a section at
    the end of the first part, its text the record list of those plan items and their status."""
    from .comparison import compare_periods
    from .models import PlanItem

    previous, _ = compare_periods(Period.parse(summary.period))
    first = summary.sections.filter(parent=None).order_by("position", "id").first()
    if first is None or not PlanItem.objects.filter(period=previous.label).exists():
        return
    position = first.children.count()
    section = SummarySection.objects.create(
        summary=summary,
        parent=first,
        position=position,
        heading="上期工作计划落实情况。",
        body="{period.half}，上期工作计划各事项落实情况如下：{plan.previous}。",
        updated_by=actor,
    )
    SectionVersion.objects.create(
        section=section, number=1, heading=section.heading, body=section.body, saved_by=actor
    )


# --- editing ---------------------------------------------------------------------------------


@transaction.atomic
def save_section(*, actor, section, heading, body, expected_version, note=""):
    """Save a section's heading and text as a new version. If someone saved it since the editor
    opened it (expected_version is stale), nothing is written and ConflictError carries what they
    saved, so the editor can merge and nothing of either is lost."""
    section = SummarySection.objects.select_for_update().select_related("summary").get(pk=section.pk)
    if not can_edit_section(actor, section):
        raise PermissionDenied("只能编辑本股室负责的章节")
    _require_draft(section.summary)
    heading, body = (heading or "").strip(), (body or "").strip()
    if not heading:
        raise ValidationError({"heading": "标题不能为空"})
    _check_texts(heading, body)
    if section.version != expected_version:
        raise ConflictError(
            f"该章节已被{_name(section.updated_by)}于{timezone.localtime(section.updated_at):%H:%M}修改"
            "（第{0}版）。您的修改尚未保存，已保留在编辑框中；请对照对方的版本合并后再保存。".format(
                section.version
            ),
            current=section,
        )
    before = _section_audit(section)
    section.heading, section.body = heading, body
    section.version += 1
    section.updated_by = actor
    section.save()
    SectionVersion.objects.create(
        section=section, number=section.version, heading=heading, body=body, saved_by=actor, note=note
    )
    audit.record(actor, "summary.section_save", section, audit.diff(before, _section_audit(section)))
    return section


def _name(user):
    if user is None:
        return "他人"
    return f"{user.last_name}{user.first_name}" or user.username


def restore_version(*, actor, section, version, expected_version):
    """Restore an old version: saved again as the newest, so the restore itself can be undone."""
    if version.section_id != section.pk:
        raise ValidationError("版本不属于该章节")
    return save_section(
        actor=actor,
        section=section,
        heading=version.heading,
        body=version.body,
        expected_version=expected_version,
        note=f"恢复第{version.number}版",
    )


@transaction.atomic
def save_head(*, actor, summary, title, intro, expected_version):
    summary = Summary.objects.select_for_update().get(pk=summary.pk)
    _require(actor, "reports.finalize_summary", "只有局长可以修改标题和导语")
    _require_draft(summary)
    if not (title or "").strip():
        raise ValidationError({"title": "标题不能为空"})
    _check_texts(title, intro)
    if summary.version != expected_version:
        raise ConflictError("标题或导语已被他人修改，请刷新后重试。", current=summary)
    before = {"title": summary.title, "intro": summary.intro}
    summary.title, summary.intro = title.strip(), (intro or "").strip()
    summary.version += 1
    summary.save(update_fields=["title", "intro", "version"])
    audit.record(
        actor, "summary.update", summary, audit.diff(before, {"title": summary.title, "intro": summary.intro})
    )
    return summary


def _renumber(summary, parent_id):
    siblings = list(
        SummarySection.objects.filter(summary=summary, parent_id=parent_id).order_by("position", "id")
    )
    for i, s in enumerate(siblings):
        if s.position != i:
            s.position = i
            s.save(update_fields=["position"])
    return siblings


def _lock_structure(summary):
    summary = Summary.objects.select_for_update().get(pk=summary.pk)
    _require_draft(summary)
    return summary


@transaction.atomic
def add_section(*, actor, summary, heading, parent=None, after=None, owner=None):
    """A new section under parent (None: a top-level one), after the given sibling or last."""
    _require(actor, "reports.finalize_summary", "只有局长可以增删和移动章节")
    summary = _lock_structure(summary)
    heading = (heading or "").strip()
    if not heading:
        raise ValidationError({"heading": "标题不能为空"})
    _check_texts(heading)
    if parent is not None and parent.summary_id != summary.pk:
        raise ValidationError("上级章节不属于该工作总结")
    siblings = _renumber(summary, parent.pk if parent else None)
    position = len(siblings)
    if after is not None:
        position = next((i + 1 for i, s in enumerate(siblings) if s.pk == after.pk), position)
    for s in siblings[position:]:
        s.position += 1
        s.save(update_fields=["position"])
    section = SummarySection.objects.create(
        summary=summary,
        parent=parent,
        position=position,
        heading=heading,
        owner=owner if owner is not None else (parent.owner if parent else ""),
        updated_by=actor,
    )
    SectionVersion.objects.create(section=section, number=1, heading=heading, saved_by=actor, note="新增章节")
    audit.record(actor, "summary.section_add", section, {"heading": heading})
    return section


@transaction.atomic
def move_section(*, actor, section, offset):
    """Move a section up (offset −1) or down (+1) among its siblings."""
    _require(actor, "reports.finalize_summary", "只有局长可以增删和移动章节")
    _lock_structure(section.summary)
    siblings = _renumber(section.summary, section.parent_id)
    index = next(i for i, s in enumerate(siblings) if s.pk == section.pk)
    target = index + offset
    if not 0 <= target < len(siblings):
        raise ValidationError("已经在最前或最后，无法移动")
    a, b = siblings[index], siblings[target]
    a.position, b.position = b.position, a.position
    a.save(update_fields=["position"])
    b.save(update_fields=["position"])
    audit.record(actor, "summary.section_move", a, {"position": [index + 1, target + 1]})
    return a


@transaction.atomic
def delete_section(*, actor, section):
    """Delete a section with everything under it; its siblings close up."""
    _require(actor, "reports.finalize_summary", "只有局长可以增删和移动章节")
    summary = _lock_structure(section.summary)
    audit.record(actor, "summary.section_delete", section, _section_audit(section))
    parent_id = section.parent_id
    section.delete()
    _renumber(summary, parent_id)


# --- finalizing ------------------------------------------------------------------------------


@transaction.atomic
def finalize_summary(*, actor, summary):
    """定稿: the figures are computed once more and frozen with the document, so its PDF stays the
    same whatever happens to the records later. Refused while a placeholder is unresolved."""
    _require(actor, "reports.finalize_summary", "只有局长可以定稿")
    summary = Summary.objects.select_for_update().get(pk=summary.pk)
    if summary.is_final:
        raise ValidationError("该工作总结已经定稿")
    doc = document.summary_doc(summary)
    values = document.live_values(summary.period, summary.region, doc)
    missing = document.render(doc, values).missing_keys()
    if missing:
        raise ValidationError(f"以下指标尚未登记，不能定稿：{'、'.join(sorted(missing))}")
    from .dashboard import monthly_charts

    # The charts of the PDF's appendix are frozen with the figures.
    charts = [str(svg) for svg in monthly_charts(Period.parse(summary.period), summary.region)]
    summary.frozen = {**document.frozen_snapshot(values), "charts": charts}
    summary.status = Summary.Status.FINAL
    summary.finalized_at = timezone.now()
    summary.finalized_by = actor
    summary.save()
    audit.record(
        actor,
        "summary.finalize",
        summary,
        {"status": [Summary.Status.DRAFT.label, Summary.Status.FINAL.label]},
    )
    return summary


@transaction.atomic
def reopen_summary(*, actor, summary, reason):
    """Only the director reopens a finalized summary; the reason goes into the audit log."""
    _require(actor, "reports.finalize_summary", "只有局长可以重新打开已定稿的工作总结")
    summary = Summary.objects.select_for_update().get(pk=summary.pk)
    if not summary.is_final:
        raise ValidationError("该工作总结尚未定稿")
    if not (reason or "").strip():
        raise ValidationError({"reason": "请填写重新打开的原因"})
    summary.status = Summary.Status.DRAFT
    summary.frozen = None
    summary.finalized_at = None
    summary.finalized_by = None
    summary.save()
    audit.record(
        actor,
        "summary.reopen",
        summary,
        {"status": [Summary.Status.FINAL.label, Summary.Status.DRAFT.label], "reason": reason.strip()},
    )
    return summary


def moved_figures(summary):
    """For a draft: the figures the document uses whose value changed since the last view, as
    [(key, label, old, new)]. The first look sees nothing moved."""
    doc = document.summary_doc(summary)
    values = document.live_values(summary.period, summary.region, doc)
    used = set(document.template_keys(doc)) & set(values.figures)
    seen = (summary.seen or {}).get("figures")
    labels = {k: s.label for k, s in document.registry.specs().items()}
    changes = []
    if seen is not None:
        changes = [
            (k, labels.get(k, k), seen.get(k), values.figures[k])
            for k in sorted(used)
            if seen.get(k) != values.figures[k]
        ]
    return changes, values


def mark_seen(*, summary, values):
    """Remember what the draft's reader last saw (no audit: nothing of the document changes)."""
    Summary.objects.filter(pk=summary.pk).update(seen=document.frozen_snapshot(values))


# --- work-plan items -------------------------------------------------------------------------


@transaction.atomic
def add_plan_item(*, actor, period, section, text, deadline):
    """A commitment of the period's plan (idempotent on period, section and text)."""
    from .models import PlanItem

    _require(actor, "reports.finalize_summary", "只有局长可以登记工作计划事项")
    item, created = PlanItem.objects.get_or_create(
        period=Period.parse(period).label, section=section, text=text.strip(), defaults={"deadline": deadline}
    )
    if created:
        audit.record(actor, "plan.add", item, {"deadline": str(deadline), "section": section})
    return item


@transaction.atomic
def update_plan_item(*, actor, item, status, progress):
    """The owning chief (or the director) reports progress and status."""
    from .models import PlanItem

    item = PlanItem.objects.select_for_update().get(pk=item.pk)
    if not (
        actor.has_perm("reports.finalize_summary")
        or (actor.has_perm("reports.edit_summary") and user_section(actor) == item.section)
    ):
        raise PermissionDenied("只能更新本股室的工作计划事项")
    if status not in PlanItem.Status.values:
        raise ValidationError({"status": "无效的状态"})
    before = {"status": item.get_status_display(), "progress": item.progress}
    item.status, item.progress = status, (progress or "").strip()
    item.save()
    audit.record(
        actor,
        "plan.update",
        item,
        audit.diff(before, {"status": item.get_status_display(), "progress": item.progress}),
    )
    return item
