"""The shared core: regions, persons, households, the case model, standards, payments, audit.

Domain apps (assistance, welfare, grassroots) fill in programs and rules; the tables and their
state machines live here once.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from .idnumber import InvalidIdNumber, mask_account, mask_id_number, parse_id_number


class Area(models.TextChoices):
    URBAN = "urban", "城镇"
    RURAL = "rural", "农村"


class Region(models.Model):
    class Level(models.IntegerChoices):
        DISTRICT = 1, "区"
        TOWN = 2, "镇"
        VILLAGE = 3, "村（居）委"
        NATURAL = 4, "自然村"

    code = models.CharField("区划代码", max_length=15, unique=True)
    name = models.CharField("名称", max_length=50)
    level = models.PositiveSmallIntegerField("层级", choices=Level.choices)
    parent = models.ForeignKey(
        "self", models.PROTECT, null=True, blank=True, related_name="children", verbose_name="上级"
    )
    area = models.CharField("城乡", max_length=5, choices=Area.choices, blank=True)
    town = models.ForeignKey(
        "self",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="所属镇",
        help_text="镇本身及其下各级均指向所属镇，便于按镇限定范围",
    )
    is_demo = models.BooleanField("演示数据", default=False)

    class Meta:
        verbose_name = "行政区划"
        verbose_name_plural = "行政区划"
        ordering = ["code"]
        indexes = [models.Index(fields=["level", "town"])]

    def __str__(self):
        return self.name

    @property
    def full_name(self):
        names, node = [], self
        while node is not None and node.level > Region.Level.DISTRICT:
            names.append(node.name)
            node = node.parent
        return "".join(reversed(names))

    @property
    def full_label(self):
        """The full name as read on a page, its levels apart: 石城镇·上洞村·上洞湾洞 (the run-on
        full_name stays for file names and titles)."""
        names, node = [], self
        while node is not None and node.level > Region.Level.DISTRICT:
            names.append(node.name)
            node = node.parent
        return "·".join(reversed(names))


class Institution(models.Model):
    """福利中心, 敬老院, 救助站: where 集中供养 persons live; welfare records inspections of them."""

    class Kind(models.TextChoices):
        WELFARE_CENTRE = "welfare_centre", "社会福利服务中心"
        NURSING_HOME = "nursing_home", "敬老院"
        RESCUE_STATION = "rescue_station", "救助站"
        OTHER = "other", "其他"

    name = models.CharField("名称", max_length=100, unique=True)
    kind = models.CharField("类型", max_length=20, choices=Kind.choices)
    region = models.ForeignKey(Region, models.PROTECT, verbose_name="所在地")

    class Meta:
        verbose_name = "福利机构"
        verbose_name_plural = "福利机构"
        ordering = ["region__code", "name"]

    def __str__(self):
        return self.name


class Person(models.Model):
    class Sex(models.TextChoices):
        MALE = "M", "男"
        FEMALE = "F", "女"

    class DisabilityGrade(models.IntegerChoices):
        ONE = 1, "一级"
        TWO = 2, "二级"
        THREE = 3, "三级"
        FOUR = 4, "四级"

    name = models.CharField("姓名", max_length=50)
    id_number = models.CharField("身份证号", max_length=18, unique=True)
    birth_date = models.DateField("出生日期", editable=False)
    sex = models.CharField("性别", max_length=1, choices=Sex.choices, editable=False)
    phone = models.CharField("联系电话", max_length=20, blank=True)
    region = models.ForeignKey(
        Region,
        models.PROTECT,
        related_name="persons",
        verbose_name="户籍地",
        limit_choices_to={"level__gte": Region.Level.VILLAGE},
    )
    town = models.ForeignKey(Region, models.PROTECT, related_name="+", verbose_name="所属镇", editable=False)
    disability_grade = models.PositiveSmallIntegerField(
        "残疾等级", choices=DisabilityGrade.choices, null=True, blank=True
    )
    severe_mental_disorder = models.BooleanField("严重精神障碍患者", default=False)
    death_date = models.DateField("死亡日期", null=True, blank=True)
    # The account a person program (特困, 孤儿, 困境儿童, 残疾人两项补贴 …) pays to: the person's own,
    # or their guardian's (account_holder). Changed through change_payee_account only.
    account_holder = models.CharField("账户户名", max_length=50, blank=True)
    bank_name = models.CharField("开户银行", max_length=50, blank=True)
    bank_account = models.CharField("银行账号", max_length=32, blank=True)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    version = models.PositiveIntegerField("版本", default=1, editable=False)

    class Meta:
        verbose_name = "人员"
        verbose_name_plural = "人员"
        ordering = ["town__code", "name"]
        permissions = [
            ("view_full_id_number", "查看完整身份证号和银行账号"),
            ("reveal_id_number", "逐条查看完整身份证号（记入审计日志）"),
        ]
        indexes = [models.Index(fields=["name"])]

    def __str__(self):
        return self.name

    @property
    def masked_id(self):
        return mask_id_number(self.id_number)

    @property
    def masked_account(self):
        return mask_account(self.bank_account)

    def clean(self):
        try:
            number, birth, sex = parse_id_number(self.id_number)
        except InvalidIdNumber as exc:
            raise ValidationError({"id_number": str(exc)}) from None
        self.id_number, self.birth_date, self.sex = number, birth, sex
        if self.death_date and self.death_date < birth:
            raise ValidationError({"death_date": "死亡日期早于出生日期"})


class Household(models.Model):
    head = models.ForeignKey(Person, models.PROTECT, related_name="headed_households", verbose_name="户主")
    region = models.ForeignKey(Region, models.PROTECT, related_name="households", verbose_name="所在村（居）")
    town = models.ForeignKey(Region, models.PROTECT, related_name="+", verbose_name="所属镇", editable=False)
    area = models.CharField("城乡类别", max_length=5, choices=Area.choices)
    # The household's total monthly income is what is recorded; the per-capita figure the benefit
    # is computed from is derived from it (total ÷ persons covered, to the cent) whenever either
    # changes, so that 增人 and 减人 recompute it when approved (services.set_household_income).
    income_total = models.DecimalField("家庭月总收入（元）", max_digits=12, decimal_places=2, default=0)
    income_per_capita = models.DecimalField(
        "家庭月人均收入（元）", max_digits=10, decimal_places=2, default=0
    )
    bank_account = models.CharField("银行账号", max_length=32, blank=True)
    bank_name = models.CharField("开户银行", max_length=50, blank=True)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    version = models.PositiveIntegerField("版本", default=1, editable=False)

    class Meta:
        verbose_name = "家庭"
        verbose_name_plural = "家庭"
        ordering = ["town__code", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(income_per_capita__gte=0), name="household_income_not_negative"
            ),
        ]

    def __str__(self):
        return f"{self.head.name}户"

    @property
    def masked_account(self):
        return mask_account(self.bank_account)


class HouseholdIncome(models.Model):
    """The household's income in force from a month on (effective-dated): written by every change
    of it that the payments engine prices (an application or review approved, 增人/减人), so that a
    month is always priced with the per-capita income of that month — a payroll's arrears, a
    back-pay of months long paid — never with today's (payments/income.py)."""

    household = models.ForeignKey(Household, models.CASCADE, related_name="incomes", verbose_name="家庭")
    effective_month = models.DateField("起始月份")
    income_total = models.DecimalField("家庭月总收入（元）", max_digits=12, decimal_places=2)
    income_per_capita = models.DecimalField("家庭月人均收入（元）", max_digits=10, decimal_places=2)
    persons = models.PositiveIntegerField("共享人数")
    reason = models.CharField("原因", max_length=100, blank=True)
    recorded_at = models.DateTimeField("登记时间", auto_now=True)

    class Meta:
        verbose_name = "家庭收入记录"
        verbose_name_plural = "家庭收入记录"
        ordering = ["household", "effective_month"]
        constraints = [
            models.UniqueConstraint(
                fields=["household", "effective_month"], name="one_income_per_household_month"
            ),
            models.CheckConstraint(
                condition=Q(income_total__gte=0), name="household_income_total_not_negative"
            ),
        ]

    def __str__(self):
        return f"{self.household}自{self.effective_month:%Y年%m月}起月收入{self.income_total}元"


