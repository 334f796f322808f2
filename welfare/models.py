"""社会福利和社会事务: the safety of institutions, facility projects, marriage and adoption
registrations, cremations. Registrations, cremations and inspections are events of their own,
not Cases. Institutions, projects, milestones and publicity activities are the core's models;
this app adds what welfare records about them.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from civaffairs.idnumber import mask_id_number
from civaffairs.models import Approvable, Institution, Milestone, Person, Region


class Operator(models.TextChoices):
    PUBLIC = "public", "公办公营"
    CONTRACTED = "contracted", "公建民营（委托运营）"


class FireAcceptance(models.TextChoices):
    NONE = "none", "未验收"
    PENDING = "pending", "改造中"
    ACCEPTED = "accepted", "已通过验收"


class InstitutionProfile(models.Model):
    """What welfare records about a core Institution: size, operator and fire-safety acceptance."""

    institution = models.OneToOneField(
        Institution, models.CASCADE, related_name="welfare_profile", verbose_name="机构"
    )
    address = models.CharField("地址", max_length=200, blank=True)
    capacity = models.PositiveIntegerField("设计床位（张）", default=0)
    beds = models.PositiveIntegerField("实有床位（张）", default=0)
    operator = models.CharField("运营方式", max_length=12, choices=Operator.choices, default=Operator.PUBLIC)
    operator_name = models.CharField("运营单位", max_length=100, blank=True)
    fire_status = models.CharField(
        "消防验收", max_length=10, choices=FireAcceptance.choices, default=FireAcceptance.NONE
    )
    fire_accepted_on = models.DateField("消防验收日期", null=True, blank=True)
    fire_authority = models.CharField("验收单位", max_length=100, blank=True)

    class Meta:
        verbose_name = "机构概况"
        verbose_name_plural = "机构概况"

    def __str__(self):
        return f"{self.institution}概况"


class Inspection(models.Model):
    class Kind(models.TextChoices):
        SAFETY = "safety", "安全检查"
        LOOKBACK = "lookback", "专项检查整治“回头看”"
        QUALITY = "quality", "服务质量专项行动"

    # 风险隐患检查: the kinds that count for elderly_care.homes_inspected.
    RISK_KINDS = (Kind.SAFETY, Kind.LOOKBACK)

    institution = models.ForeignKey(
        Institution, models.PROTECT, related_name="inspections", verbose_name="被检查机构"
    )
    date = models.DateField("检查日期")
    kind = models.CharField("检查类别", max_length=10, choices=Kind.choices)
    inspectors = models.CharField("检查人员", max_length=200)
    note = models.CharField("检查情况", max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name="登记人"
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = "安全检查"
        verbose_name_plural = "安全检查"
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["date", "kind"])]

    def __str__(self):
        return f"{self.institution} {self.date:%Y-%m-%d} {self.get_kind_display()}"


class Hazard(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "整改中"
        CLOSING = "closing", "待审批销号"
        CLOSED = "closed", "已整改销号"

    inspection = models.ForeignKey(Inspection, models.CASCADE, related_name="hazards", verbose_name="检查")
    institution = models.ForeignKey(Institution, models.PROTECT, related_name="+", verbose_name="机构")
    description = models.CharField("隐患描述", max_length=300)
    owner = models.CharField("整改责任人", max_length=50)
    deadline = models.DateField("整改期限")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.OPEN)
    closed_on = models.DateField("整改完成日期", null=True, blank=True)

    class Meta:
        verbose_name = "安全隐患"
        verbose_name_plural = "安全隐患"
        ordering = ["deadline", "id"]
        indexes = [models.Index(fields=["status", "deadline"])]

    def __str__(self):
        return f"{self.institution}：{self.description[:30]}"


# The hazard's status moves, declared once: a closure is submitted, then approved or rejected.
HAZARD_MOVES = {
    Hazard.Status.OPEN: {Hazard.Status.CLOSING},
    Hazard.Status.CLOSING: {Hazard.Status.CLOSED, Hazard.Status.OPEN},
    Hazard.Status.CLOSED: set(),
}


class HazardClosure(Approvable):
    """A request to close a hazard as rectified (整改销号), decided by the section chief."""

    AUTHOR_FIELD = "submitted_by"

    hazard = models.ForeignKey(Hazard, models.CASCADE, related_name="closures", verbose_name="隐患")
    rectified_on = models.DateField("整改完成日期")
    note = models.CharField("整改情况", max_length=300)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name="提交人"
    )
    submitted_at = models.DateTimeField("提交时间", auto_now_add=True)

    class Meta:
        verbose_name = "隐患销号申请"
        verbose_name_plural = "隐患销号申请"
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["hazard"], condition=Q(status="pending"), name="one_pending_closure_per_hazard"
            )
        ]

    def __str__(self):
        return f"销号：{self.hazard}"


class FireRetrofit(models.Model):
    """消防安全改造 of one institution: funds spent and the fire authority's acceptance."""

    institution = models.ForeignKey(
        Institution, models.PROTECT, related_name="fire_retrofits", verbose_name="机构"
    )
    name = models.CharField("改造内容", max_length=200)
    funds_spent = models.DecimalField("投入资金（元）", max_digits=14, decimal_places=2)
    paid_on = models.DateField("资金投入日期")
    accepted_on = models.DateField("验收日期", null=True, blank=True)
    authority = models.CharField("验收单位", max_length=100, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name="登记人"
    )

    class Meta:
        verbose_name = "消防改造"
        verbose_name_plural = "消防改造"
        ordering = ["-paid_on", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(funds_spent__gte=0), name="retrofit_funds_not_negative"),
            models.CheckConstraint(
                condition=Q(accepted_on__isnull=True) | Q(accepted_on__gte=models.F("paid_on")),
                name="retrofit_accepted_after_paid",
            ),
        ]

    def __str__(self):
        return f"{self.institution}：{self.name}"


