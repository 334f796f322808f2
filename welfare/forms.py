"""Forms of welfare's screens: they gather input; the services validate and decide."""

from django import forms

from civaffairs.forms import RegionChoiceField
from civaffairs.models import Institution, Region

from .labels import PROJECT_KINDS, PUBLICITY_KINDS
from .models import (
    AdoptionRegistration,
    FireAcceptance,
    IdType,
    Inspection,
    MarriageRegistration,
    Operator,
)

HAZARD_ROWS = 3


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


def date_field(label, required=True):
    return forms.DateField(label=label, required=required, widget=DateInput())


def towns():
    return Region.objects.filter(level=Region.Level.TOWN).order_by("code")


def town_field(label="所在镇", required=True):
    return forms.ModelChoiceField(label=label, queryset=towns(), required=required, empty_label="（请选择）")


def money_field(label, required=True):
    return forms.DecimalField(label=label, required=required, min_value=0, max_digits=14, decimal_places=2)


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", "批准"), ("reject", "驳回")])
    comment = forms.CharField(label="审批意见", max_length=200, required=False)


class InstitutionForm(forms.Form):
    name = forms.CharField(label="机构名称", max_length=100)
    kind = forms.ChoiceField(label="机构类型", choices=Institution.Kind.choices)
    region = town_field()
    address = forms.CharField(label="地址", max_length=200, required=False)
    capacity = forms.IntegerField(label="设计床位（张）", min_value=0)
    beds = forms.IntegerField(label="实有床位（张）", min_value=0)
    operator = forms.ChoiceField(label="运营方式", choices=Operator.choices)
    operator_name = forms.CharField(label="运营单位", max_length=100, required=False)
    fire_status = forms.ChoiceField(label="消防验收", choices=FireAcceptance.choices)
    fire_accepted_on = date_field("消防验收日期", required=False)
    fire_authority = forms.CharField(label="验收单位", max_length=100, required=False)

    def __init__(self, *args, editing=False, **kwargs):
        super().__init__(*args, **kwargs)
        if editing:
            for name in ("name", "kind", "region"):
                del self.fields[name]


