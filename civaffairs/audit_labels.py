"""Chinese labels for the audit log: action codes, object types and the keys of `changes`.

The log stores codes (`payroll.correction`, `civaffairs.Payroll`, `income_per_capita`) so that it
stays stable and searchable; the page shows these labels. Object types and field keys take the
model's own verbose names, so no label is written twice; only codes that name no model or field
are listed here. tests/civaffairs/test_audit_labels.py fails for an action code written anywhere
without a label.

Values read as on the other screens: choices by their labels, amounts as 1,996,160.00, and the
rows a value refers to (所在村（居）：949, 项目：dibao, a module code) by their names — resolved for
a whole page of events at once, one query per kind of row (References), never one per event.
"""

import re
from collections import defaultdict

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist

from .money import format_money
from .names import person_name

# Every action passed to civaffairs.audit.record, in the order of the work it records.
ACTION_LABELS = {
    "login": "登录",
    "login_failed": "登录失败",
    "logout": "退出登录",
    "person.create": "新增人员",
    "person.update": "修改人员信息",
    "person.reveal_id": "查看完整身份证号",
    "household.create": "新增家庭",
    "household.update": "修改家庭信息",
    "household.add_member": "添加家庭成员",
    "household.remove_member": "移出家庭成员",
    "household.change_head": "变更户主",
    "case.submit": "提交救助申请",
    "case.submit_termination": "提交核减（终止）",
    "case.submit_add_member": "提交增人",
    "case.submit_remove_member": "提交减人",
    "case.submit_review": "提交动态复核",
    "request.approve": "批准申请",
    "request.reject": "驳回申请",
    "standard.draft": "拟定保障标准",
    "standard.approve": "批准保障标准",
    "standard.reject": "驳回保障标准",
    "backpay.generate": "生成提标补发名册",
    "payroll.generate": "生成发放名册",
    "payroll.correction": "提交发放更正",
    "payroll.approve": "批准发放名册",
    "payroll.reject": "驳回发放名册",
    "payroll.withdraw": "撤回发放名册",
    "household.income": "调整家庭收入",
    "case.enrol_many": "批量办理救助（批准）",
    "payee_account.change": "变更收款账户",
    "payee_account.submit": "提交收款账户变更",
    "payee_account.approve": "批准收款账户变更",
    "payee_account.reject": "驳回收款账户变更",
    "coverage.end_at_death": "死亡后停止保障",
    "roster.import": "导入花名册",
    # 低保、特困审核确认程序 (assistance/services/procedure.py)
    "procedure.accept": "受理救助申请",
    "procedure.complete_materials": "补齐申请材料（受理）",
    "procedure.upload": "上传扫描件",
    "procedure.download": "下载扫描件",
    "procedure.verification": "记录家庭经济状况核对",
    "procedure.verification_import": "导入核对中心反馈",
    "procedure.home_visit": "记录入户调查",
    "procedure.district_visit": "记录区级抽查入户",
    "procedure.appraisal": "记录民主评议",
    "procedure.extend_town": "延长镇审核期限",
    "procedure.town_review": "签署镇审核意见",
    "procedure.spot_check": "抽取区级抽查样本",
    "procedure.extend_district": "延长区审批期限",
    "procedure.notice": "发布公示",
    "procedure.objection": "登记公示异议",
    "procedure.decided": "作出审核确认决定",
    "procedure.urgent": "先行救助（急难型临时救助）",
    "procedure.papers": "补齐临时救助手续",
    "procedure.relative": "近亲属备案",
    # 基层政权和社区建设 (grassroots/services)
    "supervisor.register": "登记村务监督委员会成员",
    "supervisor.end_term": "村务监督委员会成员任期结束",
    "station.create": "新建社工站",
    "station.open": "社工站投入运营",
    "social_worker.recruit": "招聘社工",
    "community_project.create": "登记基层建设资金项目",
    "community_project.status": "变更基层建设项目状态",
    "village_rule.set": "登记村规民约状态",
    "village_rule.set_many": "批量登记村规民约状态",
    "guidance.create": "登记指导文件",
    "socialorg.register": "登记社会组织",
    "socialorg.cancel": "注销社会组织",
    "council.file": "乡贤理事会备案",
    "council.register": "乡贤理事会核名登记",
    "clue.record": "登记线索排查表",
    "clue.open": "查看线索内容",
    "clue.status": "变更线索跟进状态",
    "publicity.record": "登记宣传资料发放",
    # 社会福利和社会事务 (welfare/services)
    "welfare.institution.create": "新增福利机构",
    "welfare.institution.update": "修改机构概况",
    "welfare.inspection.create": "登记安全检查",
    "welfare.hazard.create": "登记安全隐患",
    "welfare.hazard.submit_closure": "提交隐患整改销号",
    "welfare.hazard.approve_closure": "批准隐患销号",
    "welfare.hazard.reject_closure": "驳回隐患销号",
    "welfare.retrofit.create": "登记消防改造",
    "welfare.project.create": "新增设施建设项目",
    "welfare.project.funds": "更新项目资金",
    "welfare.milestone.submit": "报告项目节点完成",
    "welfare.milestone.approve": "批准项目节点",
    "welfare.milestone.reject": "驳回项目节点",
    "welfare.marriage.create": "录入婚姻登记",
    "welfare.adoption.create": "录入收养登记",
    "welfare.cremation.create": "登记火化",
    "person.death_recorded": "据火化登记记录死亡",
    "welfare.publicity.create": "登记殡葬改革宣传",
    "export": "导出数据",
    "demo.load": "载入演示数据",
    "demo.scale": "按倍数复制演示数据",
    "account.create": "新建账号",
    "reference.create": "新增基础数据",
    "reference.change": "修改基础数据",
    "reference.delete": "删除基础数据",
    "account.change": "修改账号",
    "account.password": "重置账号密码",
    "account.delete": "删除账号",
    "account.role_create": "新建角色",
    "account.role_change": "修改角色权限",
    "account.role_delete": "删除角色",
    "account.scope": "设置账号范围",
    "account.scope_delete": "删除账号范围（改为全区）",
    "account.unlock": "解除账号锁定",
    "summary.create": "新建工作总结",
    "summary.update": "修改工作总结标题和导语",
    "summary.section_save": "修改工作总结章节",
    "summary.section_add": "新增工作总结章节",
    "summary.section_move": "移动工作总结章节",
    "summary.section_delete": "删除工作总结章节",
    "summary.finalize": "工作总结定稿",
    "summary.reopen": "重新打开工作总结",
    "plan.add": "登记工作计划事项",
    "plan.update": "更新工作计划事项",
    "account.password_change": "修改本人密码",
    "account.grant_request": "申请账号授权",
    "account.grant_suspend": "暂停账号角色（待局长审批）",
    "account.grant_approve": "批准账号授权",
    "account.grant_reject": "驳回账号授权",
}

