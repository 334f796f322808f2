"""The permission matrix: every URL pattern of the project, GET, for every role.

Adding a view means adding its row to EXPECTED below (and, when its URL takes parameters, a
KWARGS entry and a second row for an object of another town, "<name>@六都镇", unless the object
has no town: then list the name in TOWNLESS; objects a new URL needs go in town_objects). The tests fail
for any URL pattern that is not declared here, namespaced ones (assistance:…) included, so no view
ships without someone deciding who may open it.
"""

import datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.shortcuts import resolve_url
from django.urls import URLResolver, get_resolver, include, path, reverse

from civaffairs import roles
from civaffairs.models import Payroll, Program, Section
from civaffairs.roles import CASEWORKER
from tests.factories import PDF, CaseFactory, HouseholdFactory, make_user, village

LOGIN = "→login"  # anonymous: a redirect to the login page
ACCEPT = "→受理"  # the old 申请低保 address: a redirect to the procedure's acceptance page
ROLES = ("anonymous", "caseworker", "chief", "director", "auditor", "sysadmin", "welfare_chief")
OTHER_TOWN = "@六都镇"

# Rows for URLs with parameters use an object of 石城镇 (the caseworker's own town); the
# "@六都镇" row uses the same kind of object in 六都镇.
# fmt: off
EXPECTED = {
    #                                        anonymous  石城镇经办人 股长  局长  审计员  系统管理员  福利股股长
    "home":                                  (LOGIN,    200,       200,  200,  200,   200, 200),
    "login":                                 (200,      200,       200,  200,  200,   200, 200),
    "logout":                                (405,      405,       405,  405,  405,   405, 405),  # POST only
    "password_change":                       (LOGIN,    200,       200,  200,  200,   200, 200),
    "password_change_done":                  (LOGIN,    200,       200,  200,  200,   200, 200),
    "person_list":                           (LOGIN,    200,       200,  200,  200,   403, 200),
    "person_create":                         (LOGIN,    200,       403,  403,  403,   403, 403),
    "person_detail":                         (LOGIN,    200,       200,  200,  200,   403, 404),
    "person_detail@六都镇":                  (LOGIN,    404,       200,  200,  200,   403, 404),
    "person_edit":                           (LOGIN,    200,       403,  403,  403,   403, 403),
    "person_edit@六都镇":                    (LOGIN,    404,       403,  403,  403,   403, 403),
    "person_reveal":                         (LOGIN,    405,       405,  405,  405,   405, 405),  # POST only
    "person_reveal@六都镇":                  (LOGIN,    405,       405,  405,  405,   405, 405),
    "household_list":                        (LOGIN,    200,       200,  200,  200,   403, 200),
    "household_create":                      (LOGIN,    200,       403,  403,  403,   403, 403),
    "household_detail":                      (LOGIN,    200,       200,  200,  200,   403, 404),
    "household_detail@六都镇":               (LOGIN,    404,       200,  200,  200,   403, 404),
    "household_edit":                        (LOGIN,    200,       403,  403,  403,   403, 403),
    "household_edit@六都镇":                 (LOGIN,    404,       403,  403,  403,   403, 403),
    "household_add_member":                  (LOGIN,    405,       403,  403,  403,   403, 403),  # POST only
    "household_add_member@六都镇":           (LOGIN,    405,       403,  403,  403,   403, 403),
    "household_remove_member":               (LOGIN,    405,       403,  403,  403,   403, 403),  # POST only
    "household_remove_member@六都镇":        (LOGIN,    405,       403,  403,  403,   403, 403),
    "household_change_head":                 (LOGIN,    200,       403,  403,  403,   403, 403),
    "household_change_head@六都镇":          (LOGIN,    404,       403,  403,  403,   403, 403),
    "village_autocomplete":                  (LOGIN,    200,       200,  200,  200,   403, 200),
    "audit_log":                             (LOGIN,    403,       403,  200,  200,   403, 403),
    "figures":                               (LOGIN,    200,       200,  200,  200,   403, 200),
    "access_grants":                         (LOGIN,    403,       403,  200,  200,   200, 403),
    "access_grant_decide":                   (LOGIN,    403,       403,  405,  403,   403, 403),  # director, POST only
    "assistance:case_detail":                (LOGIN,    200,       200,  200,  200,   403, 404),
    "assistance:case_detail@六都镇":         (LOGIN,    404,       200,  200,  200,   403, 404),
    "assistance:case_list":                  (LOGIN,    200,       200,  200,  200,   403, 200),
    "assistance:case_change":                (LOGIN,    405,       403,  403,  403,   403, 403),  # POST only
    "assistance:case_change@六都镇":         (LOGIN,    405,       403,  403,  403,   403, 403),
    "assistance:case_correction":            (LOGIN,    403,       403,  403,  403,   403, 403),  # section staff, POST only
    "assistance:case_correction@六都镇":     (LOGIN,    403,       403,  403,  403,   403, 403),
    "assistance:apply_dibao":                (LOGIN,    200,       403,  403,  403,   403, 403),
    "assistance:apply_household":            (LOGIN,    ACCEPT,    403,  403,  403,   403, 403),
    "assistance:apply_household@六都镇":     (LOGIN,    404,       403,  403,  403,   403, 403),
    "assistance:apply_person":               (LOGIN,    200,       403,  403,  403,   403, 403),
    "assistance:apply_person@六都镇":        (LOGIN,    404,       403,  403,  403,   403, 403),
    "assistance:request_list":               (LOGIN,    200,       200,  200,  200,   403, 200),
    "assistance:request_detail":             (LOGIN,    200,       200,  200,  200,   403, 404),
    "assistance:request_detail@六都镇":      (LOGIN,    404,       200,  200,  200,   403, 404),
    "assistance:request_decide":             (LOGIN,    403,       405,  403,  403,   403, 405),  # chief, POST only
    "assistance:request_decide@六都镇":      (LOGIN,    403,       405,  403,  403,   403, 405),
    "assistance:inbox":                      (LOGIN,    200,       200,  200,  200,   403, 200),
    "assistance:standard_list":              (LOGIN,    200,       200,  200,  200,   403, 200),
    "assistance:standard_create":            (LOGIN,    403,       403,  403,  403,   403, 403),  # section staff only
    "assistance:standard_detail":            (LOGIN,    200,       200,  200,  200,   403, 404),
    "assistance:standard_decide":            (LOGIN,    403,       405,  403,  403,   403, 405),
    "assistance:standard_backpay":           (LOGIN,    403,       403,  403,  403,   403, 403),  # section staff, POST only
    "assistance:standard_preview":           (LOGIN,    403,       405,  403,  403,   403, 405),  # chief, POST only
    "job_detail":                            (LOGIN,    404,       200,  200,  200,   404, 404),  # a payroll job of 社会救助股
    "job_status":                            (LOGIN,    404,       200,  200,  200,   404, 404),
    "job_download":                          (LOGIN,    404,       404,  404,  404,   404, 404),  # an export job's starter only
    "assistance:payroll_list":               (LOGIN,    200,       200,  200,  200,   403, 200),
    "assistance:payroll_generate":           (LOGIN,    403,       403,  403,  403,   403, 403),  # section staff, POST only
    "assistance:payroll_detail":             (LOGIN,    200,       200,  200,  200,   403, 404),
    "assistance:payroll_decide":             (LOGIN,    403,       405,  403,  403,   403, 405),
    "assistance:payroll_export":             (LOGIN,    200,       200,  200,  200,   403, 404),
    "assistance:payroll_withdraw":           (LOGIN,    405,       403,  403,  403,   403, 403),  # its author, POST only
    "assistance:notice":                     (LOGIN,    200,       200,  200,  200,   403, 200),
    # 低保、特困审核确认 (issue 11): scoped like cases; steps are POST only; the district's draws
    # for district-wide readers of 社会救助; PDFs of a notice or refusal that does not exist: 404.
    "assistance:procedure_list":             (LOGIN,    200,       200,  200,  200,   403, 200),
    "assistance:procedure_accept":           (LOGIN,    200,       403,  403,  403,   403, 403),
    "assistance:procedure_accept@六都镇":    (LOGIN,    404,       403,  403,  403,   403, 403),
    "assistance:procedure_detail":           (LOGIN,    200,       200,  200,  200,   403, 404),
    "assistance:procedure_detail@六都镇":    (LOGIN,    404,       200,  200,  200,   403, 404),
    "assistance:procedure_notice_pdf":       (LOGIN,    404,       404,  404,  404,   403, 404),
    "assistance:procedure_notice_pdf@六都镇": (LOGIN,   404,       404,  404,  404,   403, 404),
    "assistance:procedure_refusal_pdf":      (LOGIN,    404,       404,  404,  404,   403, 404),
    "assistance:procedure_refusal_pdf@六都镇": (LOGIN,  404,       404,  404,  404,   403, 404),
    "assistance:procedure_step":             (LOGIN,    405,       405,  405,  405,   403, 405),  # POST only
    "assistance:procedure_step@六都镇":      (LOGIN,    405,       405,  405,  405,   403, 405),
    "assistance:attachment_download":        (LOGIN,    200,       200,  200,  200,   403, 404),
    "assistance:attachment_download@六都镇": (LOGIN,    404,       200,  200,  200,   403, 404),
    "assistance:verification_import":        (LOGIN,    200,       403,  403,  403,   403, 403),
    "assistance:spot_checks":                (LOGIN,    403,       200,  200,  200,   403, 403),
    "assistance:relatives":                  (LOGIN,    200,       200,  200,  200,   403, 403),
    "assistance:review_record":              (LOGIN,    405,       403,  403,  403,   403, 403),  # caseworker, POST only
    "assistance:review_record@六都镇":       (LOGIN,    405,       403,  403,  403,   403, 403),
    "assistance:roster_import":              (LOGIN,    200,       403,  403,  403,   403, 403),
    "assistance:roster_template":            (LOGIN,    200,       403,  403,  403,   403, 403),
    "person_account":                        (LOGIN,    200,       403,  403,  403,   403, 403),
    "person_account@六都镇":                 (LOGIN,    404,       403,  403,  403,   403, 403),
    "household_account":                     (LOGIN,    200,       403,  403,  403,   403, 403),
    "household_account@六都镇":              (LOGIN,    404,       403,  403,  403,   403, 403),
    "account_changes":                       (LOGIN,    403,       200,  403,  403,   403, 200),
    "account_change_decide":                 (LOGIN,    405,       405,  405,  405,   405, 405),  # POST only
    "grassroots:index":                      (LOGIN,    403,       403,  200,  200,   403, 403),
    "grassroots:member_list":                (LOGIN,    403,       403,  200,  200,   403, 403),
    "grassroots:standard_list":              (LOGIN,    403,       403,  200,  200,   403, 403),
    "grassroots:payroll_list":               (LOGIN,    403,       403,  200,  200,   403, 403),
    "grassroots:station_list":               (LOGIN,    403,       403,  200,  200,   403, 403),
    "grassroots:project_list":               (LOGIN,    403,       403,  200,  200,   403, 403),
    "grassroots:village_rule_list":          (LOGIN,    403,       403,  200,  200,   403, 403),
    "grassroots:org_list":                   (LOGIN,    403,       403,  200,  200,   403, 403),
    "grassroots:council_list":               (LOGIN,    403,       403,  200,  200,   403, 403),
    "grassroots:clue_list":                  (LOGIN,    403,       403,  200,  200,   403, 403),
    "grassroots:member_create":              (LOGIN,    403,       403,  403,  403,   403, 403),  # grassroots section staff only
    "grassroots:standard_create":            (LOGIN,    403,       403,  403,  403,   403, 403),
    "grassroots:station_create":             (LOGIN,    403,       403,  403,  403,   403, 403),
    "grassroots:worker_create":              (LOGIN,    403,       403,  403,  403,   403, 403),
    "grassroots:project_create":             (LOGIN,    403,       403,  403,  403,   403, 403),
    "grassroots:village_rule_set":           (LOGIN,    403,       403,  403,  403,   403, 403),
    "grassroots:guidance_create":            (LOGIN,    403,       403,  403,  403,   403, 403),
    "grassroots:org_create":                 (LOGIN,    403,       403,  403,  403,   403, 403),
    "grassroots:council_create":             (LOGIN,    403,       403,  403,  403,   403, 403),
    "grassroots:clue_create":                (LOGIN,    403,       403,  403,  403,   403, 403),
    "grassroots:publicity_create":           (LOGIN,    403,       403,  403,  403,   403, 403),
    "grassroots:member_detail":              (LOGIN,    403,       403,  200,  200,   403, 403),
    "grassroots:member_detail@六都镇":          (LOGIN,    403,       403,  200,  200,   403, 403),
    "grassroots:member_end_term":            (LOGIN,    403,       403,  403,  403,   403, 403),  # section staff, POST only
    "grassroots:member_end_term@六都镇":        (LOGIN,    403,       403,  403,  403,   403, 403),
    "grassroots:standard_detail":            (LOGIN,    403,       403,  200,  200,   403, 403),
    "grassroots:payroll_detail":             (LOGIN,    403,       403,  200,  200,   403, 403),
    "grassroots:payroll_export":             (LOGIN,    403,       403,  200,  200,   403, 403),
    "grassroots:project_detail":             (LOGIN,    403,       403,  200,  200,   403, 403),
    "grassroots:org_detail":                 (LOGIN,    403,       403,  200,  200,   403, 403),
    "grassroots:standard_decide":            (LOGIN,    403,       403,  403,  403,   403, 403),  # the grassroots chief, POST only
    "grassroots:payroll_decide":             (LOGIN,    403,       403,  403,  403,   403, 403),  # the grassroots chief, POST only
    "grassroots:standard_backpay":           (LOGIN,    403,       403,  403,  403,   403, 403),  # section staff, POST only
    "grassroots:payroll_generate":           (LOGIN,    403,       403,  403,  403,   403, 403),  # section staff, POST only
    "grassroots:payroll_withdraw":           (LOGIN,    403,       403,  403,  403,   403, 403),  # section staff, POST only
    "grassroots:standard_preview":           (LOGIN,    403,       403,  403,  403,   403, 403),  # the grassroots chief, POST only
    "grassroots:station_open":               (LOGIN,    403,       403,  403,  403,   403, 403),  # section staff, POST only
    "grassroots:clue_detail":                (LOGIN,    403,       403,  200,  403,   403, 403),  # contents: the grassroots chief and the director
    "grassroots:clue_detail@六都镇":            (LOGIN,    403,       403,  200,  403,   403, 403),
    "grassroots:clue_status":                (LOGIN,    403,       403,  403,  403,   403, 403),  # the grassroots chief, POST only
    "grassroots:clue_status@六都镇":            (LOGIN,    403,       403,  403,  403,   403, 403),
    "reports:list":                          (LOGIN,    403,       200,  200,  200,   403, 200),
    "reports:plan":                          (LOGIN,    403,       200,  200,  200,   403, 200),
    "reports:detail":                        (LOGIN,    403,       200,  200,  200,   403, 200),
    "reports:head":                          (LOGIN,    403,       403,  200,  403,   403, 403),  # director
    "reports:finalize":                      (LOGIN,    403,       403,  405,  403,   403, 403),  # director, POST only
    "reports:reopen":                        (LOGIN,    403,       403,  405,  403,   403, 403),  # director, POST only
    "reports:recompute":                     (LOGIN,    403,       200,  200,  200,   403, 200),
    "reports:export":                        (LOGIN,    403,       200,  200,  403,   403, 200),  # chiefs: drafts
    "reports:structure_top":                 (LOGIN,    403,       403,  405,  403,   403, 403),  # director, POST only
    "reports:structure":                     (LOGIN,    403,       403,  405,  403,   403, 403),  # director, POST only
    "reports:section_edit":                  (LOGIN,    403,       200,  200,  403,   403, 403),  # owning chief, director
    "reports:section_preview":               (LOGIN,    403,       405,  405,  405,   403, 405),  # POST only
    "reports:versions":                      (LOGIN,    403,       200,  200,  200,   403, 200),
    "reports:restore":                       (LOGIN,    403,       405,  405,  405,   403, 405),  # POST only
    "welfare:institution_list":              (LOGIN,    403,       403,  200,  200,   403, 200),
    "welfare:inspection_list":               (LOGIN,    403,       403,  200,  200,   403, 200),
    "welfare:hazard_list":                   (LOGIN,    403,       403,  200,  200,   403, 200),
    "welfare:retrofit_list":                 (LOGIN,    403,       403,  200,  200,   403, 200),
    "welfare:project_list":                  (LOGIN,    403,       403,  200,  200,   403, 200),
    "welfare:marriage_list":                 (LOGIN,    403,       403,  200,  200,   403, 200),
    "welfare:adoption_list":                 (LOGIN,    403,       403,  200,  200,   403, 200),
    "welfare:cremation_list":                (LOGIN,    403,       403,  200,  200,   403, 200),
    "welfare:publicity_list":                (LOGIN,    403,       403,  200,  200,   403, 200),
    "welfare:institution_detail":            (LOGIN,    403,       403,  200,  200,   403, 200),
    "welfare:inspection_detail":             (LOGIN,    403,       403,  200,  200,   403, 200),
    "welfare:project_detail":                (LOGIN,    403,       403,  200,  200,   403, 200),
    "welfare:institution_create":            (LOGIN,    403,       403,  403,  403,   403, 403),  # welfare staff only
    "welfare:institution_edit":              (LOGIN,    403,       403,  403,  403,   403, 403),  # welfare staff only
    "welfare:inspection_create":             (LOGIN,    403,       403,  403,  403,   403, 403),  # welfare staff only
    "welfare:retrofit_create":               (LOGIN,    403,       403,  403,  403,   403, 403),  # welfare staff only
    "welfare:project_create":                (LOGIN,    403,       403,  403,  403,   403, 403),  # welfare staff only
    "welfare:marriage_create":               (LOGIN,    403,       403,  403,  403,   403, 403),  # welfare staff only
    "welfare:adoption_create":               (LOGIN,    403,       403,  403,  403,   403, 403),  # welfare staff only
    "welfare:cremation_create":              (LOGIN,    403,       403,  403,  403,   403, 403),  # welfare staff only
    "welfare:publicity_create":              (LOGIN,    403,       403,  403,  403,   403, 403),  # welfare staff only
    "welfare:import":                        (LOGIN,    403,       403,  403,  403,   403, 403),  # welfare staff only
    "welfare:import_template":               (LOGIN,    403,       403,  403,  403,   403, 403),  # welfare staff only
    "welfare:inbox":                         (LOGIN,    403,       403,  403,  403,   403, 200),  # welfare chief only
    "welfare:hazard_add":                    (LOGIN,    403,       403,  403,  403,   403, 403),  # welfare staff, POST only
    "welfare:hazard_close":                  (LOGIN,    403,       403,  403,  403,   403, 403),  # welfare staff or chief, POST only
    "welfare:closure_decide":                (LOGIN,    403,       403,  403,  403,   403, 405),  # welfare staff or chief, POST only
    "welfare:milestone_submit":              (LOGIN,    403,       403,  403,  403,   403, 403),  # welfare staff or chief, POST only
    "welfare:project_funds":                 (LOGIN,    403,       403,  403,  403,   403, 403),  # welfare staff or chief, POST only
    "welfare:milestone_decide":              (LOGIN,    403,       403,  403,  403,   403, 405),  # welfare staff or chief, POST only
}
# fmt: on

