"""State changes of social assistance, by concern: enrolment (申请) and case changes (核减, 增人/减人,
复核, decisions). Payments — standards, payrolls, back-pay, corrections — are the core's engine
(civaffairs.payments), driven by the rules assistance registers in programs.py."""

from . import procedure
from .changes import (
    REVIEW_OUTCOMES,
    decide_request,
    submit_member_change,
    submit_review,
    submit_termination,
)
from .enrolment import (
    conflict_message,
    enrol_many,
    find_conflicts,
    find_conflicts_many,
    submit_enrolment,
)

__all__ = [
    "REVIEW_OUTCOMES",
    "conflict_message",
    "decide_request",
    "enrol_many",
    "find_conflicts",
    "find_conflicts_many",
    "submit_enrolment",
    "submit_member_change",
    "submit_review",
    "submit_termination",
    "procedure",
]