ACTION_CHOICES = list(ACTION_LABELS.items())

# Object types that are not models (audit.record(..., object_type="export")).
OBJECT_TYPE_LABELS = {
    "export": "导出",
    "roster": "花名册",
    "demo": "演示数据",
    "verification_import": "核对中心反馈",
}

# Keys of `changes` that are not fields of the event's object model.
KEY_LABELS = {
    "bank_account": "银行账号",
    "regions": "村（居）委和自然村数",
    "members": "家庭成员",
    "person": "涉及人员",
    "relation": "与户主关系",
    "joined_on": "加入日期",
    "left_on": "离开日期",
    "old_head": "原户主",
    "new_head": "新户主",
    "old_head_relation": "原户主改为",
    "what": "导出内容",
    "rows": "行数",
    "full_ids": "含完整身份证号",
    "module": "模块",
    "file": "文件",
    "program": "项目",
    "households": "户数",
    "persons": "人数",
    "approved_on_import": "导入时已审批",
    "approved_by": "审批人",
    "status": "状态",
    "case_ids": "救助对象编号",
    "case": "救助对象",
    "covered": "保障人员",
    "effective_month": "生效年月",
    "reason": "事由",
    "outcome": "复核结论",
    "kind": "申请类型",
    "comment": "审批意见",
    "lines": "明细笔数",
    "total": "合计金额（元）",
    "amount": "金额（元）",
    "income": "月人均收入（元）",
    "income_total": "变更后家庭月总收入（元）",
    "username": "用户名",
    "password": "密码",
    "failures": "连续登录失败次数",
    # 社会福利和社会事务
    "institution": "机构",
    "hazards": "发现的隐患",
    "milestone": "节点",
    "party_a": "男方",
    "party_b": "女方",
    "child": "被收养人",
    "adopter": "收养人",
    "registered_person": "系登记人员",
    "by": "依据",
    "place": "地点",
    "role": "角色",
    "groups": "角色",
    # 低保、特困审核确认程序 (assistance/services/procedure.py)
    "received_on": "收件日期",
    "accepted": "已受理（材料齐全）",
    "missing": "缺少的材料",
    "accepted_on": "受理日期",
    "name": "文件名",
    "size": "大小（字节）",
    "checks": "核对项数",
    "recheck": "复查",
    "review": "复核申请",
    "visited_on": "调查日期",
    "investigators": "调查人员",
    "held_on": "评议日期",
    "due": "应到人数",
    "attended": "实到人数",
    "agreed": "同意人数",
    "due_on": "办理期限",
    "recommends": "建议批准",
    "opinion": "审核意见",
    "month": "月份",
    "seed": "随机种子",
    "population": "参与抽取件数",
    "sampled": "抽中件数",
    "starts_on": "公示开始",
    "ends_on": "公示结束",
    "reopens": "重新核对",
    "content": "异议内容",
    "approved": "批准",
    "certificate_no": "证书编号",
    "reasons": "不予批准理由",
    "on": "日期",
    "official_role": "职务类别",
    "attachment": "扫描件",
    "applications": "申请件数",
    "material": "材料类型",
    "kinship": "亲属关系",
}

