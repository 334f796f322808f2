"""The summary's own record list: the previous period's plan items with their status, so that the
2019H2 summary reports on what the 2019H1 plan promised."""

from civaffairs.figures import record_list

from .comparison import compare_periods
from .models import PlanItem


@record_list("plan.previous", "上期工作计划事项及落实情况")
def previous_plan(period, region):
    if isinstance(period, str):
        from civaffairs.periods import Period

        period = Period.parse(period)
    previous, _ = compare_periods(period)
    items = PlanItem.objects.filter(period=previous.label).order_by("section", "deadline", "id")
    out = []
    for item in items:
        phrase = f"{item.text}（{item.get_status_display()}"
        if item.progress:
            phrase += f"：{item.progress}"
        out.append(phrase + "）")
    return out
