"""XLSX imports of welfare, through the core's one import pipeline (civaffairs/imports.py):

- 婚姻登记: the registrations exported from the national marriage registration system (全国婚姻
  登记信息系统), one registration a row, in the columns of MARRIAGE_COLUMNS;
- 火化记录: the funeral home's monthly list, one cremation a row, in CREMATION_COLUMNS.

Every row is checked by the same function the form's service uses, then all rows are written by
that service in one transaction; any failing row or column is listed and nothing is written.
"""

import datetime

from civaffairs.idnumber import make_id_number, normalize
from civaffairs.imports import (
    EXAMPLE_MARK,
    ImportColumn,
    Importer,
    choice,
    parse_date,
    parse_money,
    run,
    template,
)
from civaffairs.models import Region

from . import services
from .access import check_staff
from .models import IdType, MarriageRegistration
from .services.funeral import CremationLookup, cremation_errors
from .services.registrations import MarriageLookup, marriage_errors

KINDS = {label: value for value, label in MarriageRegistration.Kind.choices}
SCOPES = {label: value for value, label in MarriageRegistration.Scope.choices}
ID_TYPES = {label: value for value, label in IdType.choices}
REVIEW = {"合格": True, "不合格": False}
YES_NO = {"是": True, "否": False}


def _town_parser():
    """Town names to towns, read once per import (on the first cell), not once per row."""
    towns = {}

    def parse(value):
        if not towns:
            towns.update({t.name: t for t in Region.objects.filter(level=Region.Level.TOWN)})
        name = str(value).strip()
        if name not in towns:
            raise ValueError(
                f"未知的镇“{name}”，应为{'、'.join(sorted(towns, key=lambda n: towns[n].code))}之一"
            )
        return towns[name]

    return parse


def _village_parser():
    """Village committees by name, kept with their town: the row's check matches it to the
    row's 所属镇 (the same name occurs in two towns, so the name alone picks no village)."""
    villages = {}

    def parse(value):
        if not villages:
            for v in Region.objects.filter(level=Region.Level.VILLAGE).select_related("town"):
                villages.setdefault(v.name, []).append(v)
        name = str(value).strip()
        if name not in villages:
            raise ValueError(f"未知的村（居）“{name}”")
        return villages[name]

    return parse


def _id_text(value):
    """An ID number cell: Excel turns an 18-digit number typed without text format into a float
    and loses its last digits; such a cell is refused rather than guessed."""
    if isinstance(value, float | int):
        raise ValueError("证件号码须以文本格式填写（数字格式会丢失末几位）")
    return normalize(str(value))


def _mapped(errors, fields, row):
    """Service field errors → {column header: message}; the column already names the field. A
    template's example row left in is named as such."""
    out = {}
    for key, message in errors.items():
        header = fields.get(key, key)
        out[header] = message.removeprefix(f"{header}：")
    for header in fields.values():
        if isinstance(row.get(header), str) and EXAMPLE_MARK in row[header]:
            out[header] = "这是模板的示例行，请删除后再导入"
    return out


# ---------------------------------------------------------------- marriage registrations

M_FIELDS = {
    "date": "登记日期",
    "kind": "登记类别",
    "scope": "登记类型",
    "party_a_name": "男方姓名",
    "party_a_id_type": "男方证件类型",
    "party_a_id": "男方证件号码",
    "party_b_name": "女方姓名",
    "party_b_id_type": "女方证件类型",
    "party_b_id": "女方证件号码",
    "certificate_no": "证书编号",
    "qualified": "审查结果",
    "town": "户籍所在镇",
}


