"""State changes of the grassroots section: one function each, keyword-only, `actor=` the user,
one transaction, permission-checked, the audit row written in the same transaction."""

from .clues import open_clue, record_clue, record_publicity, set_clue_status
from .members import end_term, register_member
from .orgs import cancel_organization, file_council, register_council, register_organization
from .projects import create_project, set_project_status
from .socialwork import create_station, open_station, recruit_worker
from .villages import record_guidance_document, set_village_rule, set_village_rules

__all__ = [
    "cancel_organization",
    "create_project",
    "create_station",
    "end_term",
    "file_council",
    "open_clue",
    "open_station",
    "record_clue",
    "record_guidance_document",
    "record_publicity",
    "recruit_worker",
    "register_council",
    "register_member",
    "register_organization",
    "set_clue_status",
    "set_project_status",
    "set_village_rule",
    "set_village_rules",
]