# Keys of `changes` that hold a list of items, not a [before, after] pair.
LIST_KEYS = {"members", "covered", "case_ids", "hazards"}

# Where a key means something else than the object model's field of that name:
# key → (label, the model whose field of that name gives the values' labels, or None).
_CASE_AFTER_DECISION = {
    "status": ("救助对象状态", "civaffairs.Case"),
    "end_month": ("停发年月", "civaffairs.Case"),
}
ACTION_KEYS = {
    "request.approve": _CASE_AFTER_DECISION,
    "request.reject": _CASE_AFTER_DECISION,
    # The month being corrected, not the correction batch's own 发放年月.
    "payroll.correction": {"month": ("更正所属年月", None), "amount": ("更正金额（元）", None)},
    # The imported cases' status (在保 when approved on import, 待审批 otherwise).
    "roster.import": {"status": ("救助对象状态", "civaffairs.Case")},
    # A member's relation to the head, recorded as its code (child → 子女).
    "household.add_member": {"relation": ("与户主关系", "civaffairs.HouseholdMember")},
    # A household has no account holder of its own: the key is recorded for every payee.
    "payee_account.change": {"account_holder": ("账户户名", None)},
}


# Keys that name a row but are no field of the event's object model: key → the row's model.
KEY_REFERENCES = {
    "program": "civaffairs.Program",  # roster.import records the program's code
    "approved_by": "auth.User",  # roster.import records the approver's username
    "case": "civaffairs.Case",  # payroll.correction records the case's id
}
# Rows recorded by a code rather than their id: model → the field holding that code.
REFERENCE_CODES = {"civaffairs.Program": "code", "auth.User": "username"}
# Keys whose value is an app's label (`{"module": "assistance"}`), shown as the app's name.
MODULE_KEYS = {"module"}

# How a referenced row reads: model → (function of the row, relations fetched with it so that
# the function needs no query of its own). Other models read as str(row). Apps add their own
# (assistance/labels.py names a standard with its category's label).
_REFERENCE_NAMES = {}


def register_reference_name(model_label, function, *, select_related=()):
    _REFERENCE_NAMES[model_label] = (function, tuple(select_related))


register_reference_name("auth.User", person_name)
register_reference_name(
    "civaffairs.Region", lambda region: region.full_name, select_related=("parent__parent__parent",)
)
register_reference_name("civaffairs.Household", str, select_related=("head",))
register_reference_name("civaffairs.Case", str, select_related=("program", "household__head", "person"))


def action_label(code):
    return ACTION_LABELS.get(code, code)


def _model(object_type):
    if not object_type:
        return None
    try:
        return apps.get_model(object_type)
    except (LookupError, ValueError):
        return None


def object_type_label(object_type):
    """'civaffairs.Payroll' → 发放名册 (the model's verbose_name); other types from the table above."""
    model = _model(object_type)
    if model is not None:
        return str(model._meta.verbose_name)
    return OBJECT_TYPE_LABELS.get(object_type, object_type)


def _field(object_type, key):
    model = _model(object_type)
    if model is None:
        return None
    try:
        field = model._meta.get_field(key)
    except FieldDoesNotExist:
        return None
    # A reverse relation (household.members) has no label of its own.
    return field if hasattr(field, "verbose_name") else None


