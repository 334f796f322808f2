from django import template

from civaffairs.idnumber import mask_id_number
from welfare.access import can_read_welfare, is_welfare_chief, is_welfare_staff

register = template.Library()


@register.filter
def reads_welfare(user):
    return can_read_welfare(user)


@register.filter
def welfare_chief(user):
    return is_welfare_chief(user)


@register.filter
def welfare_staff(user):
    return is_welfare_staff(user)


@register.filter
def masked(number):
    return mask_id_number(number)