def marriage_columns():
    husband = make_id_number("445303", datetime.date(1992, 5, 8), 37)
    wife = make_id_number("445323", datetime.date(1994, 10, 2), 48)
    return [
        ImportColumn("登记日期", parse=parse_date, note="如 2019-03-08", example="2019-03-08", text=True),
        ImportColumn(
            "登记类别",
            parse=choice(KINDS, "登记类别"),
            note="、".join(KINDS),
            example="结婚登记",
            choices=tuple(KINDS),
        ),
        ImportColumn(
            "登记类型",
            parse=choice(SCOPES, "登记类型"),
            note="、".join(SCOPES),
            example="国内",
            choices=tuple(SCOPES),
        ),
        ImportColumn("男方姓名", example=f"陈大文{EXAMPLE_MARK}"),
        ImportColumn(
            "男方证件类型",
            parse=choice(ID_TYPES, "证件类型"),
            note="、".join(ID_TYPES) + "；国内登记须为居民身份证",
            example="居民身份证",
            choices=tuple(ID_TYPES),
        ),
        ImportColumn(
            "男方证件号码",
            parse=_id_text,
            note="身份证18位，末位可为X；请保持文本格式",
            example=husband,
            text=True,
            width=22,
        ),
        ImportColumn("女方姓名", example=f"李小红{EXAMPLE_MARK}"),
        ImportColumn(
            "女方证件类型", parse=choice(ID_TYPES, "证件类型"), example="居民身份证", choices=tuple(ID_TYPES)
        ),
        ImportColumn("女方证件号码", parse=_id_text, example=wife, text=True, width=22),
        ImportColumn(
            "证书编号",
            parse=normalize,
            note="结婚证、离婚证字号，如 J445303-2019-000001；不能重复",
            example="J445303-2019-000001",
            width=22,
        ),
        ImportColumn(
            "审查结果",
            required=False,
            parse=choice(REVIEW, "审查结果"),
            note="合格 或 不合格，空白为合格",
            example="合格",
            choices=tuple(REVIEW),
        ),
        ImportColumn(
            "户籍所在镇", parse=_town_parser(), note="一方户籍所在的镇名，如 石城镇", example="石城镇"
        ),
    ]


def _marriage_kwargs(row):
    fields = {field: row[header] for field, header in M_FIELDS.items()}
    if fields["qualified"] is None:
        fields["qualified"] = True
    return fields


def marriage_importer(actor):
    known = {}

    def prefetch(rows):
        # Certificates already registered and the parties' marriages: a query per chunk of
        # numbers for the whole file. The file's own marriages count for its divorces.
        lookup = known["lookup"] = MarriageLookup(
            [row["证书编号"] for row in rows],
            [row[h] for row in rows for h in ("男方证件号码", "女方证件号码")],
        )
        file_marriages = known["file_marriages"] = {}
        for row in rows:
            lookup.add(row["登记类别"], row["男方证件号码"], row["女方证件号码"], row["登记日期"])
            if row["登记类别"] == MarriageRegistration.Kind.MARRIAGE:
                couple = frozenset((row["男方证件号码"], row["女方证件号码"]))
                file_marriages.setdefault((couple, row["登记日期"]), row["_row"])

    def check(row, seen):
        kwargs = _marriage_kwargs(row)
        kwargs.pop("qualified")
        errors, clean = marriage_errors(**kwargs, known=known["lookup"])
        errors = _mapped(errors, M_FIELDS, row)
        if "登记日期" in errors and row["登记类别"] == MarriageRegistration.Kind.DIVORCE:
            # The marriage the divorce precedes may be the file's own: name its row, not "the system".
            a, b = clean["party_a_id"], clean["party_b_id"]
            married = known["lookup"].married_after(a, b, row["登记日期"])
            at = known["file_marriages"].get((frozenset((a, b)), married))
            if at is not None:
                errors["登记日期"] = (
                    f"离婚登记日期早于双方在本文件第{at}行的结婚登记日期"
                    f"（{married.year}年{married.month}月{married.day}日）"
                )
        cert = clean["certificate_no"]
        if cert and cert in seen and "证书编号" not in errors:
            errors["证书编号"] = f"与第{seen[cert]}行的证书编号重复"
        seen.setdefault(cert, row.get("_row"))
        return errors

    def write(row):
        return services.register_marriage(actor=actor, **_marriage_kwargs(row), known=known["lookup"])

    return Importer(
        "婚姻登记导入",
        marriage_columns(),
        check,
        write,
        prefetch=prefetch,
        sheet_name="婚姻登记",
        notes=["数据来源：全国婚姻登记信息系统导出的登记记录，每次登记一行。"],
    )