# URL name -> its kwargs, from the objects of one town (see town_objects below).
KWARGS = {
    "person_detail": lambda o: {"pk": o.person.pk},
    "person_edit": lambda o: {"pk": o.person.pk},
    "person_reveal": lambda o: {"pk": o.person.pk},
    "household_detail": lambda o: {"pk": o.household.pk},
    "household_edit": lambda o: {"pk": o.household.pk},
    "household_add_member": lambda o: {"pk": o.household.pk},
    "household_remove_member": lambda o: {"pk": o.household.pk, "member_pk": o.member.pk},
    "household_change_head": lambda o: {"pk": o.household.pk},
    "person_account": lambda o: {"pk": o.person.pk},
    "household_account": lambda o: {"pk": o.household.pk},
    "account_change_decide": lambda o: {"pk": o.account_change.pk},
    "assistance:case_detail": lambda o: {"pk": o.case.pk},
    "assistance:case_change": lambda o: {"pk": o.case.pk, "what": "terminate"},
    "assistance:case_correction": lambda o: {"pk": o.case.pk},
    "assistance:apply_household": lambda o: {"household_pk": o.household.pk},
    "assistance:apply_person": lambda o: {"person_pk": o.person.pk},
    "assistance:request_detail": lambda o: {"pk": o.request.pk},
    "assistance:request_decide": lambda o: {"pk": o.request.pk},
    "assistance:procedure_accept": lambda o: {"program": "dibao", "pk": o.household.pk},
    "assistance:procedure_detail": lambda o: {"pk": o.procedure.pk},
    "assistance:procedure_notice_pdf": lambda o: {"pk": o.procedure.pk},
    "assistance:procedure_refusal_pdf": lambda o: {"pk": o.procedure.pk},
    "assistance:procedure_step": lambda o: {"pk": o.procedure.pk, "step": "verification"},
    "assistance:attachment_download": lambda o: {"pk": o.attachment.pk},
    "assistance:review_record": lambda o: {"pk": o.request.pk, "what": "visit"},
    "assistance:standard_detail": lambda o: {"pk": o.standard.pk},
    "assistance:standard_decide": lambda o: {"pk": o.standard.pk},
    "assistance:standard_backpay": lambda o: {"pk": o.standard.pk},
    "assistance:standard_preview": lambda o: {"pk": o.standard.pk},
    "job_detail": lambda o: {"pk": o.job.pk},
    "job_status": lambda o: {"pk": o.job.pk},
    "job_download": lambda o: {"pk": o.job.pk},
    "assistance:payroll_detail": lambda o: {"pk": o.payroll.pk},
    "assistance:payroll_decide": lambda o: {"pk": o.payroll.pk},
    "assistance:payroll_export": lambda o: {"pk": o.payroll.pk},
    "assistance:payroll_withdraw": lambda o: {"pk": o.payroll.pk},
    "grassroots:member_detail": lambda o: {"pk": o.gr.member.pk},
    "grassroots:member_end_term": lambda o: {"pk": o.gr.member.pk},
    "grassroots:standard_detail": lambda o: {"pk": o.gr.standard.pk},
    "grassroots:standard_decide": lambda o: {"pk": o.gr.standard.pk},
    "grassroots:standard_backpay": lambda o: {"pk": o.gr.standard.pk},
    "grassroots:standard_preview": lambda o: {"pk": o.gr.standard.pk},
    "grassroots:payroll_detail": lambda o: {"pk": o.gr.payroll.pk},
    "grassroots:payroll_decide": lambda o: {"pk": o.gr.payroll.pk},
    "grassroots:payroll_export": lambda o: {"pk": o.gr.payroll.pk},
    "grassroots:payroll_withdraw": lambda o: {"pk": o.gr.payroll.pk},
    "grassroots:station_open": lambda o: {"pk": o.gr.station.pk},
    "grassroots:project_detail": lambda o: {"pk": o.gr.project.pk},
    "grassroots:org_detail": lambda o: {"pk": o.gr.org.pk},
    "grassroots:clue_detail": lambda o: {"pk": o.gr.clue.pk},
    "grassroots:clue_status": lambda o: {"pk": o.gr.clue.pk},
    "reports:detail": lambda o: {"pk": o.summary.pk},
    "reports:head": lambda o: {"pk": o.summary.pk},
    "reports:finalize": lambda o: {"pk": o.summary.pk},
    "reports:reopen": lambda o: {"pk": o.summary.pk},
    "reports:recompute": lambda o: {"pk": o.summary.pk},
    "reports:export": lambda o: {"pk": o.summary.pk, "fmt": "html"},
    "reports:structure_top": lambda o: {"pk": o.summary.pk},
    "reports:structure": lambda o: {"pk": o.summary.pk, "section_pk": o.section.pk},
    "reports:section_edit": lambda o: {"pk": o.summary.pk, "section_pk": o.section.pk},
    "reports:section_preview": lambda o: {"pk": o.summary.pk, "section_pk": o.section.pk},
    "reports:versions": lambda o: {"pk": o.summary.pk, "section_pk": o.section.pk},
    "reports:restore": lambda o: {"pk": o.summary.pk, "section_pk": o.section.pk, "number": 1},
    "welfare:institution_detail": lambda o: {"pk": o.welfare.institution.pk},
    "welfare:institution_edit": lambda o: {"pk": o.welfare.institution.pk},
    "welfare:inspection_detail": lambda o: {"pk": o.welfare.inspection.pk},
    "welfare:hazard_add": lambda o: {"pk": o.welfare.inspection.pk},
    "welfare:hazard_close": lambda o: {"pk": o.welfare.hazard.pk},
    "welfare:closure_decide": lambda o: {"pk": o.welfare.closure.pk},
    "welfare:project_detail": lambda o: {"pk": o.welfare.project.pk},
    "welfare:milestone_submit": lambda o: {"pk": o.welfare.project.pk},
    "welfare:project_funds": lambda o: {"pk": o.welfare.project.pk},
    "welfare:milestone_decide": lambda o: {"pk": o.welfare.report.pk},
    "welfare:import": lambda o: {"kind": "marriages"},
    "welfare:import_template": lambda o: {"kind": "cremations"},
    "access_grant_decide": lambda o: {"pk": o.grant.pk},
}

