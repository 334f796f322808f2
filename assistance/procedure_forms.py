"""Forms of the 低保 / 特困 procedure's steps (assistance/services/procedure.py)."""

from django import forms

from civaffairs.forms import HouseholdRegistrationForm, income_field
from civaffairs.models import Institution

from . import programs as P
from .forms import MonthField
from .models import RelativeRecord, VerificationCheck
from .services.procedure import MATERIALS


def _date(label, required=True):
    return forms.DateField(label=label, required=required, widget=forms.DateInput(attrs={"type": "date"}))


def _materials():
    return forms.MultipleChoiceField(
        label="已收材料", choices=MATERIALS, required=False, widget=forms.CheckboxSelectMultiple
    )


def _scan(label):
    return forms.FileField(
        label=label,
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}),
        help_text="PDF、JPG 或 PNG，不超过 10 MB",
    )


class ScansMixin:
    SCANS = [
        ("application", "申请书扫描件"),
        ("identity", "身份证和户口簿扫描件"),
        ("consent", "核对授权书扫描件"),
        ("proof", "证明材料扫描件"),
    ]

    def add_scans(self):
        for kind, label in self.SCANS:
            self.fields[f"scan_{kind}"] = _scan(label)

    def scans(self):
        return [
            (kind, self.cleaned_data[f"scan_{kind}"])
            for kind, _ in self.SCANS
            if self.cleaned_data.get(f"scan_{kind}")
        ]