class MilestoneReport(Approvable):
    """A report that a facility project reached a milestone; the milestone counts as reached
    (core Milestone.done_on) only when the section chief approves it."""

    AUTHOR_FIELD = "submitted_by"

    milestone = models.ForeignKey(Milestone, models.CASCADE, related_name="+", verbose_name="节点")
    reached_on = models.DateField("完成日期")
    note = models.CharField("说明", max_length=300, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name="提交人"
    )
    submitted_at = models.DateTimeField("提交时间", auto_now_add=True)

    class Meta:
        verbose_name = "项目节点报告"
        verbose_name_plural = "项目节点报告"
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["milestone"], condition=Q(status="pending"), name="one_pending_report_per_milestone"
            )
        ]

    def __str__(self):
        return f"{self.milestone.project}：{self.milestone}"


class IdType(models.TextChoices):
    ID_CARD = "id_card", "居民身份证"
    PASSPORT = "passport", "护照"
    HMT = "hmt", "港澳台居民证件"


def mask_document(number, id_type):
    """An ID card as everywhere (445303********0016); a passport or permit keeps its first letter
    and last three characters (E*****678): mask_id_number would show most of a short number."""
    if id_type == IdType.ID_CARD or not number:
        return mask_id_number(number)
    return number[0] + "*" * max(len(number) - 4, 1) + number[-3:]


class MarriageRegistration(models.Model):
    class Kind(models.TextChoices):
        MARRIAGE = "marriage", "结婚登记"
        DIVORCE = "divorce", "离婚登记"
        REISSUE_MARRIAGE = "reissue_marriage", "补领结婚证"
        REISSUE_DIVORCE = "reissue_divorce", "补领离婚证"

    class Scope(models.TextChoices):
        DOMESTIC = "domestic", "国内"
        FOREIGN = "foreign", "涉外"
        HMT = "hmt", "港澳台"
        OVERSEAS = "overseas", "华侨"

    date = models.DateField("登记日期")
    kind = models.CharField("登记类别", max_length=20, choices=Kind.choices)
    scope = models.CharField("登记类型", max_length=10, choices=Scope.choices, default=Scope.DOMESTIC)
    party_a_name = models.CharField("男方姓名", max_length=50)
    party_a_id_type = models.CharField(
        "男方证件类型", max_length=10, choices=IdType.choices, default=IdType.ID_CARD
    )
    party_a_id = models.CharField("男方证件号码", max_length=30)
    party_b_name = models.CharField("女方姓名", max_length=50)
    party_b_id_type = models.CharField(
        "女方证件类型", max_length=10, choices=IdType.choices, default=IdType.ID_CARD
    )
    party_b_id = models.CharField("女方证件号码", max_length=30)
    certificate_no = models.CharField("证书编号", max_length=30, unique=True)
    qualified = models.BooleanField("登记合格", default=True)
    town = models.ForeignKey(
        Region,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="户籍所在镇",
        limit_choices_to={"level": Region.Level.TOWN},
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name="登记人"
    )
    created_at = models.DateTimeField("录入时间", auto_now_add=True)

    class Meta:
        verbose_name = "婚姻登记"
        verbose_name_plural = "婚姻登记"
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["date", "kind", "scope"])]

    def __str__(self):
        return f"{self.get_kind_display()} {self.certificate_no}"

    @property
    def party_a_masked(self):
        return mask_document(self.party_a_id, self.party_a_id_type)

    @property
    def party_b_masked(self):
        return mask_document(self.party_b_id, self.party_b_id_type)