# URLs with parameters whose objects belong to no town (a district-wide payroll or standard): they
# need no "@六都镇" row.
TOWNLESS = {
    "account_change_decide",  # decided by the section's chief, district-wide
    "access_grant_decide",
    "assistance:standard_detail",
    "assistance:standard_decide",
    "assistance:standard_backpay",
    "assistance:standard_preview",
    "job_detail",  # a district payroll's job
    "job_status",
    "job_download",
    "assistance:payroll_detail",
    "assistance:payroll_decide",
    "assistance:payroll_export",
    "assistance:payroll_withdraw",
    "grassroots:standard_detail",
    "grassroots:standard_decide",
    "grassroots:standard_backpay",
    "grassroots:standard_preview",
    "grassroots:payroll_detail",
    "grassroots:payroll_decide",
    "grassroots:payroll_export",
    "grassroots:payroll_withdraw",
    "grassroots:station_open",
    "grassroots:project_detail",
    "grassroots:org_detail",
    # Summaries are the district's (or a town's, for the director): no caseworker opens them.
    "reports:detail",
    "reports:head",
    "reports:finalize",
    "reports:reopen",
    "reports:recompute",
    "reports:export",
    "reports:structure_top",
    "reports:structure",
    "reports:section_edit",
    "reports:section_preview",
    "reports:versions",
    "reports:restore",
    # Welfare's records are the district's (the section works district-wide).
    "welfare:institution_detail",
    "welfare:institution_edit",
    "welfare:inspection_detail",
    "welfare:hazard_add",
    "welfare:hazard_close",
    "welfare:closure_decide",
    "welfare:project_detail",
    "welfare:milestone_submit",
    "welfare:project_funds",
    "welfare:milestone_decide",
    "welfare:import",
    "welfare:import_template",
}

