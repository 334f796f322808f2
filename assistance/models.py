"""The statutory procedure of a 低保 or 特困 application (民发〔2021〕57号《最低生活保障审核确认办法》,
特困人员认定办法, Guangdong's 审核审批 rules): each step a dated record with the people who did it,
each step with a deadline in working days (civaffairs/workdays.py).

An application that goes through the procedure is a Case with its enrolment Request (the core's
records), plus a Procedure. The final decision stays the existing approval service
(services.decide_request): it is refused until the procedure's preconditions hold. Step records
(verification checks, home visits) hang on the Case and, for a review (复核), on its Request too,
so reviews record the same things in the same tables."""

from django.conf import settings
from django.db import models

from civaffairs.models import Case, Person, Region, Request


class Stage(models.TextChoices):
    INCOMPLETE = "incomplete", "材料不全（已一次性告知）"
    VERIFICATION = "verification", "家庭经济状况核对"
    VISIT = "visit", "入户调查"
    APPRAISAL = "appraisal", "民主评议"
    TOWN_REVIEW = "town_review", "镇审核"
    DISTRICT = "district", "区审批（抽查）"
    NOTICE = "notice", "公示"
    DECISION = "decision", "待审批决定"
    APPROVED = "approved", "已批准"
    REFUSED = "refused", "不予批准"
    PAPERS = "papers", "先行救助，补齐手续"
    PAPERS_DONE = "papers_done", "手续已补齐"


class Procedure(models.Model):
    """受理 → 核对 → 入户调查 → 民主评议 → 镇审核 → 区审批（抽查）→ 公示 → 决定, for one application.
    `stage` is the step now owed and `due_on` its deadline (kept by the services that record each
    step, so the home pages and figures query them)."""

    case = models.OneToOneField(Case, models.PROTECT, related_name="procedure", verbose_name="救助对象")
    request = models.OneToOneField(Request, models.PROTECT, related_name="procedure", verbose_name="申请")
    received_on = models.DateField("收件日期")
    accepted_on = models.DateField("受理日期", null=True, blank=True)
    materials = models.JSONField("材料清单", default=dict, blank=True)
    missing_notice = models.TextField("一次性告知内容", blank=True)
    stage = models.CharField("当前环节", max_length=15, choices=Stage.choices)
    due_on = models.DateField("当前环节办理期限", null=True, blank=True)
    town_extended_reason = models.CharField("镇审核延期理由", max_length=200, blank=True)
    town_reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="镇审核人",
    )
    town_opinion = models.TextField("镇审核意见", blank=True)
    town_recommends = models.BooleanField("镇审核建议批准", null=True)
    town_reviewed_on = models.DateField("镇审核日期", null=True, blank=True)
    district_extended_reason = models.CharField("区审批延期理由", max_length=200, blank=True)
    spot_check = models.ForeignKey(
        "SpotCheck", models.PROTECT, null=True, blank=True, related_name="procedures", verbose_name="抽查批次"
    )
    sampled = models.BooleanField("抽中入户核查", default=False)
    relative = models.BooleanField("近亲属备案", default=False)
    reopened_on = models.DateField("因异议重新核对日期", null=True, blank=True)
    decided_on = models.DateField("决定日期", null=True, blank=True)
    certificate_no = models.CharField("证书编号", max_length=30, blank=True)
    refusal_reasons = models.TextField("不予批准理由", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name="受理人"
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = "审核确认程序"
        verbose_name_plural = "审核确认程序"
        ordering = ["-received_on", "-id"]
        indexes = [models.Index(fields=["stage", "due_on"])]
        permissions = [("review_procedure", "镇审核（镇民政办负责人）")]
        constraints = [
            models.UniqueConstraint(
                fields=["certificate_no"],
                condition=~models.Q(certificate_no=""),
                name="procedure_certificate_unique",
            )
        ]

    def __str__(self):
        return f"{self.case}（{self.get_stage_display()}）"


class Attachment(models.Model):
    """A scanned paper (PDF, JPG, PNG), kept in the database: never under a public URL, read only
    through the audited download view."""

    class Kind(models.TextChoices):
        APPLICATION = "application", "申请书"
        IDENTITY = "identity", "身份证和户口簿"
        CONSENT = "consent", "家庭经济状况核对授权书"
        PROOF = "proof", "证明材料"
        SIGNATURE = "signature", "入户调查签字确认"
        MINUTES = "minutes", "民主评议记录"
        OTHER = "other", "其他"

    case = models.ForeignKey(Case, models.PROTECT, related_name="attachments", verbose_name="救助对象")
    kind = models.CharField("材料类型", max_length=12, choices=Kind.choices)
    name = models.CharField("文件名", max_length=200)
    content_type = models.CharField("文件类型", max_length=50)
    size = models.PositiveIntegerField("大小（字节）")
    sha256 = models.CharField("SHA-256", max_length=64)
    data = models.BinaryField("内容")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name="上传人"
    )
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        verbose_name = "扫描件"
        verbose_name_plural = "扫描件"
        ordering = ["uploaded_at", "id"]

    def __str__(self):
        return f"{self.get_kind_display()}：{self.name}"