class Relation(models.TextChoices):
    HEAD = "head", "户主"
    SPOUSE = "spouse", "配偶"
    CHILD = "child", "子女"
    PARENT = "parent", "父母"
    GRANDCHILD = "grandchild", "孙子女"
    GRANDPARENT = "grandparent", "祖父母"
    SIBLING = "sibling", "兄弟姐妹"
    OTHER = "other", "其他"


class HouseholdMember(models.Model):
    household = models.ForeignKey(Household, models.CASCADE, related_name="members", verbose_name="家庭")
    person = models.ForeignKey(Person, models.PROTECT, related_name="memberships", verbose_name="成员")
    relation = models.CharField("与户主关系", max_length=12, choices=Relation.choices)
    joined_on = models.DateField("加入日期")
    left_on = models.DateField("离开日期", null=True, blank=True)

    class Meta:
        verbose_name = "家庭成员"
        verbose_name_plural = "家庭成员"
        ordering = ["household", "joined_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person"], condition=Q(left_on__isnull=True), name="one_current_household_per_person"
            ),
            models.CheckConstraint(
                condition=Q(left_on__isnull=True) | Q(left_on__gte=models.F("joined_on")),
                name="member_left_after_joined",
            ),
        ]

    def __str__(self):
        return f"{self.household} · {self.person.name}"


