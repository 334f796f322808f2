"""{% load display %}: {{ amount|money }} → 1,996,160.00; {{ user|person_name }} → 陈志明."""

from django import template

from civaffairs.money import format_money
from civaffairs.names import person_name as _person_name

register = template.Library()


@register.filter
def money(value):
    """An amount as 1,996,160.00; nothing stays nothing (add `|default:"—"`), and a value that is
    no amount (a note such as 按审批后首月名册) is shown as it is, as Django's filters fail quietly."""
    if value is None or value == "":
        return ""
    try:
        return format_money(value)
    except ValueError:
        return value


@register.filter
def person_name(user):
    return _person_name(user)


@register.simple_tag
def field_error(field, message):
    """A field's error as it reads under the field: Django's bare 这个字段是必填项。 names the field
    (请填写姓名 / 请选择户籍所在镇); every other message is shown as written."""
    if str(message) != "这个字段是必填项。":
        return message
    label = str(field.label or "").rstrip("：:")
    choose = (
        getattr(field.field.widget, "input_type", None) in ("select", "checkbox", "radio")
        or hasattr(field.field, "queryset")
        or hasattr(field.field, "choices")
    )
    return f"请{'选择' if choose else '填写'}{label}"