# ---------------------------------------------------------------- cremations

C_FIELDS = {
    "deceased_name": "逝者姓名",
    "id_number": "身份证号",
    "death_date": "死亡日期",
    "date": "火化日期",
    "funeral_home": "殡仪馆",
    "local": "本区户籍",
    "town": "所属镇",
    "village": "所属村（居）",
    "funds": "统筹火化资金",
}


def cremation_columns():
    return [
        ImportColumn("逝者姓名", example=f"梁老伯{EXAMPLE_MARK}"),
        ImportColumn(
            "身份证号",
            parse=_id_text,
            note="18位，末位可为X；请保持文本格式",
            example=make_id_number("445303", datetime.date(1936, 2, 3), 15),
            text=True,
            width=22,
        ),
        ImportColumn("死亡日期", parse=parse_date, example="2019-03-06", text=True),
        ImportColumn("火化日期", parse=parse_date, note="不能早于死亡日期", example="2019-03-08", text=True),
        ImportColumn("殡仪馆", required=False, note="空白为 云浮市殡仪馆", example="云浮市殡仪馆", width=18),
        ImportColumn(
            "本区户籍", parse=choice(YES_NO, "本区户籍"), note="是 或 否", example="是", choices=tuple(YES_NO)
        ),
        ImportColumn(
            "所属镇", parse=_town_parser(), note="户籍所在镇；非本区户籍的，填死亡地所在镇", example="石城镇"
        ),
        ImportColumn(
            "所属村（居）",
            required=False,
            parse=_village_parser(),
            note="选填：所属镇下的村（居）委名称，如 上洞村",
            example="上洞村",
        ),
        ImportColumn(
            "统筹火化资金",
            required=False,
            parse=parse_money,
            note="元；只用于本区户籍居民，非本区户籍填0或空白",
            example=1400,
        ),
    ]


def _cremation_kwargs(row):
    fields = {field: row[header] for field, header in C_FIELDS.items()}
    candidates, town = fields["village"], fields["town"]
    if candidates:
        # The village of that name in the row's town, or (for the message) the first of the name.
        fields["village"] = next((v for v in candidates if town and v.town_id == town.pk), candidates[0])
    fields["funds"] = fields["funds"] or 0
    fields["funeral_home"] = fields["funeral_home"] or "云浮市殡仪馆"
    return fields


def cremation_importer(actor):
    known = {}

    def prefetch(rows):
        # Cremations already recorded and registered persons, by ID number: a query per chunk of
        # numbers for the whole file, not two per row.
        known["lookup"] = CremationLookup(row["身份证号"] for row in rows)

    def check(row, seen):
        kwargs = _cremation_kwargs(row)
        kwargs.pop("funeral_home")
        errors, _name, number, _funds = cremation_errors(**kwargs, known=known["lookup"])
        errors = _mapped(errors, C_FIELDS, row)
        if number in seen and "身份证号" not in errors:
            errors["身份证号"] = f"与第{seen[number]}行为同一逝者（身份证号相同），每具遗体只登记一次"
        seen.setdefault(number, row.get("_row"))
        return errors

    def write(row):
        if not known.get("locked"):
            known["lookup"].lock_persons()  # once, inside the import's one transaction
            known["locked"] = True
        return services.record_cremation(actor=actor, **_cremation_kwargs(row), known=known["lookup"])

    return Importer(
        "火化记录导入",
        cremation_columns(),
        check,
        write,
        prefetch=prefetch,
        sheet_name="火化记录",
        notes=["数据来源：殡仪馆的火化记录表，每具遗体一行。"],
    )


IMPORTERS = {"marriages": marriage_importer, "cremations": cremation_importer}


def import_file(kind, file, *, actor):
    """Import an XLSX file of `kind` (marriages or cremations) as `actor`; raises ImportFailed."""
    check_staff(actor)
    return run(IMPORTERS[kind](actor), file)


def template_bytes(kind):
    return template(IMPORTERS[kind](None))
