"""The payments engine: standards, monthly payrolls with arrears, back-pay and corrections, for
every program whose app registers its rules (rules.register). One module per concern; the
public services are re-exported here."""

from .backpay import check_backpay_generation, compute_backpay, generate_backpay, unsettled_months
from .corrections import items_of, submit_correction
from .payroll import (
    cases_in_payment,
    check_payroll_generation,
    covered_persons,
    decide_payroll,
    generate_payroll,
    last_paid_month,
    paid_total,
    preview_month,
    program_of,
    withdraw_payroll,
)
from .standards import decide_standard, draft_standard

__all__ = [
    "cases_in_payment",
    "check_backpay_generation",
    "check_payroll_generation",
    "compute_backpay",
    "covered_persons",
    "decide_payroll",
    "decide_standard",
    "draft_standard",
    "generate_backpay",
    "generate_payroll",
    "items_of",
    "last_paid_month",
    "paid_total",
    "preview_month",
    "program_of",
    "submit_correction",
    "unsettled_months",
    "withdraw_payroll",
]