SKIPPED_PREFIXES = ("admin/", settings.STATIC_URL.lstrip("/"), "static/", "media/")


def welfare_objects(town_name):
    """An institution with an inspection, a hazard and its closure; a project and a milestone
    report — made by the welfare section's staff through its services."""
    from welfare import services as welfare

    staff = make_user(CASEWORKER, section=Section.WELFARE)
    town = village(town_name).town
    institution = welfare.save_institution(
        actor=staff, name=f"{town_name}敬老院", kind="nursing_home", region=town
    )
    inspection = welfare.record_inspection(
        actor=staff,
        institution=institution,
        date=datetime.date(2019, 3, 1),
        kind="safety",
        inspectors="何静",
        hazards=[{"description": "灭火器过期", "owner": "院长", "deadline": datetime.date(2019, 4, 1)}],
    )
    hazard = inspection.hazards.get()
    closure = welfare.submit_hazard_closure(
        actor=staff, hazard=hazard, rectified_on=datetime.date(2019, 3, 20), note="已更换"
    )
    project = welfare.create_facility_project(
        actor=staff, kind="cemetery", name=f"{town_name}生态墓", region=town
    )
    report = welfare.submit_milestone(
        actor=staff, milestone=project.milestones.first(), reached_on=datetime.date(2019, 2, 1)
    )
    return SimpleNamespace(
        institution=institution,
        inspection=inspection,
        hazard=hazard,
        closure=closure,
        project=project,
        report=report,
    )


