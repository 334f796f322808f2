"""Roles are Django groups; their permissions are declared here once and applied by a data migration."""

CASEWORKER = "经办人"
CHIEF = "股长"
DIRECTOR = "局长"
AUDITOR = "审计员"
ADMIN = "系统管理员"
# 镇民政办负责人: signs the town's review (镇审核) of 低保 and 特困 applications; bound to a town and
# scoped to it like a town caseworker, reading its records (assistance/services/procedure.py).
TOWN_REVIEWER = "镇民政办负责人"
ROLES = [CASEWORKER, TOWN_REVIEWER, CHIEF, DIRECTOR, AUDITOR, ADMIN]
# Roles that read beneficiary data: giving one to an account is a request the director approves
# (civaffairs/accounts.py), never the admin's decision alone.
BENEFICIARY_ROLES = [CASEWORKER, TOWN_REVIEWER, CHIEF, DIRECTOR, AUDITOR]

_BENEFICIARY_VIEW = [
    "civaffairs.view_person",
    "civaffairs.view_household",
    "civaffairs.view_householdmember",
    "civaffairs.view_case",
    "civaffairs.view_coverage",
    "civaffairs.view_request",
    "civaffairs.view_paymentline",
    "civaffairs.view_payroll",
    "civaffairs.view_standard",
    "civaffairs.view_region",
    "civaffairs.view_program",
    "civaffairs.view_institution",
    "civaffairs.view_project",
    "civaffairs.view_activity",
]

PERMISSIONS = {
    CASEWORKER: _BENEFICIARY_VIEW
    + [
        "civaffairs.add_person",
        "civaffairs.change_person",
        "civaffairs.add_household",
        "civaffairs.change_household",
        "civaffairs.add_case",
        "civaffairs.add_request",
        "civaffairs.add_standard",
        "civaffairs.add_payroll",
        "civaffairs.view_full_id_number",
    ],
    # The town reviewer reads the town's records and signs the town's review; submits nothing.
    TOWN_REVIEWER: _BENEFICIARY_VIEW
    + [
        "assistance.review_procedure",
        "civaffairs.view_full_id_number",
    ],
    # Chiefs decide what their staff draft and generate, and draft or generate nothing themselves:
    # nobody approves their own work, and no batch waits for a decider who does not exist.
    CHIEF: _BENEFICIARY_VIEW
    + [
        # 工作总结: a chief edits the sections their section owns (reports/services.py).
        "reports.view_summary",
        "reports.edit_summary",
        "civaffairs.approve_case",
        "civaffairs.approve_standard",
        "civaffairs.approve_payroll",
        "civaffairs.view_full_id_number",
    ],
    # The director and auditors read numbers masked and may reveal one at a time (audited).
    # Whole numbers need the permission *and* a scope that needs them (selectors.may_see_whole_numbers):
    # 社会救助股 staff and chief, town caseworkers.
    DIRECTOR: _BENEFICIARY_VIEW
    + [
        "reports.view_summary",
        "reports.add_summary",
        "reports.edit_summary",
        "reports.finalize_summary",
        "civaffairs.view_auditevent",
        "civaffairs.reveal_id_number",
        "civaffairs.view_accessgrant",
        "civaffairs.approve_accessgrant",
    ],
    AUDITOR: _BENEFICIARY_VIEW
    + [
        "reports.view_summary",
        "civaffairs.view_auditevent",
        "civaffairs.reveal_id_number",
        "civaffairs.view_accessgrant",
    ],
    # Accounts and reference data; no beneficiary data by default.
    ADMIN: [
        "auth.add_user",
        "auth.change_user",
        "auth.view_user",
        "auth.view_group",
        "civaffairs.view_region",
        "civaffairs.add_region",
        "civaffairs.change_region",
        "civaffairs.view_program",
        "civaffairs.view_institution",
        "civaffairs.add_institution",
        "civaffairs.change_institution",
        # Roles and scopes are given by access requests the director approves, not edited here.
        "civaffairs.view_userscope",
        "civaffairs.view_accessgrant",
        "civaffairs.add_accessgrant",
        # Unlocking an account django-axes has locked (templates/registration/locked.html) is
        # deleting its access attempts in 系统管理 → Axes → Access attempts.
        "axes.view_accessattempt",
        "axes.delete_accessattempt",
    ],
}


def role_of(user):
    """The user's role (a group name), or None. Asked once per user object, as Django keeps the
    user's permissions (a page asks it once for every list a figure may open)."""
    if not getattr(user, "is_authenticated", False):
        return None
    if not hasattr(user, "_role_cache"):
        names = {g.name for g in user.groups.all()}
        user._role_cache = next((role for role in ROLES if role in names), None)
    return user._role_cache


def apply_role_permissions(apps=None):
    """Create the groups and give them exactly their declared permissions (idempotent).

    Returns the permissions left out because their app has no content types yet: migration 0002
    runs before django-axes' migrations on a fresh database, so the axes permissions come from a
    later call (load_demo's ensure_reference_data, or a later data migration). Inside a migration
    (historical `apps`), a permission its model does not declare yet is left out too: the later
    migration that declares it applies the roles again. Outside migrations a permission missing
    from an app that does exist is a typo here, and fails."""
    from django.apps import apps as global_apps
    from django.contrib.auth.management import create_permissions

    historical = apps is not None and apps is not global_apps
    apps = apps or global_apps
    for config in apps.get_app_configs():
        # A migration's historical app configs carry no models module, which create_permissions
        # takes for "no models"; lend it one for the call.
        had = getattr(config, "models_module", None)
        config.models_module = True
        create_permissions(config, apps=apps, verbosity=0)
        config.models_module = had
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    ContentType = apps.get_model("contenttypes", "ContentType")
    skipped = []
    for role, perms in PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        objs = []
        for perm in perms:
            app_label, codename = perm.split(".")
            found = Permission.objects.filter(content_type__app_label=app_label, codename=codename).first()
            if found is None and (historical or not ContentType.objects.filter(app_label=app_label).exists()):
                skipped.append(perm)
                continue
            if found is None:
                raise Permission.DoesNotExist(f"{role}: no permission {perm}")
            objs.append(found)
        group.permissions.set(objs)
    return skipped