class AcceptForm(ScansMixin, forms.Form):
    received_on = _date("收件日期")
    materials = _materials()

    def __init__(self, *args, program, household=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.program = program
        if program == P.DIBAO:
            self.fields["income"] = income_field()
            # Shown, not prefilled: the application is assessed on the income as checked now, and
            # a recorded 0 (the model's default) must not pass unnoticed.
            self.fields["income"].help_text = f"登记的收入：{household.income_per_capita} 元"
            self.fields["covered"] = forms.MultipleChoiceField(
                label="保障人员", widget=forms.CheckboxSelectMultiple
            )
            members = household.members.filter(left_on__isnull=True).select_related("person")
            self.fields["covered"].choices = [
                (str(m.person_id), f"{m.person.name}（{m.get_relation_display()}）") for m in members
            ]
            self.fields["covered"].initial = [str(m.person_id) for m in members]
            self.fields["category"] = forms.ChoiceField(label="复核类别", choices=P.CASE_CATEGORIES[P.DIBAO])
        else:
            self.fields["category"] = forms.ChoiceField(label="供养方式", choices=P.CASE_CATEGORIES[P.TEKUN])
            self.fields["care_level"] = forms.ChoiceField(label="自理能力", choices=P.CARE_LEVELS)
            self.fields["institution"] = forms.ModelChoiceField(
                label="供养机构（集中供养）", queryset=Institution.objects.all(), required=False
            )
        self.fields["reason"] = forms.CharField(label="申请事由", max_length=200, required=False)
        self.add_scans()


class NewHouseholdAcceptForm(ScansMixin, HouseholdRegistrationForm):
    """低保申请（新家庭）: the household's registration and the acceptance (受理) of its application
    in one form; the members' rows come from the household formset."""

    received_on = _date("收件日期")
    materials = _materials()
    category = forms.ChoiceField(label="复核类别", choices=P.CASE_CATEGORIES[P.DIBAO])
    reason = forms.CharField(label="申请事由", max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_scans()


class MaterialsForm(ScansMixin, forms.Form):
    on = _date("受理日期（材料补齐之日）")
    materials = _materials()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_scans()


class VerificationForm(forms.Form):
    checked_on = _date("核对日期")
    source = forms.CharField(label="数据来源", max_length=100, initial="云安区居民家庭经济状况核对中心")
    recheck = forms.BooleanField(label="复查（申请人对核对结果有异议）", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for item, label in VerificationCheck.Item.choices:
            self.fields[f"{item}_amount"] = forms.DecimalField(
                label=f"{label}：金额（元）", required=False, min_value=0, max_digits=14, decimal_places=2
            )
            self.fields[f"{item}_verdict"] = forms.ChoiceField(
                label=f"{label}：结论",
                required=False,
                choices=[("", "未核对")] + list(VerificationCheck.Verdict.choices),
            )

    def checks(self):
        d = self.cleaned_data
        return [
            {
                "item": item,
                "source": d["source"],
                "checked_on": d["checked_on"],
                "amount": d[f"{item}_amount"],
                "verdict": d[f"{item}_verdict"],
            }
            for item, _ in VerificationCheck.Item.choices
            if d.get(f"{item}_verdict")
        ]


INCOME_SOURCES = [
    ("wage", "工资性收入"),
    ("business", "经营净收入"),
    ("property", "财产净收入"),
    ("transfer", "转移净收入"),
]


class HomeVisitForm(forms.Form):
    visited_on = _date("调查日期")
    investigator_1 = forms.CharField(label="调查人员一", max_length=20, required=False)
    investigator_2 = forms.CharField(label="调查人员二", max_length=20, required=False)
    investigator_3 = forms.CharField(label="调查人员三（可选）", max_length=20, required=False)
    property = forms.CharField(label="财产状况", widget=forms.Textarea(attrs={"rows": 2}), required=False)
    living = forms.CharField(label="生活状况", widget=forms.Textarea(attrs={"rows": 2}), required=False)
    applicant_signed = forms.BooleanField(label="申请人已在家庭经济状况核查表上签字确认", required=False)
    signature = _scan("签字页扫描件")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for key, label in INCOME_SOURCES:
            self.fields[f"income_{key}"] = forms.DecimalField(
                label=f"{label}（元/月）", required=False, min_value=0, max_digits=12, decimal_places=2
            )

    def investigators(self):
        return [self.cleaned_data[f"investigator_{i}"] for i in (1, 2, 3)]

    def income(self):
        return {
            label: self.cleaned_data[f"income_{key}"]
            for key, label in INCOME_SOURCES
            if self.cleaned_data.get(f"income_{key}") is not None
        }


class AppraisalForm(forms.Form):
    held_on = _date("评议日期")
    due = forms.IntegerField(label="应到人数", min_value=0)
    attended = forms.IntegerField(label="实到人数", min_value=0)
    agreed = forms.IntegerField(label="同意人数", min_value=0)
    minutes = forms.CharField(label="评议记录", widget=forms.Textarea(attrs={"rows": 3}))


class ReasonForm(forms.Form):
    reason = forms.CharField(label="延期理由", max_length=200)


class TownReviewForm(forms.Form):
    # No answer chosen in advance: the reviewer picks the conclusion deliberately.
    recommends = forms.ChoiceField(
        label="审核结论",
        choices=[("", "请选择"), ("yes", "符合条件，建议批准"), ("no", "不符合条件，建议不予批准")],
        error_messages={"required": "请选择审核结论"},
    )
    opinion = forms.CharField(label="审核意见", widget=forms.Textarea(attrs={"rows": 3}))


class NoticeStartForm(forms.Form):
    starts_on = _date("公示开始日期")
    ends_on = _date("公示结束日期")
    # Shown, never taken from the post: the notice posts what approval would pay.
    amount = forms.DecimalField(
        label="拟保障金额（元/月，按审批后发放金额计算）", required=False, disabled=True
    )


class ObjectionForm(forms.Form):
    received_on = _date("收到日期")
    content = forms.CharField(label="异议内容", widget=forms.Textarea(attrs={"rows": 2}))
    reopens = forms.BooleanField(label="异议需核实：重新核对家庭经济状况", required=False, initial=True)


class SpotCheckForm(forms.Form):
    month = MonthField(label="抽查月份（镇审核完成的月份）")
    seed = forms.CharField(label="随机种子（留空自动生成）", max_length=64, required=False)


class RelativeForm(forms.Form):
    id_number = forms.CharField(label="备案人员身份证号", max_length=18)
    official_name = forms.CharField(label="工作人员/干部姓名", max_length=50)
    official_role = forms.ChoiceField(label="职务类别", choices=RelativeRecord.Role.choices)
    relation = forms.CharField(label="亲属关系", max_length=20)


class VerificationImportForm(forms.Form):
    file = forms.FileField(label="核对中心反馈（XLSX）")
