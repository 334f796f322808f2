from django import forms

from civaffairs.forms import RegionChoiceField, VillageSelect
from civaffairs.models import Project, Region
from civaffairs.periods import InvalidPeriod, parse_month

from .labels import PROJECT_KINDS
from .models import ClueForm, OrgKind, SocialWorkStation, SupervisorMember, VillageRule

DATE = forms.DateInput(attrs={"type": "date"})


def date_field(label, required=True):
    return forms.DateField(
        label=label,
        required=required,
        widget=DATE,
        error_messages={"required": f"请填写{label}", "invalid": f"{label}格式不正确"},
    )


def committees():
    return Region.objects.filter(level=Region.Level.VILLAGE).select_related("town", "parent").order_by("code")


def towns():
    return Region.objects.filter(level=Region.Level.TOWN).order_by("code")


def committee_field(label="村（居）委"):
    return RegionChoiceField(
        queryset=committees(), label=label, error_messages={"required": f"请选择{label}"}
    )


def village_or_natural_field(label="村（居）委或自然村"):
    return RegionChoiceField(
        queryset=Region.objects.filter(level__in=[Region.Level.VILLAGE, Region.Level.NATURAL]).select_related(
            "town", "parent"
        ),
        label=label,
        widget=VillageSelect(),
        error_messages={"required": f"请选择{label}", "invalid_choice": "未知的村，请从列表中选择"},
    )


class MemberForm(forms.Form):
    name = forms.CharField(label="姓名", max_length=50)
    id_number = forms.CharField(label="身份证号", max_length=18)
    phone = forms.CharField(label="联系电话", max_length=20, required=False)
    committee = committee_field()
    role = forms.ChoiceField(label="职务", choices=SupervisorMember.Role.choices)
    term_start = date_field("任期开始")
    term_end = date_field("任期结束", required=False)
    bank_name = forms.CharField(label="开户银行", max_length=50)
    bank_account = forms.CharField(label="银行账号", max_length=32)


class EndTermForm(forms.Form):
    term_end = date_field("任期结束")


class MonthField(forms.CharField):
    widget = forms.TextInput(attrs={"type": "month", "placeholder": "2019-07"})

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        try:
            return parse_month(value)
        except InvalidPeriod as exc:
            raise forms.ValidationError(str(exc)) from None


class StandardForm(forms.Form):
    amount = forms.DecimalField(label="补贴标准（元/人/月）", min_value=0, max_digits=10, decimal_places=2)
    effective_from = MonthField(
        label="生效年月", max_length=10, error_messages={"required": "请填写生效年月"}
    )
    document = forms.CharField(label="依据文号", max_length=100, required=False)
    note = forms.CharField(label="说明", max_length=200, required=False)


class PayrollGenerateForm(forms.Form):
    month = MonthField(label="发放年月", max_length=10, error_messages={"required": "请填写发放年月"})


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", "批准"), ("reject", "驳回")])
    comment = forms.CharField(max_length=200, required=False)


class StationForm(forms.Form):
    name = forms.CharField(label="名称", max_length=100)
    town = forms.ModelChoiceField(
        label="所属镇",
        queryset=towns(),
        empty_label="（请选择）",
        error_messages={"required": "请选择所属镇"},
    )
    address = forms.CharField(label="地址", max_length=200, required=False)
    established_on = date_field("建站日期")


class OpenStationForm(forms.Form):
    opened_on = date_field("投入运营日期")


class WorkerForm(forms.Form):
    name = forms.CharField(label="姓名", max_length=50)
    station = forms.ModelChoiceField(
        label="所属社工站", queryset=SocialWorkStation.objects.all(), empty_label="（请选择）"
    )
    hired_on = date_field("招聘日期")
    starts_on = date_field("上岗日期", required=False)
    phone = forms.CharField(label="联系电话", max_length=20, required=False)


class ProjectForm(forms.Form):
    kind = forms.ChoiceField(label="项目类别", choices=[("", "（请选择）")] + list(PROJECT_KINDS.items()))
    region = RegionChoiceField(
        label="地点（镇或村）",
        queryset=Region.objects.filter(level__in=[Region.Level.TOWN, Region.Level.VILLAGE])
        .select_related("town", "parent")
        .order_by("code"),
    )
    place = forms.CharField(label="具体场所（如区福利中心）", max_length=200, required=False)
    funds = forms.DecimalField(label="落实资金（元）", min_value=0, max_digits=14, decimal_places=2)
    started_on = date_field("资金落实日期")
    expected_on = date_field("预计完成日期", required=False)
    status = forms.ChoiceField(label="状态", choices=Project.Status.choices, initial=Project.Status.APPROVED)
    note = forms.CharField(label="说明", max_length=200, required=False)


class ProjectStatusForm(forms.Form):
    status = forms.ChoiceField(label="新状态", choices=Project.Status.choices)


class VillageRuleForm(forms.Form):
    region = village_or_natural_field()
    status = forms.ChoiceField(label="状态", choices=VillageRule.Status.choices)
    status_date = date_field("日期")


class GuidanceForm(forms.Form):
    title = forms.CharField(label="标题", max_length=200)
    number = forms.CharField(label="文号", max_length=50)
    issued_on = date_field("印发日期")


class OrganizationForm(forms.Form):
    name = forms.CharField(label="名称", max_length=100)
    credit_code = forms.CharField(label="统一社会信用代码", max_length=30)
    kind = forms.ChoiceField(label="类型", choices=[("", "（请选择）")] + list(OrgKind.choices))
    registered_on = date_field("登记日期")
    legal_representative = forms.CharField(label="法定代表人", max_length=50)
    town = forms.ModelChoiceField(label="所在镇", queryset=towns(), required=False, empty_label="（不填）")
    address = forms.CharField(label="住所", max_length=200, required=False)
    is_elder_association = forms.BooleanField(label="老年协会", required=False)


class CancelForm(forms.Form):
    cancelled_on = date_field("注销日期")


class CouncilForm(forms.Form):
    name = forms.CharField(label="名称", max_length=100)
    village = village_or_natural_field("所在村")
    status = forms.ChoiceField(label="办理事项", choices=[("filed", "备案"), ("registered", "核名登记")])
    date = date_field("办理日期")
    credit_code = forms.CharField(label="统一社会信用代码（核名登记时填写）", max_length=30, required=False)


class ClueFormForm(forms.Form):
    village = committee_field()
    received_on = date_field("收回日期")
    summary = forms.CharField(label="线索摘要", widget=forms.Textarea(attrs={"rows": 4}))


class ClueStatusForm(forms.Form):
    status = forms.ChoiceField(label="跟进状态", choices=ClueForm.Status.choices)


class PublicityForm(forms.Form):
    quantity = forms.IntegerField(label="份数", min_value=1)
    date = date_field("日期")
    region = RegionChoiceField(
        label="发放地点（镇或村，可不填）",
        required=False,
        queryset=Region.objects.filter(level__in=[Region.Level.TOWN, Region.Level.VILLAGE])
        .select_related("town", "parent")
        .order_by("code"),
    )
    note = forms.CharField(label="说明", max_length=200, required=False)