class Section(models.TextChoices):
    ASSISTANCE = "assistance", "社会救助股"
    WELFARE = "welfare", "社会福利和社会事务股"
    GRASSROOTS = "grassroots", "基层政权和社区建设股"


class Program(models.Model):
    """A benefit or service line (低保, 特困, 孤儿 …); domain apps create theirs by data migration."""

    class Unit(models.TextChoices):
        HOUSEHOLD = "household", "按户"
        PERSON = "person", "按人"

    class Cadence(models.TextChoices):
        MONTHLY = "monthly", "按月发放"
        ONE_OFF = "one_off", "一次性"

    code = models.SlugField("代码", max_length=30, unique=True)
    name = models.CharField("名称", max_length=50)
    section = models.CharField("业务股室", max_length=12, choices=Section.choices)
    unit = models.CharField("对象单位", max_length=10, choices=Unit.choices)
    cadence = models.CharField("发放方式", max_length=10, choices=Cadence.choices, default=Cadence.MONTHLY)
    order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = "救助项目"
        verbose_name_plural = "救助项目"
        ordering = ["order", "code"]

    def __str__(self):
        return self.name


class Case(models.Model):
    """A person's or a household's enrolment in a program.

    Months are first-of-month dates. start_month is the first month in payment; end_month is the
    first month no longer in payment (核减/停发月份), so a case is in payment in month m when
    start_month <= m < end_month, and stock(end) = stock(start) + added − removed by construction.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "待审批"
        ACTIVE = "active", "在保"
        REJECTED = "rejected", "已驳回"
        ENDED = "ended", "已终止"

    program = models.ForeignKey(Program, models.PROTECT, related_name="cases", verbose_name="项目")
    household = models.ForeignKey(
        Household, models.PROTECT, null=True, blank=True, related_name="cases", verbose_name="家庭"
    )
    person = models.ForeignKey(
        Person, models.PROTECT, null=True, blank=True, related_name="cases", verbose_name="人员"
    )
    town = models.ForeignKey(Region, models.PROTECT, related_name="+", verbose_name="所属镇")
    area = models.CharField("城乡类别", max_length=5, choices=Area.choices)
    category = models.CharField("类别", max_length=20, blank=True)
    care_level = models.CharField("护理等级", max_length=20, blank=True)
    institution = models.ForeignKey(
        Institution, models.PROTECT, null=True, blank=True, verbose_name="供养机构"
    )
    start_month = models.DateField("起始年月")
    end_month = models.DateField("停发年月", null=True, blank=True)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.PENDING)
    reason = models.CharField("原因", max_length=200, blank=True)
    amount = models.DecimalField("一次性金额（元）", max_digits=12, decimal_places=2, null=True, blank=True)
    event_date = models.DateField("发生日期", null=True, blank=True)
    flags = models.JSONField("标记", default=list, blank=True)
    # Recorded with the case (临时救助 "其中救助精神障碍患者"), not read from today's person record.
    mental_disorder = models.BooleanField("救助对象为严重精神障碍患者", default=False)
    next_review = models.DateField("下次复核日期", null=True, blank=True)
    # When the enrolment was approved: payrolls generated before it did not consider the case, so
    # their months are owed as arrears; payrolls after it did, so a month without a line owed nothing.
    approved_at = models.DateTimeField("批准时间", null=True, blank=True)
    # A ledger migrated from before the system: what it says was paid outside it, month by month
    # up to paid_through. Back-pay owes such a month the difference, never the full new rate.
    migrated_paid_through = models.DateField("迁移前已发放至", null=True, blank=True)
    migrated_monthly = models.DecimalField(
        "迁移前月发放额（元）", max_digits=12, decimal_places=2, null=True, blank=True
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name="经办人"
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    version = models.PositiveIntegerField("版本", default=1, editable=False)

    class Meta:
        verbose_name = "救助对象"
        verbose_name_plural = "救助对象"
        ordering = ["-start_month", "id"]
        permissions = [("approve_case", "审批救助申请、核减和复核")]
        indexes = [
            models.Index(fields=["program", "status", "start_month"]),
            models.Index(fields=["town", "program"]),
            # The lists' order: a page of 25 read from the index, not all cases sorted (×10).
            models.Index(fields=["-start_month", "id"], name="case_list_order"),
            models.Index(fields=["town", "-start_month", "id"], name="case_town_list_order"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(Q(household__isnull=False) & Q(person__isnull=True))
                | (Q(household__isnull=True) & Q(person__isnull=False)),
                name="case_is_household_xor_person",
            ),
            models.CheckConstraint(
                condition=Q(end_month__isnull=True) | Q(end_month__gt=models.F("start_month")),
                name="case_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gte=0), name="case_amount_not_negative"
            ),
        ]

    def __str__(self):
        subject = self.household if self.household_id else self.person
        return f"{self.program.name} · {subject}"

    @property
    def subject_name(self):
        return self.household.head.name if self.household_id else self.person.name


class Coverage(models.Model):
    """Who a case covers, month by month: one row per person and spell (低保 covered members; a
    person case covers its person). 新增/核减 persons are spells starting/ending in a period."""

    case = models.ForeignKey(Case, models.CASCADE, related_name="coverages", verbose_name="救助对象")
    person = models.ForeignKey(Person, models.PROTECT, related_name="coverages", verbose_name="保障人员")
    program = models.ForeignKey(Program, models.PROTECT, related_name="+", verbose_name="项目")
    exclusion_group = models.CharField(
        "互斥组",
        max_length=20,
        blank=True,
        help_text="同一互斥组内，一人同时只能有一项未结束的保障（低保与特困互斥；孤儿与困境儿童互斥）",
    )
    start_month = models.DateField("起始年月")
    end_month = models.DateField("停发年月", null=True, blank=True)
    # Ended by a recorded death (from the month after it); the 减人/核减 paperwork is still owed.
    ended_by_death = models.BooleanField("因死亡停止", default=False)

    class Meta:
        verbose_name = "保障人员"
        verbose_name_plural = "保障人员"
        ordering = ["case", "start_month", "id"]
        indexes = [
            models.Index(fields=["program", "start_month"]),
            models.Index(fields=["program", "end_month"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_month__isnull=True) | Q(end_month__gt=models.F("start_month")),
                name="coverage_ends_after_start",
            ),
            models.UniqueConstraint(fields=["case", "person", "start_month"], name="coverage_unique_spell"),
            # One open 低保 cover per person, and the exclusions of the programs' rules.
            models.UniqueConstraint(
                fields=["person", "program"],
                condition=Q(end_month__isnull=True),
                name="one_open_cover_per_program",
            ),
            models.UniqueConstraint(
                fields=["person", "exclusion_group"],
                condition=Q(end_month__isnull=True) & ~Q(exclusion_group=""),
                name="one_open_cover_per_exclusion_group",
            ),
        ]

    def __str__(self):
        return f"{self.case} · {self.person.name}"


class ApprovalStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    PENDING = "pending", "待审批"
    APPROVED = "approved", "已批准"
    REJECTED = "rejected", "已驳回"
    WITHDRAWN = "withdrawn", "已撤回"


# The status moves every submit → approve object allows, declared once. A pending batch may be
# withdrawn by its author, so that a batch nobody else may decide never blocks its month.
APPROVAL_MOVES = {
    ApprovalStatus.DRAFT: {ApprovalStatus.PENDING},
    ApprovalStatus.PENDING: {ApprovalStatus.APPROVED, ApprovalStatus.REJECTED, ApprovalStatus.WITHDRAWN},
    ApprovalStatus.APPROVED: set(),
    ApprovalStatus.REJECTED: set(),
    ApprovalStatus.WITHDRAWN: set(),
}


class Approvable(models.Model):
    """The approval fields Request, Standard and Payroll share. AUTHOR_FIELD names the field of
    the person who submitted, drafted or generated it: that person never decides it."""

    AUTHOR_FIELD = "submitted_by"

    status = models.CharField(
        "状态", max_length=10, choices=ApprovalStatus.choices, default=ApprovalStatus.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="审批人",
    )
    decided_at = models.DateTimeField("审批时间", null=True, blank=True)
    comment = models.CharField("审批意见", max_length=200, blank=True)

    class Meta:
        abstract = True

    @property
    def author_id(self):
        return getattr(self, f"{self.AUTHOR_FIELD}_id")

    def can_move_to(self, status):
        return status in APPROVAL_MOVES[ApprovalStatus(self.status)]


class Request(Approvable):
    """A submitted change to a case (enrolment, termination, 增人/减人, review outcome), decided by
    the section chief; approving it applies the change."""

    class Kind(models.TextChoices):
        ENROL = "enrol", "新申请"
        TERMINATE = "terminate", "核减（终止）"
        ADD_MEMBER = "add_member", "增人"
        REMOVE_MEMBER = "remove_member", "减人"
        REVIEW = "review", "动态复核"

    AUTHOR_FIELD = "submitted_by"

    kind = models.CharField("类型", max_length=15, choices=Kind.choices)
    case = models.ForeignKey(Case, models.PROTECT, related_name="requests", verbose_name="救助对象")
    effective_month = models.DateField("生效年月")
    person = models.ForeignKey(
        Person, models.PROTECT, null=True, blank=True, related_name="+", verbose_name="涉及人员"
    )
    data = models.JSONField("内容", default=dict, blank=True)
    reason = models.CharField("事由", max_length=200, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name="提交人"
    )
    submitted_at = models.DateTimeField("提交时间", auto_now_add=True)

    class Meta:
        verbose_name = "业务申请"
        verbose_name_plural = "业务申请"
        ordering = ["-submitted_at", "-id"]
        indexes = [models.Index(fields=["status", "kind"])]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.case}"


class AccountChange(Approvable):
    """A change of the account a payee is paid to, while the payee is in a pending or approved
    payroll: it waits for the section chief, since a new account diverts every later payment."""

    person = models.ForeignKey(
        Person, models.PROTECT, null=True, blank=True, related_name="account_changes", verbose_name="人员"
    )
    household = models.ForeignKey(
        Household, models.PROTECT, null=True, blank=True, related_name="account_changes", verbose_name="家庭"
    )
    section = models.CharField("审批股室", max_length=12, choices=Section.choices)
    account_holder = models.CharField("账户户名", max_length=50, blank=True)
    bank_name = models.CharField("开户银行", max_length=50)
    bank_account = models.CharField("银行账号", max_length=32)
    previous = models.JSONField("变更前", default=dict)
    reason = models.CharField("变更原因", max_length=200)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name="经办人"
    )
    submitted_at = models.DateTimeField("提交时间", auto_now_add=True)

    class Meta:
        verbose_name = "收款账户变更"
        verbose_name_plural = "收款账户变更"
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(household__isnull=False) & Q(person__isnull=True))
                | (Q(household__isnull=True) & Q(person__isnull=False)),
                name="account_change_is_household_xor_person",
            ),
        ]

    def __str__(self):
        return f"{self.payee_name}的收款账户变更"

    @property
    def payee_name(self):
        return self.household.head.name if self.household_id else self.person.name

    @property
    def masked_account(self):
        return mask_account(self.bank_account)


class Standard(Approvable):
    """An effective-dated rate (保障标准) of a program and category, proposed then approved."""

    class Basis(models.TextChoices):
        MONTHLY = "monthly", "元/人/月"
        ANNUAL = "annual", "元/人/年"

    AUTHOR_FIELD = "drafted_by"

    program = models.ForeignKey(Program, models.PROTECT, related_name="standards", verbose_name="项目")
    category = models.CharField("类别", max_length=20)
    amount = models.DecimalField("标准（元）", max_digits=10, decimal_places=2)
    basis = models.CharField("计量", max_length=10, choices=Basis.choices, default=Basis.MONTHLY)
    subsidy_level = models.DecimalField(
        "补差水平（元/人/月）", max_digits=10, decimal_places=2, null=True, blank=True
    )
    effective_from = models.DateField("生效日期")
    document = models.CharField("依据文号", max_length=100, blank=True)
    note = models.CharField("说明", max_length=200, blank=True)
    drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name="拟稿人"
    )
    drafted_at = models.DateTimeField("拟稿时间", auto_now_add=True)

    class Meta:
        verbose_name = "保障标准"
        verbose_name_plural = "保障标准"
        ordering = ["program", "category", "-effective_from"]
        permissions = [("approve_standard", "审批保障标准")]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="standard_amount_not_negative"),
            models.UniqueConstraint(
                fields=["program", "category", "effective_from"],
                condition=Q(status="approved"),
                name="one_approved_standard_per_date",
            ),
        ]

    def __str__(self):
        return f"{self.program.name}（{self.category}）{self.amount}{self.get_basis_display()}，{self.effective_from}起"


class Payroll(Approvable):
    """A monthly payroll (发放花名册) of a program, a back-pay batch (补发) for an approved standard,
    or a correction (更正) of a month already paid: locked payrolls never change, so later
    corrections are payment lines of their own, approved like a payroll."""

    class Kind(models.TextChoices):
        MONTHLY = "monthly", "月度发放"
        BACKPAY = "backpay", "提标补发"
        CORRECTION = "correction", "更正"

    AUTHOR_FIELD = "created_by"

    program = models.ForeignKey(Program, models.PROTECT, related_name="payrolls", verbose_name="项目")
    kind = models.CharField("类型", max_length=10, choices=Kind.choices, default=Kind.MONTHLY)
    month = models.DateField("发放年月")
    standard = models.ForeignKey(
        Standard,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="backpay_payrolls",
        verbose_name="补发依据标准",
    )
    note = models.CharField("说明", max_length=200, blank=True)
    total = models.DecimalField("合计（元）", max_digits=14, decimal_places=2, default=0)
    line_count = models.PositiveIntegerField("笔数", default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name="生成人"
    )
    created_at = models.DateTimeField("生成时间", auto_now_add=True)

    class Meta:
        verbose_name = "发放名册"
        verbose_name_plural = "发放名册"
        ordering = ["-month", "program"]
        permissions = [("approve_payroll", "审批发放名册和补发")]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "month"],
                condition=Q(kind="monthly", status__in=["pending", "approved"]),
                name="one_monthly_payroll_per_program_month",
            ),
            models.UniqueConstraint(
                fields=["standard"],
                condition=Q(kind="backpay", status="pending"),
                name="one_pending_backpay_per_standard",
            ),
        ]

    def __str__(self):
        return f"{self.program.name} {self.month:%Y年%m月}{self.get_kind_display()}"

    @property
    def locked(self):
        return self.status == ApprovalStatus.APPROVED


class PaymentLineQuerySet(models.QuerySet):
    """Which lines count. Paid: approved batches, and one-off relief paid on approval (no batch).
    Live: paid or still awaiting approval — what a new batch must not pay again."""

    def paid(self):
        return self.filter(Q(payroll__isnull=True) | Q(payroll__status=ApprovalStatus.APPROVED))

    def live(self):
        return self.filter(
            Q(payroll__isnull=True) | Q(payroll__status__in=[ApprovalStatus.PENDING, ApprovalStatus.APPROVED])
        )


class PaymentLine(models.Model):
    class Kind(models.TextChoices):
        REGULAR = "regular", "正常发放"
        BACKPAY = "backpay", "补发"
        CORRECTION = "correction", "更正"
        ONE_OFF = "one_off", "一次性救助"

    class Item(models.TextChoices):
        BASIC = "basic", "基本生活"
        CARE = "care", "护理补贴"
        ALLOWANCE = "allowance", "补贴"

    payroll = models.ForeignKey(
        Payroll, models.PROTECT, null=True, blank=True, related_name="lines", verbose_name="名册"
    )
    case = models.ForeignKey(Case, models.PROTECT, related_name="payments", verbose_name="救助对象")
    program = models.ForeignKey(Program, models.PROTECT, related_name="+", verbose_name="项目")
    town = models.ForeignKey(Region, models.PROTECT, related_name="+", verbose_name="所属镇")
    month = models.DateField("所属年月")
    paid_month = models.DateField("发放年月")
    kind = models.CharField("类型", max_length=10, choices=Kind.choices, default=Kind.REGULAR)
    item = models.CharField("项目", max_length=10, choices=Item.choices, default=Item.BASIC)
    amount = models.DecimalField("金额（元）", max_digits=12, decimal_places=2)
    standard = models.ForeignKey(
        Standard, models.PROTECT, null=True, blank=True, related_name="+", verbose_name="适用标准"
    )
    persons = models.PositiveSmallIntegerField("保障人数", default=1)
    income = models.DecimalField("计算所用月人均收入", max_digits=10, decimal_places=2, null=True, blank=True)
    # The payee as it stood when the line was generated: the bank file reads the line, so a later
    # change of account never redirects a batch already generated.
    payee = models.CharField("收款人", max_length=50, blank=True)
    bank_name = models.CharField("开户银行", max_length=50, blank=True)
    bank_account = models.CharField("银行账号", max_length=32, blank=True)

    objects = PaymentLineQuerySet.as_manager()

    class Meta:
        verbose_name = "发放明细"
        verbose_name_plural = "发放明细"
        ordering = ["-paid_month", "case"]
        indexes = [
            models.Index(fields=["program", "paid_month"]),
            models.Index(fields=["case", "month"]),
            models.Index(fields=["town", "program", "paid_month"]),
            # A payroll's page of lines, in the order its page shows them (payroll detail).
            models.Index(fields=["payroll", "town", "case", "month"], name="paymentline_payroll_page"),
        ]

    def __str__(self):
        return f"{self.case} {self.month:%Y-%m} {self.amount}"


class Project(models.Model):
    """A funded project (救助站改造, 居家养老服务中心, 幸福计划, 社区综合服务场所 …), used by welfare
    and grassroots alike."""

    class Status(models.TextChoices):
        PLANNED = "planned", "筹备"
        APPROVED = "approved", "已立项"
        IN_PROGRESS = "in_progress", "建设中"
        DONE = "done", "已完成"
        IN_USE = "in_use", "已投入使用"

    section = models.CharField("业务股室", max_length=12, choices=Section.choices)
    kind = models.CharField("项目类别", max_length=30)
    name = models.CharField("名称", max_length=100)
    region = models.ForeignKey(Region, models.PROTECT, verbose_name="地点")
    place = models.CharField("详细地址", max_length=200, blank=True)
    budget = models.DecimalField("预算（元）", max_digits=14, decimal_places=2, default=0)
    funds_secured = models.DecimalField("已落实资金（元）", max_digits=14, decimal_places=2, default=0)
    funds_spent = models.DecimalField("已支出资金（元）", max_digits=14, decimal_places=2, default=0)
    land_area = models.DecimalField("土地面积（㎡）", max_digits=10, decimal_places=2, null=True, blank=True)
    floor_area = models.DecimalField("建筑面积（㎡）", max_digits=10, decimal_places=2, null=True, blank=True)
    started_on = models.DateField("开始日期", null=True, blank=True)
    expected_on = models.DateField("预计完成日期", null=True, blank=True)
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.PLANNED)
    note = models.TextField("说明", blank=True)

    class Meta:
        verbose_name = "资金项目"
        verbose_name_plural = "资金项目"
        ordering = ["section", "kind", "name"]

    def __str__(self):
        return self.name


class Milestone(models.Model):
    project = models.ForeignKey(Project, models.CASCADE, related_name="milestones", verbose_name="项目")
    name = models.CharField("节点", max_length=100)
    done_on = models.DateField("完成日期", null=True, blank=True)

    class Meta:
        verbose_name = "项目节点"
        verbose_name_plural = "项目节点"
        ordering = ["project", "done_on", "id"]

    def __str__(self):
        return self.name


class Activity(models.Model):
    """A counted activity (宣传 场次, 检查, 招聘 …) with kind, quantity, unit and date."""

    section = models.CharField("业务股室", max_length=12, choices=Section.choices)
    kind = models.CharField("活动类别", max_length=40)
    quantity = models.DecimalField("数量", max_digits=14, decimal_places=2)
    unit = models.CharField("单位", max_length=10)
    date = models.DateField("日期")
    region = models.ForeignKey(Region, models.PROTECT, null=True, blank=True, verbose_name="地点")
    project = models.ForeignKey(
        Project, models.PROTECT, null=True, blank=True, related_name="activities", verbose_name="所属项目"
    )
    note = models.CharField("说明", max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name="登记人"
    )

    class Meta:
        verbose_name = "工作记录"
        verbose_name_plural = "工作记录"
        ordering = ["-date", "id"]
        indexes = [models.Index(fields=["section", "kind", "date"])]

    def __str__(self):
        return f"{self.kind} {self.quantity}{self.unit}"


class AuditQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("审计日志不可修改")

    def delete(self):
        raise PermissionError("审计日志不可删除")

    def bulk_update(self, *args, **kwargs):
        raise PermissionError("审计日志不可修改")


class AuditEvent(models.Model):
    """Append-only audit log (等保: kept at least 6 months, editable by nobody)."""

    at = models.DateTimeField("时间", default=timezone.now, db_index=True)
    # PROTECT: an account that has acted is deactivated, never deleted, so its events stay whole.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="操作人",
    )
    actor_name = models.CharField("操作人账号", max_length=150, blank=True)
    action = models.CharField("操作", max_length=40, db_index=True)
    object_type = models.CharField("对象类型", max_length=50, blank=True)
    object_id = models.CharField("对象编号", max_length=40, blank=True)
    object_repr = models.CharField("对象", max_length=200, blank=True)
    changes = models.JSONField("变更内容", default=dict, blank=True)
    address = models.GenericIPAddressField("IP地址", null=True, blank=True)
    # Hash chain (civaffairs/audit.py): each event's hash covers its content and the previous
    # event's hash, so an altered or removed row breaks the chain (`manage.py verify_audit`).
    prev_hash = models.CharField("上一条哈希", max_length=64, blank=True, editable=False)
    hash = models.CharField("哈希", max_length=64, blank=True, editable=False)

    objects = AuditQuerySet.as_manager()

    class Meta:
        verbose_name = "审计日志"
        verbose_name_plural = "审计日志"
        ordering = ["-at", "-id"]
        default_permissions = ("view",)

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.action} {self.object_repr}"

    def save(self, *args, **kwargs):
        # Immutability is an invariant of the table, not business logic: only inserts pass.
        if self.pk is not None and not kwargs.get("force_insert"):
            raise PermissionError("审计日志不可修改")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("审计日志不可删除")


class UserScope(models.Model):
    """Binds an account to a town (caseworker) or a section (chief); no row means district-wide."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="scope", verbose_name="账号"
    )
    town = models.ForeignKey(
        Region,
        models.PROTECT,
        null=True,
        blank=True,
        verbose_name="所属镇",
        limit_choices_to={"level": Region.Level.TOWN},
    )
    section = models.CharField("业务股室", max_length=12, choices=Section.choices, blank=True)

    class Meta:
        verbose_name = "账号范围"
        verbose_name_plural = "账号范围"

    def __str__(self):
        return f"{self.user} · {self.town or '全区'} · {self.get_section_display() or ''}"


