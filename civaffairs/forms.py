from dal import autocomplete
from django import forms
from django.core.exceptions import ValidationError

from .idnumber import InvalidIdNumber, mask_id_number, parse_id_number
from .models import Area, Household, Person, Region, Relation
from .selectors import villages_for
from .validators import validate_bank_account

INCOME_REQUIRED = "请填写家庭月人均收入"
RELATION_REQUIRED = "请选择与户主关系"
# No relation is preselected: a forgotten choice must be an error, not a silent 配偶.
RELATION_CHOICES = [("", "请选择")] + [c for c in Relation.choices if c[0] != Relation.HEAD]


def apply_errors(form, exc):
    """A service's ValidationError onto the form: at its field when the form has one."""
    pairs = exc.message_dict.items() if hasattr(exc, "error_dict") else [(None, exc.messages)]
    for field, messages in pairs:
        for message in messages:
            form.add_error(field if field in form.fields else None, message)


def clean_bank_account(value):
    """A bank account is digits only (spaces typed to group them are dropped)."""
    value = (value or "").replace(" ", "").strip()
    if value and not value.isdigit():
        raise ValidationError("银行账号只能由数字组成")
    return value


def region_label(region):
    """石城镇·新水村, 石城镇·上洞村·某自然村: the town always shows, since village names repeat
    across towns (新水村 is in two). Needs `parent` and `town` selected with the region."""
    names = [region.name]
    if region.level == Region.Level.NATURAL and region.parent_id:
        names.insert(0, region.parent.name)
    if region.town_id and region.town_id != region.pk:
        names.insert(0, region.town.name)
    return "·".join(names)


class RegionChoiceField(forms.ModelChoiceField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("empty_label", "（请选择）" if kwargs.get("required", True) else "（不填）")
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj):
        return region_label(obj)


class VillageSelect(autocomplete.ModelSelect2):
    """A searchable picker over `village_autocomplete`: the page carries only the chosen option,
    not the district's 1,292 villages and natural villages."""

    def __init__(self, **kwargs):
        attrs = {
            "data-placeholder": "输入村名或镇名搜索",
            "data-minimum-input-length": 0,
            "data-width": "24em",
            **kwargs.pop("attrs", {}),
        }
        super().__init__(url="village_autocomplete", attrs=attrs, **kwargs)

    @property
    def media(self):
        # django-autocomplete-light 5 leaves jQuery to the page; Django's admin ships one, served
        # from our own static files (no CDN, nothing inline).
        return forms.Media(js=["admin/js/vendor/jquery/jquery.js"]) + super().media


def village_field(user, label="所在村（居）"):
    return RegionChoiceField(
        queryset=villages_for(user),
        label=label,
        widget=VillageSelect(),
        error_messages={
            "required": "请选择村（居）",
            "invalid_choice": "未知的村（居），请从列表中选择",
        },
    )


def income_field():
    """家庭月人均收入 without a default: a field left empty is an error, never 0 (the model's
    default of 0 must not decide an application)."""
    return forms.DecimalField(
        label=Household._meta.get_field("income_per_capita").verbose_name,
        min_value=0,
        max_digits=10,
        decimal_places=2,
        error_messages={"required": INCOME_REQUIRED},
    )


class KeptIdNumberField(forms.CharField):
    """The ID number on an edit form: the masked value (or nothing) keeps the stored number."""

    def __init__(self, form, **kwargs):
        kwargs.setdefault("label", "身份证号")
        kwargs.setdefault("max_length", 18)
        super().__init__(**kwargs)
        self._form = form

    def clean(self, value):
        value, kept = kept_value(self._form, "id_number", super().clean(value))
        if kept:
            return value
        try:
            return parse_id_number(value)[0]
        except InvalidIdNumber as exc:
            raise ValidationError(str(exc)) from None


class IdNumberField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("label", "身份证号")
        kwargs.setdefault("max_length", 18)
        kwargs.setdefault("min_length", 1)
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return value
        try:
            number, _birth, _sex = parse_id_number(value)
        except InvalidIdNumber as exc:
            raise ValidationError(str(exc)) from None
        return number


KEEP_HELP = "显示的是遮蔽后的号码；不修改请保持原样，需要更正时输入完整的新号码。"


def keep_masked(form, field, current, masked):
    """An edit form shows a stored number masked, never whole (PIPL: the audited reveal is the one
    way to see it). A value the user leaves as shown, or empties, keeps the stored number; only a
    newly typed value replaces it."""
    form.initial[field] = masked
    form.fields[field].required = False
    form.fields[field].help_text = KEEP_HELP
    form._kept[field] = (current, masked)


def kept_value(form, field, value):
    current, masked = form._kept.get(field, (None, None))
    if field in form._kept and (not value or value.strip() == masked):
        return current, True
    return value, False


