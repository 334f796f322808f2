"""The verification centre's reply (家庭经济状况核对报告), imported as XLSX through the one import
pipeline (civaffairs/imports.py): one row per check, the applicant found by ID number among the
applications of the user's scope waiting for verification. Every row is checked first; then all
are recorded in one transaction through the same service as the form
(services.procedure.record_verification), and each application moves on to its home visit."""

from django.db import transaction

from civaffairs import imports

from .models import Procedure, Stage, VerificationCheck
from .selectors import procedures_for
from .services import procedure as proc

ITEMS = {label: value for value, label in VerificationCheck.Item.choices}
VERDICTS = {label: value for value, label in VerificationCheck.Verdict.choices}


def _waiting(user):
    """{ID number: procedure} of the applications in the user's scope waiting for verification."""
    out = {}
    qs = (
        procedures_for(user)
        .filter(stage=Stage.VERIFICATION)
        .select_related("case__household__head", "case__person")
    )
    for p in qs:
        subject = p.case.household.head if p.case.household_id else p.case.person
        out[subject.id_number] = p
    return out


def importer(actor):
    waiting = _waiting(actor)
    touched = {}

    def check(row, seen):
        errors = {}
        if row["身份证号"] not in waiting:
            errors["身份证号"] = (
                "在您的范围内没有该身份证号的待核对申请（须为户主或申请人，且在“家庭经济状况核对”环节）"
            )
        key = (row["身份证号"], row["核对项目"])
        if key in seen:
            errors["核对项目"] = f"与第{seen[key]}行重复"
        seen.setdefault(key, row["_row"])
        return errors

    def write(row):
        procedure = waiting[row["身份证号"]]
        touched[procedure.pk] = procedure
        (saved,) = proc.record_verification(
            actor=actor,
            case=procedure.case,
            advance=False,
            checks=[
                {
                    "item": row["核对项目"],
                    "source": row["数据来源"],
                    "checked_on": row["核对日期"],
                    "amount": row["核对金额"],
                    "verdict": row["核对结论"],
                    "note": row["说明"] or "",
                }
            ],
        )
        return saved

    spec = imports.Importer(
        title="家庭经济状况核对报告",
        columns=[
            imports.ImportColumn(
                "身份证号", note="户主（申请人）的身份证号", example="445303195001010016", text=True, width=22
            ),
            imports.ImportColumn(
                "核对项目", parse=imports.choice(ITEMS, "核对项目"), choices=tuple(ITEMS), example="银行存款"
            ),
            imports.ImportColumn("数据来源", example="云安区居民家庭经济状况核对中心", width=28),
            imports.ImportColumn("核对日期", parse=imports.parse_date, example="2019-03-05"),
            imports.ImportColumn("核对金额", required=False, parse=imports.parse_money, example="1200.00"),
            imports.ImportColumn(
                "核对结论",
                parse=imports.choice(VERDICTS, "核对结论"),
                choices=tuple(VERDICTS),
                example="符合",
            ),
            imports.ImportColumn("说明", required=False, example=""),
        ],
        check=check,
        write=write,
        sheet_name="核对结果",
    )
    return spec, touched


@transaction.atomic
def import_verification(*, actor, file):
    """Raises imports.ImportFailed (nothing written); returns the procedures moved on."""
    spec, touched = importer(actor)
    saved = imports.run(spec, file)
    for procedure in touched.values():
        proc.verified(procedure)
    from civaffairs import audit

    audit.record(
        actor,
        "procedure.verification_import",
        None,
        {"rows": len(saved), "applications": len(touched)},
        object_type="verification_import",
        object_repr=f"导入核对中心反馈{len(saved)}条",
    )
    return [Procedure.objects.get(pk=pk) for pk in touched]
