"""Home-page panels of the summary: plan items due or overdue for their section's chief, and the
state of the summaries for the director."""

import datetime

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from civaffairs.home import register_panel
from civaffairs.selectors import user_section

from .models import PlanItem, Summary

DUE_WITHIN = datetime.timedelta(days=30)


def plan_counts(section=None, today=None):
    today = today or timezone.localdate()
    items = PlanItem.objects.filter(status=PlanItem.Status.OPEN)
    if section:
        items = items.filter(section=section)
    return items.aggregate(
        overdue=Count("id", filter=Q(deadline__lt=today)),
        due=Count("id", filter=Q(deadline__gte=today, deadline__lte=today + DUE_WITHIN)),
    )


@register_panel
def plan_panels(user):
    if not user.has_perm("reports.view_summary"):
        return []
    url = reverse("reports:plan")
    if user.has_perm("reports.finalize_summary"):
        c = plan_counts()
        drafts = Summary.objects.filter(status=Summary.Status.DRAFT).count()
        return [
            {"label": "逾期的工作计划事项", "count": c["overdue"], "url": url},
            {"label": "待定稿的工作总结", "count": drafts, "url": reverse("reports:list")},
        ]
    section = user_section(user)
    if not section or not user.has_perm("reports.edit_summary"):
        return []
    c = plan_counts(section)
    return [
        {"label": "工作计划：30天内到期", "count": c["due"], "url": url},
        {"label": "工作计划：已逾期", "count": c["overdue"], "url": url},
    ]
