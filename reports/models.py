"""Summary documents: a period's (and optionally a town's) 工作总结 as a tree of sections, each
save of a section kept as a version; finalizing freezes the figures with the document."""

from django.conf import settings
from django.db import models

from civaffairs.models import Region, Section
from civaffairs.periods import period_name

DISTRICT_CLOSING = "云浮市云安区民政局"


def closing_name_for(region):
    """落款: the bureau signs the district's summary; a town's summary is signed by the town's
    government (云浮市云安区石城镇人民政府), whose 民政办 writes it."""
    if region is None:
        return DISTRICT_CLOSING
    return f"{DISTRICT_CLOSING.removesuffix('民政局')}{region.name}人民政府"


class Summary(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        FINAL = "final", "已定稿"

    period = models.CharField("期间", max_length=30, help_text="如 2019H1")
    region = models.ForeignKey(
        Region,
        models.PROTECT,
        null=True,
        blank=True,
        verbose_name="镇",
        limit_choices_to={"level": Region.Level.TOWN},
        help_text="空为全区",
    )
    title = models.CharField("标题", max_length=200, help_text="可含占位符；换行分两行排印")
    intro = models.TextField("导语", blank=True)
    closing_name = models.CharField("落款单位", max_length=50, default=DISTRICT_CLOSING)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.DRAFT)
    frozen = models.JSONField("定稿时的数据", null=True, blank=True)
    seen = models.JSONField("上次查看的数据", null=True, blank=True)
    finalized_at = models.DateTimeField("定稿时间", null=True, blank=True)
    finalized_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="定稿人",
    )
    version = models.PositiveIntegerField("版本", default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name="创建人"
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "工作总结"
        verbose_name_plural = "工作总结"
        ordering = ["-period", "region__code"]
        permissions = [
            ("edit_summary", "编辑工作总结"),
            ("finalize_summary", "定稿及重新打开工作总结"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["period"],
                condition=models.Q(region__isnull=True),
                name="one_district_summary_per_period",
            ),
            models.UniqueConstraint(fields=["period", "region"], name="one_town_summary_per_period"),
            models.CheckConstraint(
                condition=~models.Q(status="final") | models.Q(frozen__isnull=False),
                name="final_summary_has_frozen_figures",
            ),
        ]

    def __str__(self):
        return f"{self.period_name}{self.region.name if self.region_id else '全区'}工作总结"

    @property
    def period_name(self):
        return period_name(self.period)

    @property
    def is_final(self):
        return self.status == self.Status.FINAL


class SummarySection(models.Model):
    summary = models.ForeignKey(Summary, models.CASCADE, related_name="sections", verbose_name="工作总结")
    parent = models.ForeignKey(
        "self", models.CASCADE, null=True, blank=True, related_name="children", verbose_name="上级章节"
    )
    position = models.PositiveIntegerField("顺序", default=0)
    heading = models.CharField("标题", max_length=200, help_text="不含序号，序号自动生成")
    body = models.TextField("正文", blank=True, help_text="每段一行；数字用占位符，如 {dibao.households}")
    owner = models.CharField(
        "负责股室", max_length=12, choices=Section.choices, blank=True, help_text="空则只有局长可编辑"
    )
    version = models.PositiveIntegerField("版本", default=1)
    updated_at = models.DateTimeField("修改时间", auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="修改人",
    )

    class Meta:
        verbose_name = "总结章节"
        verbose_name_plural = "总结章节"
        ordering = ["summary", "parent_id", "position", "id"]

    def __str__(self):
        return self.heading

    def paragraphs(self):
        return [line.strip() for line in self.body.splitlines() if line.strip()]


class SectionVersion(models.Model):
    """One save of a section (its heading and text as saved), to compare and restore."""

    section = models.ForeignKey(SummarySection, models.CASCADE, related_name="versions", verbose_name="章节")
    number = models.PositiveIntegerField("版本号")
    heading = models.CharField("标题", max_length=200)
    body = models.TextField("正文", blank=True)
    saved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="保存人",
    )
    saved_at = models.DateTimeField("保存时间", auto_now_add=True)
    note = models.CharField("说明", max_length=100, blank=True)

    class Meta:
        verbose_name = "章节版本"
        verbose_name_plural = "章节版本"
        ordering = ["section", "-number"]
        constraints = [models.UniqueConstraint(fields=["section", "number"], name="one_version_number")]

    def __str__(self):
        return f"{self.section} 第{self.number}版"


class PlanItem(models.Model):
    """A commitment of a period's work plan (下半年工作计划): reported on in the next summary."""

    class Status(models.TextChoices):
        OPEN = "open", "推进中"
        DONE = "done", "已完成"
        DROPPED = "dropped", "已取消"

    period = models.CharField("计划所属期间", max_length=30, help_text="如 2019H1 的下半年计划")
    section = models.CharField("负责股室", max_length=12, choices=Section.choices)
    text = models.CharField("事项", max_length=300)
    deadline = models.DateField("完成期限")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.OPEN)
    progress = models.TextField("进展情况", blank=True)

    class Meta:
        verbose_name = "工作计划事项"
        verbose_name_plural = "工作计划事项"
        ordering = ["deadline", "id"]

    def __str__(self):
        return self.text

    @property
    def period_name(self):
        return period_name(self.period)