def key_label(object_type, key, action=""):
    """A `changes` key as the object model's field label; the key itself when nothing names it."""
    if key in ACTION_KEYS.get(action, {}):
        return ACTION_KEYS[action][key][0]
    field = _field(object_type, key)
    if field is not None:
        return str(field.verbose_name)
    return KEY_LABELS.get(key, key)


def reference_model(object_type, key, action=""):
    """The model of the row a `changes` key refers to ("civaffairs.Region" for a person's
    region), or None for a plain value."""
    if key in ACTION_KEYS.get(action, {}):
        return None
    field = _field(object_type, key)
    if field is not None:
        if (field.many_to_one or field.one_to_one) and field.related_model is not None:
            return field.related_model._meta.label
        return None
    return KEY_REFERENCES.get(key)


def _lookup(model_label, value):
    """(field, value) that finds the referenced row: its id, or its code where one is recorded."""
    if isinstance(value, int) and not isinstance(value, bool):
        return ("pk", value)
    if isinstance(value, str) and value and model_label in REFERENCE_CODES:
        return (REFERENCE_CODES[model_label], value)
    return None


def _pair(key, change):
    return isinstance(change, list) and len(change) == 2 and key not in LIST_KEYS


class References:
    """The names of the rows a page of audit events refers to, fetched at once: one query per
    model referred to (regions, programs, users, …), whatever the number of events."""

    def __init__(self, events=()):
        wanted = defaultdict(set)
        for event in events:
            if event.object_type == "auth.User" and event.object_id.isdigit():
                wanted["auth.User", "pk"].add(int(event.object_id))
            for key, change in (event.changes or {}).items():
                model = reference_model(event.object_type, key, event.action)
                if model is None:
                    continue
                for value in change if _pair(key, change) else [change]:
                    found = _lookup(model, value)
                    if found is not None:
                        wanted[model, found[0]].add(found[1])
        self._names = {}
        for (model_label, field), values in wanted.items():
            model = apps.get_model(model_label)
            function, related = _REFERENCE_NAMES.get(model_label, (str, ()))
            rows = model._default_manager.select_related(*related).filter(**{f"{field}__in": values})
            for row in rows:
                self._names[model_label, field, getattr(row, field)] = function(row)

    def name(self, model_label, value):
        """The referenced row's name; None when the value refers to no row fetched."""
        found = _lookup(model_label, value)
        if found is None:
            return None
        return self._names.get((model_label, *found))


def _is_money(object_type, key, action):
    # Every amount's label names its unit: 合计金额（元）, 标准（元）, 补差水平（元/人/月）.
    return "（元" in key_label(object_type, key, action)


def value_label(object_type, key, value, action="", references=None):
    """A recorded value as shown: a choice by its label, yes/no in Chinese, nothing as a dash,
    an amount as 1,234.50, a module by its name, a row by its name (given the page's references)."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list):
        return "、".join(str(value_label(object_type, key, v, action, references)) for v in value)
    if key in MODULE_KEYS and isinstance(value, str) and apps.is_installed(value):
        return str(apps.get_app_config(value).verbose_name)
    model = reference_model(object_type, key, action)
    if model is not None and references is not None:
        name = references.name(model, value)
        if name is not None:
            return name
    if _is_money(object_type, key, action):
        try:
            return format_money(value)
        except ValueError:
            return value
    if key in ACTION_KEYS.get(action, {}):
        object_type = ACTION_KEYS[action][key][1]
    field = _field(object_type, key)
    if field is not None and not field.is_relation and field.flatchoices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, str) and _ISO_DATE.match(value):
        # Dates are recorded as 2019-12-31 and read as every other date does: 2019年12月31日.
        year, month, day = (int(part) for part in value.split("-"))
        if day == 1 and key_label(object_type, key, action).endswith("年月"):
            return f"{year}年{month}月"  # a month (所属年月, 生效年月) recorded as its first day
        return f"{year}年{month}月{day}日"
    return value


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def describe_changes(action, object_type, changes, references=None):
    """[(label, before, after)] for a [before, after] pair, [(label, value, None)] otherwise.
    references: the page's References, so that ids and codes of rows read as their names."""
    rows = []
    for key, change in (changes or {}).items():
        label = key_label(object_type, key, action)
        if _pair(key, change):
            before, after = (value_label(object_type, key, v, action, references) for v in change)
            rows.append((label, before, after))
        else:
            rows.append((label, value_label(object_type, key, change, action, references), None))
    return rows