class VerificationCheck(models.Model):
    """家庭经济状况核对: one check of one item (bank deposits, vehicles, …), its source, date,
    the amount found and a verdict. A re-check (复核核对) after the applicant contests is one too."""

    class Item(models.TextChoices):
        DEPOSITS = "deposits", "银行存款"
        VEHICLES = "vehicles", "车辆"
        REAL_ESTATE = "real_estate", "不动产"
        BUSINESS = "business", "工商登记"
        PENSION = "pension", "养老金"
        INSURANCE = "insurance", "社会保险"

    class Verdict(models.TextChoices):
        PASS = "pass", "符合"
        FAIL = "fail", "不符合"
        EXPLAIN = "explain", "需说明"

    case = models.ForeignKey(
        Case, models.PROTECT, related_name="verification_checks", verbose_name="救助对象"
    )
    review = models.ForeignKey(
        Request,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="verification_checks",
        verbose_name="复核",
    )
    item = models.CharField("核对项目", max_length=12, choices=Item.choices)
    source = models.CharField("数据来源", max_length=100)
    checked_on = models.DateField("核对日期")
    amount = models.DecimalField("核对金额（元）", max_digits=14, decimal_places=2, null=True, blank=True)
    verdict = models.CharField("核对结论", max_length=8, choices=Verdict.choices)
    recheck = models.BooleanField("复查（申请人对结果有异议）", default=False)
    note = models.CharField("说明", max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name="记录人"
    )
    recorded_at = models.DateTimeField("记录时间", auto_now_add=True)

    class Meta:
        verbose_name = "经济状况核对"
        verbose_name_plural = "经济状况核对"
        ordering = ["checked_on", "id"]

    def __str__(self):
        return f"{self.get_item_display()}：{self.get_verdict_display()}（{self.checked_on}）"


class HomeVisit(models.Model):
    """入户调查 (by the town) or the district's own spot-check visit: at least two investigators,
    the 家庭经济状况核查表 (income by source, property, living conditions), the applicant's signature."""

    case = models.ForeignKey(Case, models.PROTECT, related_name="home_visits", verbose_name="救助对象")
    review = models.ForeignKey(
        Request, models.PROTECT, null=True, blank=True, related_name="home_visits", verbose_name="复核"
    )
    district = models.BooleanField("区级抽查入户", default=False)
    visited_on = models.DateField("调查日期")
    investigators = models.JSONField("调查人员")
    income = models.JSONField("收入（按来源，元/月）", default=dict, blank=True)
    property = models.TextField("财产状况", blank=True)
    living = models.TextField("生活状况", blank=True)
    applicant_signed = models.BooleanField("申请人签字确认", default=False)
    signature = models.ForeignKey(
        Attachment, models.PROTECT, null=True, blank=True, related_name="+", verbose_name="签字扫描件"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name="记录人"
    )
    recorded_at = models.DateTimeField("记录时间", auto_now_add=True)

    class Meta:
        verbose_name = "入户调查"
        verbose_name_plural = "入户调查"
        ordering = ["visited_on", "id"]

    def __str__(self):
        return f"{'区级抽查入户' if self.district else '入户调查'}（{self.visited_on}）"