def town_objects(town_name):
    """One of each object kind in the town, made through the services the users' clicks call;
    extend with what new URLs need."""
    from django.contrib.auth.models import User

    from assistance import services as assistance
    from civaffairs import accounts, jobs, payments
    from civaffairs import services as core
    from tests.factories import assistance_chief

    household = HouseholdFactory(region=village(town_name), members=1)
    worker = make_user(CASEWORKER, town=town_name)
    dibao = Program.objects.get(code="dibao")
    case = CaseFactory(household=household, program=dibao, submitted_by=worker)
    staff = make_user(CASEWORKER, section=Section.ASSISTANCE)
    # A 2019 standard drafted by 社会救助股's staff, awaiting the chief's approval.
    standard = payments.draft_standard(
        actor=staff,
        program=dibao,
        category="rural",
        amount=Decimal(490),
        effective_from=datetime.date(2019, 1, 1),
    )
    summary = _summary()
    procedure, attachment = _procedure(town_name, worker)
    request = assistance.submit_termination(
        actor=worker, case=case, effective_month=datetime.date(2019, 7, 1), reason="家庭收入超过标准"
    )
    # 生成发放名册 as 社会救助股's staff start it: a background job (run at once in the tests) that
    # makes the month's payroll; payrolls are district-wide, so each call takes its own month. The
    # chief approves it: the bank file of a batch is exported only once it is approved.
    month = datetime.date(2019, 1 + Payroll.objects.filter(program=dibao).count(), 1)
    job = jobs.start_payroll(actor=staff, program=dibao, month=month, result="assistance:payroll_detail")
    payroll = payments.decide_payroll(
        actor=assistance_chief(),
        payroll=Payroll.objects.get(pk=job.result["payroll"]),
        approve=True,
        comment="同意",
    )
    # The head's new card, as the town caseworker enters it (applied at once: the payroll has no
    # line of the head's; its decide URL takes POST only, whatever the change's status).
    account_change = core.change_payee_account(
        actor=worker,
        person=household.head,
        bank_name="工商银行",
        bank_account="6222020000000000001",
        reason="换卡",
    )
    # An account the admin made in 系统管理 asks to be the town's caseworker: waits for the director.
    newcomer = User.objects.create_user(username=f"newcomer{household.pk}", first_name="新任经办人")
    grant = accounts.request_access(
        actor=make_user(roles.ADMIN), user=newcomer, role=CASEWORKER, town=household.town, reason="测试"
    )
    return SimpleNamespace(
        procedure=procedure,
        attachment=attachment,
        summary=summary,
        section=summary.sections.get(),
        welfare=welfare_objects(town_name),
        grant=grant,
        household=household,
        person=household.head,
        member=household.members.exclude(person=household.head).get(),
        case=case,
        request=request,
        standard=standard,
        job=job,
        account_change=account_change,
        payroll=payroll,
        gr=grassroots_objects(town_name),
    )