class InspectionForm(forms.Form):
    institution = forms.ModelChoiceField(
        label="被检查机构", queryset=Institution.objects.none(), empty_label="（请选择）"
    )
    date = date_field("检查日期")
    kind = forms.ChoiceField(label="检查类别", choices=Inspection.Kind.choices)
    inspectors = forms.CharField(label="检查人员", max_length=200)
    note = forms.CharField(
        label="检查情况", max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, institutions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = institutions
        for i in range(HAZARD_ROWS):
            self.fields[f"hazard{i}_description"] = forms.CharField(
                label=f"隐患{i + 1}：描述", max_length=300, required=False
            )
            self.fields[f"hazard{i}_owner"] = forms.CharField(
                label=f"隐患{i + 1}：整改责任人", max_length=50, required=False
            )
            self.fields[f"hazard{i}_deadline"] = date_field(f"隐患{i + 1}：整改期限", required=False)

    def hazards(self):
        """The filled hazard rows; a row half filled is left to the service to name what is missing."""
        d = self.cleaned_data
        rows = []
        for i in range(HAZARD_ROWS):
            row = {k: d.get(f"hazard{i}_{k}") for k in ("description", "owner", "deadline")}
            if any(row.values()):
                rows.append(row)
        return rows


class HazardForm(forms.Form):
    description = forms.CharField(label="隐患描述", max_length=300)
    owner = forms.CharField(label="整改责任人", max_length=50)
    deadline = date_field("整改期限")


class ClosureForm(forms.Form):
    rectified_on = date_field("整改完成日期")
    note = forms.CharField(label="整改情况", max_length=300)


class RetrofitForm(forms.Form):
    institution = forms.ModelChoiceField(
        label="机构", queryset=Institution.objects.none(), empty_label="（请选择）"
    )
    name = forms.CharField(label="改造内容", max_length=200)
    funds_spent = money_field("投入资金（元）")
    paid_on = date_field("资金投入日期")
    accepted_on = date_field("验收日期", required=False)
    authority = forms.CharField(label="验收单位", max_length=100, required=False)

    def __init__(self, *args, institutions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institution"].queryset = institutions


class ProjectForm(forms.Form):
    kind = forms.ChoiceField(label="项目类别", choices=PROJECT_KINDS)
    name = forms.CharField(label="项目名称", max_length=100)
    region = RegionChoiceField(
        label="所在镇或村（居）",
        queryset=Region.objects.filter(level__in=[Region.Level.TOWN, Region.Level.VILLAGE])
        .select_related("parent", "town")
        .order_by("code"),
        empty_label="（请选择）",
    )
    place = forms.CharField(label="详细地址", max_length=200, required=False)
    land_area = forms.DecimalField(
        label="土地面积（㎡）", required=False, min_value=0, max_digits=10, decimal_places=2
    )
    floor_area = forms.DecimalField(
        label="建筑面积（㎡）", required=False, min_value=0, max_digits=10, decimal_places=2
    )
    funds_secured = money_field("已落实资金（元）", required=False)
    funds_spent = money_field("已支出资金（元）", required=False)
    expected_on = date_field("预计完成日期", required=False)
    note = forms.CharField(label="说明", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ProjectFundsForm(forms.Form):
    funds_secured = money_field("已落实资金（元）")
    funds_spent = money_field("已支出资金（元）")


class MilestoneForm(forms.Form):
    milestone = forms.ModelChoiceField(label="节点", queryset=None, empty_label="（请选择）")
    reached_on = date_field("完成日期")
    note = forms.CharField(label="说明", max_length=300, required=False)

    def __init__(self, *args, milestones, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["milestone"].queryset = milestones


class MarriageForm(forms.Form):
    date = date_field("登记日期")
    kind = forms.ChoiceField(label="登记类别", choices=MarriageRegistration.Kind.choices)
    scope = forms.ChoiceField(label="登记类型", choices=MarriageRegistration.Scope.choices)
    party_a_name = forms.CharField(label="男方姓名", max_length=50)
    party_a_id_type = forms.ChoiceField(label="男方证件类型", choices=IdType.choices)
    party_a_id = forms.CharField(label="男方证件号码", max_length=30)
    party_b_name = forms.CharField(label="女方姓名", max_length=50)
    party_b_id_type = forms.ChoiceField(label="女方证件类型", choices=IdType.choices)
    party_b_id = forms.CharField(label="女方证件号码", max_length=30)
    certificate_no = forms.CharField(label="证书编号", max_length=30)
    qualified = forms.BooleanField(label="登记合格（审查通过）", required=False, initial=True)
    town = town_field("户籍所在镇")


class AdoptionForm(forms.Form):
    kind = forms.ChoiceField(label="类别", choices=AdoptionRegistration.Kind.choices)
    date = date_field("登记日期")
    record_no = forms.CharField(label="登记编号", max_length=30)
    child_name = forms.CharField(label="被收养人姓名", max_length=50)
    child_id = forms.CharField(label="被收养人身份证号", max_length=18)
    adopter_name = forms.CharField(label="收养人姓名", max_length=50)
    adopter_id = forms.CharField(label="收养人身份证号", max_length=18)
    co_adopter_name = forms.CharField(label="共同收养人姓名", max_length=50, required=False)
    co_adopter_id = forms.CharField(label="共同收养人身份证号", max_length=18, required=False)
    town = town_field("收养人户籍所在镇")


class CremationForm(forms.Form):
    deceased_name = forms.CharField(label="逝者姓名", max_length=50)
    id_number = forms.CharField(label="逝者身份证号", max_length=18)
    death_date = date_field("死亡日期")
    date = date_field("火化日期")
    funeral_home = forms.CharField(label="殡仪馆", max_length=100, initial="云浮市殡仪馆")
    local = forms.BooleanField(label="云安区户籍", required=False, initial=True)
    town = town_field("所属镇（户籍地或死亡地）")
    village = RegionChoiceField(
        label="所属村（居）",
        queryset=Region.objects.filter(level=Region.Level.VILLAGE)
        .select_related("parent", "town")
        .order_by("code"),
        required=False,
        empty_label="（不填）",
    )
    funds = forms.DecimalField(
        label="统筹火化资金（元）", required=False, min_value=0, max_digits=10, decimal_places=2
    )


class PublicityForm(forms.Form):
    kind = forms.ChoiceField(
        label="宣传方式", choices=[(k, f"{label}（{unit}）") for k, (label, unit) in PUBLICITY_KINDS.items()]
    )
    date = date_field("日期")
    region = RegionChoiceField(
        label="地点",
        queryset=Region.objects.filter(level__in=[Region.Level.TOWN, Region.Level.VILLAGE])
        .select_related("parent", "town")
        .order_by("code"),
        empty_label="（请选择）",
    )
    quantity = forms.IntegerField(
        label="数量", min_value=1, initial=1, help_text="每场广播或宣传车巡回登记一条，数量为1"
    )
    note = forms.CharField(label="说明", max_length=200, required=False)
