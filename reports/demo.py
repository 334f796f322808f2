"""The demo's summary: the 2019H1 draft made from the shipped template by the director, and the
second-half plan items of the seed document."""

import datetime

from django.contrib.auth.models import User

from civaffairs.demo import register_loader
from civaffairs.models import Section

from . import services
from .models import Summary

D = datetime.date

# The seed's second-half plan (二、2019年下半年工作计划), one commitment each.
PLAN_2019H1 = [
    (Section.ASSISTANCE, "抓好低保和特困供养人员救助提标工作，及时补发提标差额", D(2019, 12, 31)),
    (Section.ASSISTANCE, "落实政府购买社会救助服务工作，9月中旬前完成招录", D(2019, 9, 15)),
    (Section.WELFARE, "云安区救助站及居家养老服务中心、日间照料中心和长者饭堂年内投入使用", D(2019, 12, 31)),
    (Section.WELFARE, "指导各镇、各福利机构建立定期检查和安全报告制度", D(2019, 12, 31)),
    (Section.WELFARE, "7月开始实施百家社会组织走近留守和困境儿童“牵手行动”", D(2019, 7, 31)),
    (Section.GRASSROOTS, "多渠道开展扫黑除恶线索排查，争取突破“零线索”", D(2019, 12, 31)),
    (Section.GRASSROOTS, "完成各镇老年协会和乡贤理事会的登记备案督促指导", D(2019, 12, 31)),
    (Section.GRASSROOTS, "“幸福计划”5条村和社区综合服务场所5个村年内投入使用", D(2019, 12, 31)),
]


@register_loader(900)
def load_summary(stdout=None):
    director = User.objects.filter(username="director").first()
    if director is None:
        return
    if not Summary.objects.filter(period="2019H1", region=None).exists():
        services.create_summary(actor=director, period="2019H1")
    for section, text, deadline in PLAN_2019H1:
        services.add_plan_item(actor=director, period="2019H1", section=section, text=text, deadline=deadline)
