"""Every state change of welfare, one function each: keyword-only, actor=, one transaction,
permission checked, audit row written in the same transaction."""

from .funeral import record_cremation, record_publicity
from .institutions import (
    add_hazard,
    decide_hazard_closure,
    record_inspection,
    record_retrofit,
    save_institution,
    submit_hazard_closure,
)
from .projects import create_facility_project, decide_milestone, submit_milestone, update_project_funds
from .registrations import register_adoption, register_marriage

__all__ = [
    "add_hazard",
    "create_facility_project",
    "decide_hazard_closure",
    "decide_milestone",
    "record_cremation",
    "record_inspection",
    "record_publicity",
    "record_retrofit",
    "register_adoption",
    "register_marriage",
    "save_institution",
    "submit_hazard_closure",
    "submit_milestone",
    "update_project_funds",
]