class AdoptionRegistration(models.Model):
    class Kind(models.TextChoices):
        ESTABLISH = "establish", "收养登记"
        DISSOLVE = "dissolve", "解除收养登记"

    kind = models.CharField("类别", max_length=10, choices=Kind.choices, default=Kind.ESTABLISH)
    date = models.DateField("登记日期")
    record_no = models.CharField("登记编号", max_length=30, unique=True)
    child_name = models.CharField("被收养人姓名", max_length=50)
    child_id = models.CharField("被收养人身份证号", max_length=18)
    adopter_name = models.CharField("收养人姓名", max_length=50)
    adopter_id = models.CharField("收养人身份证号", max_length=18)
    co_adopter_name = models.CharField("共同收养人姓名", max_length=50, blank=True)
    co_adopter_id = models.CharField("共同收养人身份证号", max_length=18, blank=True)
    town = models.ForeignKey(
        Region,
        models.PROTECT,
        related_name="+",
        verbose_name="收养人户籍所在镇",
        limit_choices_to={"level": Region.Level.TOWN},
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name="登记人"
    )
    created_at = models.DateTimeField("录入时间", auto_now_add=True)

    class Meta:
        verbose_name = "收养登记"
        verbose_name_plural = "收养登记"
        ordering = ["-date", "-id"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.record_no}"


class Cremation(models.Model):
    deceased_name = models.CharField("逝者姓名", max_length=50)
    id_number = models.CharField("逝者身份证号", max_length=18, unique=True)
    death_date = models.DateField("死亡日期")
    date = models.DateField("火化日期")
    funeral_home = models.CharField("殡仪馆", max_length=100, default="云浮市殡仪馆")
    local = models.BooleanField("云安区户籍", default=True)
    # 户籍所在镇 for a resident; for someone registered elsewhere, the town of death in the
    # district. Every cremation belongs to one town, so the towns add up to the district.
    town = models.ForeignKey(
        Region,
        models.PROTECT,
        related_name="+",
        verbose_name="所属镇（户籍地或死亡地）",
        limit_choices_to={"level": Region.Level.TOWN},
    )
    village = models.ForeignKey(
        Region,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="所属村（居）",
        limit_choices_to={"level": Region.Level.VILLAGE},
    )
    funds = models.DecimalField("统筹火化资金（元）", max_digits=10, decimal_places=2, default=0)
    person = models.ForeignKey(
        Person, models.PROTECT, null=True, blank=True, related_name="+", verbose_name="登记人员"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name="登记人"
    )
    created_at = models.DateTimeField("录入时间", auto_now_add=True)

    class Meta:
        verbose_name = "火化记录"
        verbose_name_plural = "火化记录"
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["date"])]
        constraints = [
            models.CheckConstraint(condition=Q(funds__gte=0), name="cremation_funds_not_negative"),
            models.CheckConstraint(
                condition=Q(date__gte=models.F("death_date")), name="cremation_after_death"
            ),
            # 统筹火化资金 covers residents of the district only.
            models.CheckConstraint(condition=Q(local=True) | Q(funds=0), name="cremation_funds_local_only"),
        ]

    def __str__(self):
        return f"{self.deceased_name} {self.date:%Y-%m-%d}"

    @property
    def masked_id(self):
        return mask_id_number(self.id_number)