def _procedure(town_name, worker):
    """An application of a household of the town accepted into the statutory procedure, with one
    scan, as the town caseworker's 受理 makes it (assistance.services.procedure)."""
    from decimal import Decimal

    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    from assistance.services import procedure as proc

    procedure = proc.accept_application(
        actor=worker,
        program="dibao",
        received_on=timezone.localdate(),
        materials={key: True for key, _ in proc.MATERIALS},
        scans=[("application", SimpleUploadedFile("申请书.pdf", PDF, content_type="application/pdf"))],
        household=HouseholdFactory(region=village(town_name), members=1),
        category="A",
        income=Decimal("100"),
    )
    return procedure, procedure.case.attachments.get()


def grassroots_objects(town_name):
    """A member and a clue of the town; a standard, an approved payroll, a station, a project and
    an organization of the district (grassroots' objects, made through its services)."""
    from decimal import Decimal

    from civaffairs import payments
    from grassroots import services as gr
    from grassroots.creditcode import make_credit_code
    from grassroots.programs import SUPERVISOR, ensure_programs
    from tests.factories import PersonFactory, town

    ensure_programs()
    staff = make_user(CASEWORKER, section=Section.GRASSROOTS)
    committee = village(town_name)
    day = datetime.date(2019, 1, 1)
    n = Payroll.objects.filter(program__code=SUPERVISOR).count()
    member = gr.register_member(
        actor=staff,
        person=PersonFactory(region=committee),
        committee=committee,
        role="member",
        term_start=day,
        bank_name="云浮农商银行",
        bank_account="621700001111222233",
    )
    payroll = payments.generate_payroll(actor=staff, program=SUPERVISOR, month=datetime.date(2019, 1 + n, 1))
    # Approved by the section's chief, as the bank file of a batch is exported only once approved.
    grassroots_chief = make_user(roles.CHIEF, section=Section.GRASSROOTS)
    payroll = payments.decide_payroll(actor=grassroots_chief, payroll=payroll, approve=True, comment="同意")
    return SimpleNamespace(
        member=member,
        standard=payments.draft_standard(
            actor=staff, program=SUPERVISOR, category="default", amount=Decimal(625), effective_from=day
        ),
        payroll=payroll,
        station=gr.create_station(
            actor=staff, name=f"{town_name}社工站", town=town(town_name), established_on=day
        ),
        project=gr.create_project(actor=staff, kind="sanshe", region=committee, funds=100000, started_on=day),
        org=gr.register_organization(
            actor=staff,
            name=f"{town_name}协会",
            credit_code=make_credit_code("1", 500 + n),
            kind="1",
            registered_on=day,
            legal_representative="陈志明",
        ),
        clue=gr.record_clue(actor=staff, village=committee, received_on=day, summary="无"),
    )


