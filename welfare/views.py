from django.urls import reverse

from civaffairs.home import register_panel

from .access import is_welfare_chief, is_welfare_staff
from .selectors import overdue_hazards, pending_counts


@register_panel
def home_panels(user):
    if not (is_welfare_chief(user) or is_welfare_staff(user)):
        return []
    items = [
        {
            "label": "逾期未整改安全隐患",
            "count": overdue_hazards(user).count(),
            "url": reverse("welfare:hazard_list") + "?overdue=true",
        }
    ]
    if is_welfare_chief(user):
        c = pending_counts(user)
        items += [
            {"label": "待审批隐患销号", "count": c["closures"], "url": reverse("welfare:inbox")},
            {"label": "待审批项目节点", "count": c["milestones"], "url": reverse("welfare:inbox")},
        ]
    return items