class PersonForm(forms.ModelForm):
    id_number = IdNumberField()
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Person
        fields = [
            "name",
            "id_number",
            "phone",
            "region",
            "disability_grade",
            "severe_mental_disorder",
            "death_date",
        ]
        widgets = {"death_date": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"] = village_field(user, "户籍地（村/自然村）")
        self._kept = {}
        if self.instance.pk:
            self.fields["region"].initial = self.instance.region_id
            self.fields["version"].initial = self.instance.version
            number = self.instance.id_number
            keep_masked(self, "id_number", number, mask_id_number(number))
            self.fields["id_number"] = KeptIdNumberField(self, required=False, help_text=KEEP_HELP)

    def _post_clean(self):
        # Validation of uniqueness and the like lives in the service; skip model validation here.
        pass


class HouseholdForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Household
        # No bank fields: the account is changed through 变更收款账户 only (a reason, the chief's
        # approval for a payee in a payroll), and the form never shows the whole number.
        fields = ["region", "area", "income_per_capita"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"] = village_field(user)
        # Required, and not prefilled with the model's default of 0 on a new household.
        income = self.fields["income_per_capita"]
        income.required, income.initial = True, None
        income.error_messages["required"] = INCOME_REQUIRED
        self._kept = {}
        if self.instance.pk:
            self.fields["region"].initial = self.instance.region_id
            self.fields["version"].initial = self.instance.version
        else:
            self.initial.pop("income_per_capita", None)

    def clean_income_per_capita(self):
        value = self.cleaned_data["income_per_capita"]
        if value is not None and value < 0:
            raise ValidationError("收入不能为负数")
        return value

    def _post_clean(self):
        pass


class MemberRowForm(forms.Form):
    name = forms.CharField(label="姓名", max_length=50, required=False)
    id_number = IdNumberField(required=False)
    relation = forms.ChoiceField(label="与户主关系", choices=RELATION_CHOICES, required=False)

    def clean(self):
        data = super().clean()
        if data.get("name") and not data.get("id_number") and "id_number" not in self.errors:
            self.add_error("id_number", "请填写身份证号")
        if data.get("name") and not data.get("relation") and "relation" not in self.errors:
            self.add_error("relation", RELATION_REQUIRED)
        if data.get("id_number") and not data.get("name"):
            self.add_error("name", "请填写姓名")
        return data


MemberFormSet = forms.formset_factory(MemberRowForm, extra=4, max_num=20)


def members_of(formset):
    """The filled member rows of a valid MemberFormSet, as register_household wants them."""
    return [
        {"name": r["name"], "id_number": r["id_number"], "relation": r["relation"]}
        for r in formset.cleaned_data
        if r.get("name")
    ]


class HouseholdRegistrationForm(forms.Form):
    head_name = forms.CharField(label="户主姓名", max_length=50)
    head_id_number = IdNumberField(label="户主身份证号")
    region = forms.ModelChoiceField(queryset=Region.objects.none())
    area = forms.ChoiceField(label="城乡类别", choices=Area.choices)
    income_per_capita = income_field()
    bank_name = forms.CharField(label="开户银行", max_length=50, required=False)
    bank_account = forms.CharField(label="银行账号", max_length=32, required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"] = village_field(user)

    def clean_bank_account(self):
        return clean_bank_account(self.cleaned_data.get("bank_account"))

    def household_data(self, formset):
        """register_household's keyword arguments from this form and its member rows."""
        d = self.cleaned_data
        return {
            "region": d["region"],
            "area": d["area"],
            "income_per_capita": d["income_per_capita"],
            "bank_name": d["bank_name"],
            "bank_account": d["bank_account"],
            "head": {"name": d["head_name"], "id_number": d["head_id_number"]},
            "members": members_of(formset),
        }


class AddMemberForm(forms.Form):
    name = forms.CharField(label="姓名", max_length=50)
    id_number = IdNumberField()
    relation = forms.ChoiceField(
        label="与户主关系", choices=RELATION_CHOICES, error_messages={"required": RELATION_REQUIRED}
    )
    joined_on = forms.DateField(label="加入日期", widget=forms.DateInput(attrs={"type": "date"}))


class RemoveMemberForm(forms.Form):
    left_on = forms.DateField(label="离开日期", widget=forms.DateInput(attrs={"type": "date"}))


class ChangeHeadForm(forms.Form):
    """变更户主: the new head among the household's current living adult members (named as the
    household page shows them, ID numbers masked), the old head's new relation, the date."""

    new_head = forms.TypedChoiceField(label="新户主", coerce=int, error_messages={"required": "请选择新户主"})
    old_head_relation = forms.ChoiceField(
        label="原户主改为",
        choices=RELATION_CHOICES,
        error_messages={"required": "请选择原户主与新户主的关系"},
        help_text="原户主仍为家庭成员（已死亡的可在变更后移出）",
    )
    on = forms.DateField(
        label="变更日期",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"required": "请填写变更日期"},
    )

    def __init__(self, *args, household, on, **kwargs):
        from .services import is_adult_on

        super().__init__(*args, **kwargs)
        members = (
            household.members.filter(left_on__isnull=True)
            .exclude(person_id=household.head_id)
            .select_related("person")
            .order_by("joined_on", "id")
        )
        self.fields["new_head"].choices = [("", "请选择")] + [
            (m.person_id, f"{m.person.name}（{m.person.masked_id}）")
            for m in members
            if not (m.person.death_date and m.person.death_date <= on) and is_adult_on(m.person, on)
        ]


class PayeeAccountForm(forms.Form):
    """变更收款账户: the new account is typed whole; the current one is shown masked."""

    account_holder = forms.CharField(
        label="账户户名", max_length=50, required=False, help_text="监护人代领时填写监护人姓名；本人账户留空"
    )
    bank_name = forms.CharField(label="开户银行", max_length=50)
    bank_account = forms.CharField(label="银行账号", max_length=40, help_text="12至19位数字")
    reason = forms.CharField(label="变更原因", max_length=200)

    def clean_bank_account(self):
        # Checked with the other fields, so that one submission names every mistake; spaces
        # typed between groups of digits are dropped, as the service drops them.
        number = "".join(self.cleaned_data["bank_account"].split())
        validate_bank_account(number)
        return number

    def __init__(self, *args, household=False, **kwargs):
        super().__init__(*args, **kwargs)
        if household:
            del self.fields["account_holder"]


class AccountDecisionForm(forms.Form):
    comment = forms.CharField(label="审批意见", max_length=200, required=False)