def _summary():
    """A district summary with one 社会救助股 section; each call makes its own period."""
    from civaffairs.roles import DIRECTOR
    from reports import document, services
    from reports.models import Summary

    director = make_user(DIRECTOR)
    period = f"{2019 - Summary.objects.count()}H1"
    template = document.parse_template("标题：总结\n= 低保 @assistance\n现有{dibao.households}户。")
    return services.create_summary(actor=director, period=period, template=template)


def url_patterns(patterns=None, prefix="", namespace=None, params=()):
    """(route, full name, parameter names) for every pattern, admin and static files left out."""
    if patterns is None:
        patterns = get_resolver().url_patterns
    for p in patterns:
        route = prefix + str(p.pattern)
        if route.startswith(SKIPPED_PREFIXES):
            continue
        names = (*params, *p.pattern.regex.groupindex)
        if isinstance(p, URLResolver):
            ns = namespace
            if p.namespace:
                ns = f"{namespace}:{p.namespace}" if namespace else p.namespace
            yield from url_patterns(p.url_patterns, route, ns, names)
        else:
            name = f"{namespace}:{p.name}" if namespace and p.name else p.name
            yield route, name, names


def undeclared(patterns=None):
    problems = []
    for route, name, params in url_patterns(patterns):
        if name is None:
            problems.append(f"URL pattern {route!r} has no name: name it and declare it in EXPECTED")
            continue
        if name not in EXPECTED:
            problems.append(
                f"URL {name!r} ({route}) is not declared in EXPECTED in tests/civaffairs/test_permissions.py: "
                "add the status each role gets"
            )
        if params:
            if name not in KWARGS:
                problems.append(f"URL {name!r} ({route}) takes {list(params)}: add KWARGS[{name!r}]")
            if name not in TOWNLESS and name + OTHER_TOWN not in EXPECTED:
                problems.append(
                    f"URL {name!r} ({route}) takes an object: declare EXPECTED[{name + OTHER_TOWN!r}] "
                    "for an object of another town"
                )
    return problems


def test_every_row_declares_a_status_for_every_role():
    """No row may leave a role out (rows once had six columns and the welfare chief's was skipped)."""
    short = [key for key, row in EXPECTED.items() if len(row) != len(ROLES)]
    assert not short, f"rows without a status for each of {ROLES}: {short}"