class Appraisal(models.Model):
    """民主评议: it counts only when at least 2/3 of those due attend and at least 2/3 of those
    present agree (the service refuses any other)."""

    case = models.ForeignKey(Case, models.PROTECT, related_name="appraisals", verbose_name="救助对象")
    held_on = models.DateField("评议日期")
    due = models.PositiveIntegerField("应到人数")
    attended = models.PositiveIntegerField("实到人数")
    agreed = models.PositiveIntegerField("同意人数")
    minutes = models.TextField("评议记录")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name="记录人"
    )
    recorded_at = models.DateTimeField("记录时间", auto_now_add=True)

    class Meta:
        verbose_name = "民主评议"
        verbose_name_plural = "民主评议"
        ordering = ["held_on", "id"]

    def __str__(self):
        return f"民主评议（{self.held_on}，应到{self.due}人，实到{self.attended}人，同意{self.agreed}人）"


class SpotCheck(models.Model):
    """区级抽查: a month's draw over the applications sent up, at least 30%, from a recorded seed
    (anyone re-draws the same sample from it), registered relatives always in."""

    month = models.DateField("抽查月份")
    seed = models.CharField("随机种子", max_length=64)
    rate = models.DecimalField("抽查比例", max_digits=4, decimal_places=2)
    population = models.JSONField("参与抽取的申请")
    drawn = models.JSONField("随机抽中的申请")
    relatives = models.JSONField("近亲属备案（必查）的申请")
    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name="抽取人"
    )
    drawn_at = models.DateTimeField("抽取时间", auto_now_add=True)

    class Meta:
        verbose_name = "区级抽查"
        verbose_name_plural = "区级抽查"
        ordering = ["-month", "-id"]

    def __str__(self):
        return f"{self.month:%Y年%m月}区级抽查（种子{self.seed}）"


class PublicNotice(models.Model):
    """公示 of a proposed household in its village, at least 7 days."""

    case = models.ForeignKey(Case, models.PROTECT, related_name="notices", verbose_name="救助对象")
    village = models.ForeignKey(Region, models.PROTECT, related_name="+", verbose_name="公示村（居）")
    starts_on = models.DateField("公示开始")
    ends_on = models.DateField("公示结束")
    amount = models.DecimalField(
        "拟保障金额（元/月）", max_digits=12, decimal_places=2, null=True, blank=True
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name="发布人"
    )
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    class Meta:
        verbose_name = "公示"
        verbose_name_plural = "公示"
        ordering = ["starts_on", "id"]

    def __str__(self):
        return f"公示（{self.starts_on}至{self.ends_on}）"


class Objection(models.Model):
    """An objection raised during the notice; one that is upheld reopens verification."""

    notice = models.ForeignKey(PublicNotice, models.PROTECT, related_name="objections", verbose_name="公示")
    received_on = models.DateField("收到日期")
    content = models.TextField("异议内容")
    reopens = models.BooleanField("重新核对", default=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name="记录人"
    )
    recorded_at = models.DateTimeField("记录时间", auto_now_add=True)

    class Meta:
        verbose_name = "公示异议"
        verbose_name_plural = "公示异议"
        ordering = ["received_on", "id"]

    def __str__(self):
        return f"公示异议（{self.received_on}）"


class RelativeRecord(models.Model):
    """近亲属备案: a registered relative of 低保 staff or a village cadre; their applications are
    always sampled for the district's own visit."""

    class Role(models.TextChoices):
        STAFF = "staff", "民政（低保）经办人员"
        CADRE = "cadre", "村（居）委会干部"

    person = models.ForeignKey(
        Person, models.PROTECT, related_name="relative_records", verbose_name="备案人员"
    )
    official_name = models.CharField("工作人员/干部姓名", max_length=50)
    official_role = models.CharField("职务类别", max_length=8, choices=Role.choices)
    relation = models.CharField("亲属关系", max_length=20)
    recorded_on = models.DateField("备案日期")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name="备案人"
    )

    class Meta:
        verbose_name = "近亲属备案"
        verbose_name_plural = "近亲属备案"
        ordering = ["-recorded_on", "-id"]

    def __str__(self):
        return f"{self.person}：{self.official_name}的{self.relation}"
