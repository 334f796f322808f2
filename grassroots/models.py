"""Records of 基层政权和社区建设股: supervision-committee members, social-work stations and staff,
village rules, social organizations and their councils, crime-clue forms.

Funded projects (三社联动, 精神障碍社区康复, 幸福计划, 社区综合服务场所, 老年协会示范点) are the core's
Project rows of the grassroots section; publicity materials are the core's Activity rows.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from civaffairs.models import Case, Person, Region


class SupervisorMember(models.Model):
    """A member of a 村（居）务监督委员会: a person of the registry, paid the allowance through the
    payments engine by the case of the allowance program that stands beside this row."""

    class Role(models.TextChoices):
        CHAIR = "chair", "主任"
        MEMBER = "member", "委员"

    person = models.ForeignKey(Person, models.PROTECT, related_name="+", verbose_name="成员")
    committee = models.ForeignKey(
        Region,
        models.PROTECT,
        related_name="+",
        verbose_name="村（居）委",
        limit_choices_to={"level": Region.Level.VILLAGE},
    )
    town = models.ForeignKey(Region, models.PROTECT, related_name="+", verbose_name="所属镇")
    role = models.CharField("职务", max_length=10, choices=Role.choices, default=Role.MEMBER)
    term_start = models.DateField("任期开始")
    term_end = models.DateField("任期结束", null=True, blank=True)
    case = models.OneToOneField(
        Case, models.PROTECT, related_name="supervisor_member", verbose_name="补贴发放对象"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name="登记人"
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = "村务监督委员会成员"
        verbose_name_plural = "村务监督委员会成员"
        ordering = ["town__code", "committee__code", "role", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(term_end__isnull=True) | Q(term_end__gte=F("term_start")),
                name="supervisor_term_ends_after_start",
            ),
        ]

    def __str__(self):
        return f"{self.committee.name} {self.get_role_display()} {self.person.name}"


class SocialWorkStation(models.Model):
    """A 社工站 of the 双百社工 plan: set up in a town, opened when its workers start."""

    class Status(models.TextChoices):
        PREPARING = "preparing", "筹建"
        OPERATING = "operating", "运营"

    name = models.CharField("名称", max_length=100, unique=True)
    town = models.ForeignKey(
        Region, models.PROTECT, related_name="+", verbose_name="所属镇", limit_choices_to={"level": 2}
    )
    address = models.CharField("地址", max_length=200, blank=True)
    established_on = models.DateField("建站日期")
    opened_on = models.DateField("投入运营日期", null=True, blank=True)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.PREPARING)

    class Meta:
        verbose_name = "社工站"
        verbose_name_plural = "社工站"
        ordering = ["established_on", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(opened_on__isnull=True) | Q(opened_on__gte=F("established_on")),
                name="station_opens_after_established",
            ),
        ]

    def __str__(self):
        return self.name


class SocialWorker(models.Model):
    name = models.CharField("姓名", max_length=50)
    phone = models.CharField("联系电话", max_length=20, blank=True)
    station = models.ForeignKey(
        SocialWorkStation, models.PROTECT, related_name="workers", verbose_name="所属社工站"
    )
    hired_on = models.DateField("招聘日期")
    starts_on = models.DateField("上岗日期", null=True, blank=True)

    class Meta:
        verbose_name = "社工"
        verbose_name_plural = "社工"
        ordering = ["station", "hired_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(starts_on__isnull=True) | Q(starts_on__gte=F("hired_on")),
                name="worker_starts_after_hired",
            ),
        ]

    def __str__(self):
        return self.name


class VillageRule(models.Model):
    """The 村规民约 of one village committee or natural village: its latest status and date."""

    class Status(models.TextChoices):
        DRAFTING = "drafting", "起草"
        ADOPTED = "adopted", "表决通过"
        FILED = "filed", "备案"

    region = models.OneToOneField(
        Region, models.PROTECT, related_name="village_rule", verbose_name="村（居）委或自然村"
    )
    town = models.ForeignKey(Region, models.PROTECT, related_name="+", verbose_name="所属镇")
    status = models.CharField("状态", max_length=10, choices=Status.choices)
    status_date = models.DateField("状态日期")
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name="登记人"
    )

    class Meta:
        verbose_name = "村规民约"
        verbose_name_plural = "村规民约"
        ordering = ["region__code"]

    def __str__(self):
        return f"{self.region.name}村规民约（{self.get_status_display()}）"


class GuidanceDocument(models.Model):
    """A local guidance document of the section (工作指引, 管理规范)."""

    title = models.CharField("标题", max_length=200)
    number = models.CharField("文号", max_length=50, unique=True)
    issued_on = models.DateField("印发日期")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name="登记人"
    )

    class Meta:
        verbose_name = "指导文件"
        verbose_name_plural = "指导文件"
        ordering = ["-issued_on", "id"]

    def __str__(self):
        return f"《{self.title}》（{self.number}）"


class OrgKind(models.TextChoices):
    # The type digit of a 民政 credit code (GB 32100-2015 第2位).
    SOCIAL_GROUP = "1", "社会团体"
    PRIVATE_NON_ENTERPRISE = "2", "民办非企业单位"
    FOUNDATION = "3", "基金会"


class SocialOrganization(models.Model):
    class Status(models.TextChoices):
        REGISTERED = "registered", "已登记"
        CANCELLED = "cancelled", "已注销"

    name = models.CharField("名称", max_length=100)
    credit_code = models.CharField("统一社会信用代码", max_length=18, unique=True)
    kind = models.CharField("类型", max_length=1, choices=OrgKind.choices)
    registered_on = models.DateField("登记日期")
    legal_representative = models.CharField("法定代表人", max_length=50)
    address = models.CharField("住所", max_length=200, blank=True)
    town = models.ForeignKey(
        Region,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="所在镇",
        limit_choices_to={"level": 2},
    )
    is_elder_association = models.BooleanField("老年协会", default=False)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.REGISTERED)
    cancelled_on = models.DateField("注销日期", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name="登记人"
    )

    class Meta:
        verbose_name = "社会组织"
        verbose_name_plural = "社会组织"
        ordering = ["-registered_on", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(cancelled_on__isnull=True) | Q(cancelled_on__gte=F("registered_on")),
                name="org_cancelled_after_registered",
            ),
            models.CheckConstraint(
                condition=Q(status="cancelled", cancelled_on__isnull=False)
                | Q(status="registered", cancelled_on__isnull=True),
                name="org_cancelled_has_date",
            ),
        ]

    def __str__(self):
        return self.name


class XiangxianCouncil(models.Model):
    """A natural village's 乡贤理事会: filed (备案) only, or name-registered (核名登记) with a code."""

    name = models.CharField("名称", max_length=100)
    village = models.ForeignKey(Region, models.PROTECT, related_name="+", verbose_name="所在村")
    town = models.ForeignKey(Region, models.PROTECT, related_name="+", verbose_name="所属镇")
    filed_on = models.DateField("备案日期", null=True, blank=True)
    registered_on = models.DateField("核名登记日期", null=True, blank=True)
    credit_code = models.CharField("统一社会信用代码", max_length=18, null=True, blank=True, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name="登记人"
    )

    class Meta:
        verbose_name = "乡贤理事会"
        verbose_name_plural = "乡贤理事会"
        ordering = ["town__code", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(filed_on__isnull=False) | Q(registered_on__isnull=False),
                name="council_filed_or_registered",
            ),
            models.CheckConstraint(
                condition=Q(registered_on__isnull=True) | Q(credit_code__isnull=False),
                name="council_registered_has_code",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def status_label(self):
        return "核名登记" if self.registered_on else "备案"


class ClueForm(models.Model):
    """A 线索排查表 returned by a village. Its summary is confidential: read only by the grassroots
    chief and the director, every opening audited; everyone else sees counts."""

    class Status(models.TextChoices):
        RECEIVED = "received", "已收回"
        VERIFYING = "verifying", "核查中"
        TRANSFERRED = "transferred", "已移交"
        CLOSED = "closed", "已办结"

    received_on = models.DateField("收回日期")
    village = models.ForeignKey(
        Region, models.PROTECT, related_name="+", verbose_name="村（居）委", limit_choices_to={"level": 3}
    )
    town = models.ForeignKey(Region, models.PROTECT, related_name="+", verbose_name="所属镇")
    summary = models.TextField("线索摘要")
    status = models.CharField("跟进状态", max_length=12, choices=Status.choices, default=Status.RECEIVED)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name="登记人"
    )
    recorded_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = "线索排查表"
        verbose_name_plural = "线索排查表"
        ordering = ["-received_on", "-id"]
        indexes = [models.Index(fields=["received_on", "town"])]

    def __str__(self):
        # No content here: the audit log and lists name a clue by its number only.
        return f"线索排查表第{self.pk}号"