# README's role × data table (section "Who sees what"), row by row: the row as README writes it,
# the page that shows that data, and the section owning it (None: every section's, scoped).
README_COLUMNS = ("town caseworker", "section staff", "section chief", "director", "auditor", "admin")
README_DATA = [
    (
        "| persons, households | own town | registry (社会救助股) or persons of own section's records "
        "(welfare: also the residents of its institutions) | same as staff | all, read | all, read | none |",
        "person_list",
        None,
    ),
    (
        "| cases, applications, payments | own town, every section | own section | own section, approves "
        "| all, read | all, read | none |",
        "assistance:case_list",
        None,
    ),
    (
        "| payrolls, standards | read | own section, drafts and generates | own section, approves "
        "| all, read | all, read | none |",
        "assistance:payroll_list",
        None,
    ),
    ("| audit log | — | — | — | read | read | read-only in admin |", "audit_log", None),
    (
        "| accounts | — | — | — | approves access requests | reads them | asks for roles and scopes |",
        "access_grants",
        None,
    ),
    (
        "| welfare records (institutions, projects, registrations, cremations) | — | 社会福利股 only, records "
        "| 社会福利股 only, approves | all, read | all, read | none |",
        "welfare:cremation_list",
        "welfare",
    ),
    (
        "| grassroots records (members, allowance, organizations, projects) | — | 基层政权股 only, records "
        "| 基层政权股 only, approves | all, read | all, read | none |",
        "grassroots:member_list",
        "grassroots",
    ),
    (
        "| clue contents (扫黑除恶) | — | counts only | 基层政权股 chief only | read, each opening audited "
        "| counts only | none |",
        "grassroots:clue_detail",
        "grassroots",
    ),
    (
        "| summaries (工作总结) | — | — | read; edit own section's, export drafts | all; finalize, reopen "
        "| read | none |",
        "reports:detail",
        None,
    ),
]
# Cells that grant nothing on the row's page ("read-only in admin": in 系统管理, not on this page).
REFUSED_CELLS = {"—", "none", "counts only", "read-only in admin"}
# The matrix's roles as README's columns, with the section of each chief.
ROLE_COLUMNS = {
    "caseworker": ("town caseworker", None),
    "chief": ("section chief", "assistance"),
    "welfare_chief": ("section chief", "welfare"),
    "director": ("director", None),
    "auditor": ("auditor", None),
    "sysadmin": ("admin", None),
}


def test_readme_states_the_role_by_data_rows_this_test_checks():
    readme = (settings.BASE_DIR / "README.md").read_text()
    header = "| data | " + " | ".join(README_COLUMNS) + " |"
    assert header in readme
    for row, _name, _owner in README_DATA:
        assert row in readme, f"README's role × data table lacks or differs from: {row}"


@pytest.mark.parametrize("row,name,owner", README_DATA, ids=[r[1] for r in README_DATA])
def test_each_readme_data_row_agrees_with_the_matrix(row, name, owner):
    cells = dict(zip(("data", *README_COLUMNS), (c.strip() for c in row.strip("|").split("|")), strict=True))
    wrong = []
    for role, (column, section) in ROLE_COLUMNS.items():
        granted = cells[column] not in REFUSED_CELLS and (owner is None or section in (None, owner))
        status = EXPECTED[name][ROLES.index(role)]
        if granted != (status == 200):
            wrong.append(f"{role} ({column}: {cells[column]!r}) gets {status} on {name}")
    assert not wrong, "\n".join(wrong)


def test_every_url_pattern_is_declared_in_the_expectations_table():
    problems = undeclared()
    assert not problems, "\n".join(problems)


def test_the_expectations_table_names_no_url_that_is_gone():
    names = {name for _route, name, _params in url_patterns()}
    stale = [key for key in EXPECTED if key.removesuffix(OTHER_TOWN) not in names]
    stale += [key for key in KWARGS if key not in names]
    assert not stale, f"EXPECTED/KWARGS declare URLs that no longer exist: {stale}"


def test_an_undeclared_namespaced_view_would_fail_the_table():
    def view(request, pk):
        raise AssertionError("never called")

    probe = ([path("probe/<int:pk>/", view, name="undeclared_probe")], "assistance")
    patterns = [*get_resolver().url_patterns, path("assistance/", include(probe, namespace="assistance"))]
    problems = set(undeclared(patterns)) - set(undeclared())
    assert len(problems) == 3, problems  # no EXPECTED row, no KWARGS, no row for another town
    assert all("'assistance:undeclared_probe'" in p for p in problems)
    assert any("is not declared in EXPECTED" in p for p in problems)


def test_the_walk_finds_the_namespaced_assistance_urls():
    # The guard against undeclared views is only as good as the walk; it must see namespaces.
    names = {name for _route, name, _params in url_patterns()}
    assert {"home", "person_detail", "assistance:case_detail"} <= names
    assert not any(name and name.startswith("admin:") for name in names)


@pytest.fixture
def objects(db):
    return {"": town_objects("石城镇"), OTHER_TOWN: town_objects("六都镇")}


def requests(objects):
    """(row key, url) for every declared row."""
    for _route, name, params in url_patterns():
        if name is None:
            continue
        if not params:
            yield name, reverse(name)
            continue
        if name not in KWARGS:
            yield name, None
            continue
        for suffix, objs in objects.items():
            if suffix and name in TOWNLESS:
                continue
            yield name + suffix, reverse(name, kwargs=KWARGS[name](objs))


def describe(response):
    if response.status_code in (301, 302):
        login = resolve_url(settings.LOGIN_URL)
        if response.url.startswith(login + "?"):
            return LOGIN
        if response.url.startswith("/assistance/procedures/accept/"):
            return ACCEPT
        return f"{response.status_code}→{response.url}"
    return response.status_code


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_the_declared_status_on_every_url(role, objects, client, login, request):
    if role != "anonymous":
        client = login(request.getfixturevalue(role))
    column = ROLES.index(role)
    wrong = []
    for key, url in requests(objects):
        if url is None:
            wrong.append(f"{key}: takes parameters but has no KWARGS entry (and EXPECTED rows)")
            continue
        if key not in EXPECTED:
            wrong.append(f"{key}: not declared in EXPECTED")
            continue
        expected = EXPECTED[key][column]
        got = describe(client.get(url))
        if got != expected:
            wrong.append(f"{key} {url}: expected {expected}, got {got}")
    assert not wrong, f"{role}:\n" + "\n".join(wrong)