class AccountSecurity(models.Model):
    """Per-account security state: a password set by an admin must be changed at the next login,
    and the hashes of the last passwords, which may not be reused."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="security", verbose_name="账号"
    )
    must_change_password = models.BooleanField("下次登录须修改密码", default=False)
    password_history = models.JSONField("历史密码（哈希）", default=list, blank=True)

    class Meta:
        verbose_name = "账号安全"
        verbose_name_plural = "账号安全"
        default_permissions = ()

    def __str__(self):
        return str(self.user)


class AccessGrant(Approvable):
    """A request to give an account a role and a scope (town or section). A role that sees
    beneficiary data, or a change of town or section, takes effect only when the director approves
    it (civaffairs/accounts.py); until then the account has no such role."""

    AUTHOR_FIELD = "requested_by"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="access_grants", verbose_name="账号"
    )
    role = models.CharField("角色", max_length=20, blank=True)
    town = models.ForeignKey(
        Region,
        models.PROTECT,
        null=True,
        blank=True,
        verbose_name="所属镇",
        limit_choices_to={"level": Region.Level.TOWN},
    )
    section = models.CharField("业务股室", max_length=12, choices=Section.choices, blank=True)
    reason = models.CharField("申请理由", max_length=200)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name="申请人"
    )
    requested_at = models.DateTimeField("申请时间", auto_now_add=True)

    class Meta:
        verbose_name = "账号授权申请"
        verbose_name_plural = "账号授权申请"
        ordering = ["-requested_at", "-id"]
        permissions = [("approve_accessgrant", "审批账号授权申请")]
        default_permissions = ("add", "view")

    def __str__(self):
        return f"{self.user} · {self.role or '无角色'}"


class Job(models.Model):
    """A background job (civaffairs/jobs.py): long work — a payroll, a back-pay batch, its preview —
    run by a worker outside the web request, with its progress, its outcome in Chinese and a link
    to its result. One live job per object: `target` names what it works on (a standard, a
    program's month), and a second job for the same target cannot be queued while one is queued or
    running (the database refuses it)."""

    class Kind(models.TextChoices):
        PAYROLL = "payroll", "生成发放名册"
        BACKPAY = "backpay", "生成提标补发"
        BACKPAY_PREVIEW = "backpay_preview", "计算应补发金额"
        ROSTER = "roster", "导入花名册"
        EXPORT = "export", "导出银行代发表"

    class Status(models.TextChoices):
        QUEUED = "queued", "排队中"
        RUNNING = "running", "进行中"
        SUCCEEDED = "succeeded", "已完成"
        FAILED = "failed", "失败"

    LIVE = [Status.QUEUED, Status.RUNNING]
    PAYMENT_KINDS = [Kind.PAYROLL, Kind.BACKPAY, Kind.BACKPAY_PREVIEW]

    kind = models.CharField("任务类型", max_length=20, choices=Kind.choices)
    target = models.CharField("办理对象", max_length=80)
    label = models.CharField("任务", max_length=200)
    program = models.ForeignKey(
        Program, models.PROTECT, null=True, blank=True, related_name="+", verbose_name="项目"
    )
    standard = models.ForeignKey(
        Standard, models.PROTECT, null=True, blank=True, related_name="+", verbose_name="标准"
    )
    params = models.JSONField("参数", default=dict, blank=True)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.QUEUED)
    stage = models.CharField("当前步骤", max_length=40, blank=True)
    done = models.PositiveIntegerField("已完成", default=0)
    total = models.PositiveIntegerField("总数", default=0)
    message = models.TextField("结果", blank=True)
    error = models.TextField("错误", blank=True)
    result = models.JSONField("结果数据", default=dict, blank=True)
    result_url = models.CharField("结果链接", max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name="提交人"
    )
    created_at = models.DateTimeField("提交时间", auto_now_add=True)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)
    heartbeat = models.DateTimeField("最近进展", null=True, blank=True)
    # The uploaded file an import job reads (in the database, so a worker on another machine has
    # it); emptied when the job ends.
    payload = models.BinaryField("上传文件", null=True, blank=True, editable=False)
    # The file an export job wrote (in the database, for the same reason), downloaded from the
    # job's page by its starter only, each download audited (job_views.job_download).
    output = models.BinaryField("结果文件", null=True, blank=True, editable=False)
    output_name = models.CharField("结果文件名", max_length=200, blank=True)

    class Meta:
        verbose_name = "后台任务"
        verbose_name_plural = "后台任务"
        ordering = ["-created_at", "-id"]
        default_permissions = ("view",)
        constraints = [
            models.UniqueConstraint(
                fields=["target"],
                condition=Q(status__in=["queued", "running"]),
                name="one_live_job_per_target",
            )
        ]
        indexes = [models.Index(fields=["target", "-created_at"], name="job_target_recent")]

    def __str__(self):
        return self.label

    @property
    def live(self):
        return self.status in self.LIVE

    @property
    def percent(self):
        if self.status == self.Status.SUCCEEDED:
            return 100
        return int(self.done * 100 / self.total) if self.total else 0
