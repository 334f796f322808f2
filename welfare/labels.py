"""Codes welfare stores in the core's Project and Activity tables, with their Chinese labels."""

# Facility projects (core Project, section welfare): kind → label.
PROJECT_KINDS = [
    ("rescue_station", "救助站改造建设"),
    ("elderly_centre", "居家养老服务中心"),
    ("cemetery", "公益性生态墓"),
]
PROJECT_KIND_LABELS = dict(PROJECT_KINDS)

# Every facility project goes through these milestones, in this order.
MILESTONES = ["立项", "用地手续", "政府采购", "图纸设计", "施工", "验收", "投入使用"]

# Funeral-reform publicity (core Activity, section welfare): kind → (label, unit). A broadcast
# session or a van tour is one record; printed material is one record with a quantity.
PUBLICITY_KINDS = {
    "funeral_broadcast": ("有线电视、广播宣传", "场次"),
    "funeral_van_tour": ("宣传车巡回宣传", "场次"),
    "funeral_publication": ("刊物、墙报、板报", "期"),
    "funeral_banner": ("悬挂横额", "条"),
    "funeral_poster": ("张贴宣传标语", "张"),
}
PER_SESSION = ("funeral_broadcast", "funeral_van_tour")


def publicity_label(kind):
    return PUBLICITY_KINDS.get(kind, (kind, ""))[0]
