from django import forms
from django.core.exceptions import ValidationError

from civaffairs.models import Institution, Program
from civaffairs.money import format_money
from civaffairs.periods import InvalidPeriod, parse_month

from . import programs as P
from .services import REVIEW_OUTCOMES


class MonthField(forms.CharField):
    widget = forms.TextInput(attrs={"type": "month", "placeholder": "2019-07"})

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 10)
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        try:
            return parse_month(value)
        except InvalidPeriod as exc:
            raise ValidationError(str(exc)) from None


def _choices(pairs, blank=True):
    return ([("", "——")] if blank else []) + list(pairs)


class PersonApplicationForm(forms.Form):
    # 特困 is not among them: its applications go through the statutory procedure (受理特困申请).
    program = forms.ModelChoiceField(
        label="救助项目",
        queryset=Program.objects.filter(section="assistance", unit="person").exclude(code=P.TEKUN),
        empty_label="（请选择）",
    )
    category = forms.ChoiceField(
        label="供养方式",
        required=False,
        choices=_choices([(P.DISPERSED, "分散供养 / 散居"), (P.CENTRALIZED, "集中供养")]),
    )
    care_level = forms.ChoiceField(label="自理能力（特困）", required=False, choices=_choices(P.CARE_LEVELS))
    institution = forms.ModelChoiceField(
        label="供养机构（集中供养）",
        queryset=Institution.objects.all(),
        required=False,
        empty_label="（不填）",
    )
    start_month = MonthField(label="起始年月（按月发放的项目）", required=False)
    event_date = forms.DateField(
        label="救助日期（临时救助）", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    amount = forms.DecimalField(
        label="救助金额（临时救助，元）", required=False, min_value=0, max_digits=12, decimal_places=2
    )
    mental = forms.BooleanField(label="救助对象为严重精神障碍患者", required=False)
    urgent = forms.BooleanField(
        label="急难型临时救助：先行救助，手续在5个工作日内补齐",
        required=False,
        help_text="勾选后审批即可发放；补齐手续作为一个环节跟踪办理期限",
    )
    reason = forms.CharField(label="申请事由", max_length=200, required=False)

    def clean(self):
        d = super().clean()
        program = d.get("program")
        if d.get("urgent") and program is not None and program.code != P.TEMP_RELIEF:
            self.add_error("urgent", "先行救助仅适用于急难型临时救助")
        return d


class TerminationForm(forms.Form):
    effective_month = MonthField(label="停发年月（自该月起停发）")
    reason = forms.CharField(label="核减原因", max_length=200)


class MemberChangeForm(forms.Form):
    # No default: a form that opens on 增人 of the household head invites the wrong change.
    change = forms.ChoiceField(label="变更", choices=_choices([("add", "增人"), ("remove", "减人")]))
    person = forms.ChoiceField(label="人员")
    effective_month = MonthField(label="生效年月")
    income_total = forms.DecimalField(
        label="变更后家庭月总收入（元，选填）",
        required=False,
        min_value=0,
        max_digits=12,
        decimal_places=2,
        help_text="收入随人员变化（如减少的成员有收入）时填写；空白则按原月总收入重新计算人均收入",
    )
    reason = forms.CharField(label="事由", max_length=200, required=False)

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        # Current members (增人) and everyone still covered, including members who have moved out
        # of the household since (减人).
        # Each is labelled with where they stand, so that 增人 and 减人 pick the right one.
        people = {}
        if case.household_id:
            for m in case.household.members.filter(left_on__isnull=True).select_related("person"):
                people[m.person_id] = f"{m.person.name}（未纳入保障，可增人）"
            for c in case.coverages.filter(end_month__isnull=True).select_related("person"):
                people[c.person_id] = f"{c.person.name}（保障中，可减人）"
        self.fields["person"].choices = _choices(people.items())


class ReviewForm(forms.Form):
    outcome = forms.ChoiceField(label="复核结论", choices=REVIEW_OUTCOMES)
    effective_month = MonthField(label="生效年月")
    income_total = forms.DecimalField(
        label="复核后家庭月总收入（元，调整金额时填写）",
        required=False,
        min_value=0,
        max_digits=12,
        decimal_places=2,
        help_text="填写核实的全家月总收入；月人均收入由系统按保障人数计算",
    )
    reason = forms.CharField(label="复核情况", max_length=200, required=False)

    def __init__(self, *args, household=None, **kwargs):
        super().__init__(*args, **kwargs)
        if household is not None:
            self.fields["income_total"].help_text = (
                f"现登记家庭月总收入 {format_money(household.income_total)} 元；"
                "填写核实的全家月总收入，月人均收入由系统按保障人数计算"
            )


class CorrectionForm(forms.Form):
    month = MonthField(label="所属年月")
    item = forms.ChoiceField(label="发放项目", choices=[])
    amount = forms.DecimalField(label="更正金额（元，扣回填负数）", max_digits=12, decimal_places=2)
    reason = forms.CharField(label="更正原因", max_length=150)

    def __init__(self, *args, items, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].choices = items


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", "批准"), ("reject", "驳回")])
    comment = forms.CharField(label="审批意见", max_length=200, required=False)


def standard_category_choices():
    out = []
    for code, cats in P.STANDARD_CATEGORIES.items():
        for category, label, basis in cats:
            unit = "元/人/年" if basis == "annual" else "元/人/月"
            out.append((f"{code}:{category}", f"{P.PROGRAM_NAMES[code]} · {label}（{unit}）"))
    return out


class StandardForm(forms.Form):
    key = forms.ChoiceField(label="项目与类别", choices=standard_category_choices)
    amount = forms.DecimalField(label="标准（元）", min_value=0, max_digits=10, decimal_places=2)
    subsidy_level = forms.DecimalField(
        label="补差水平（低保，元/人/月）", required=False, min_value=0, max_digits=10, decimal_places=2
    )
    # Standards take effect from the first day of a month: the form offers a year and month.
    effective_from = MonthField(label="生效年月")
    document = forms.CharField(label="依据文号", max_length=100, required=False)
    note = forms.CharField(label="说明", max_length=200, required=False)


class PayrollGenerateForm(forms.Form):
    program = forms.ModelChoiceField(
        label="项目",
        queryset=Program.objects.filter(section="assistance", cadence="monthly"),
        empty_label="（请选择）",
    )
    month = MonthField(label="发放年月")


class NoticeForm(forms.Form):
    village = forms.ModelChoiceField(label="村（居）委", queryset=None, empty_label="（请选择）")
    month = MonthField(label="年月")

    def __init__(self, *args, villages, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].queryset = villages


class ImportForm(forms.Form):
    file = forms.FileField(label="花名册（XLSX）")
    approve = forms.BooleanField(label="按已审批台账迁移（由股长导入时直接批准）", required=False)
