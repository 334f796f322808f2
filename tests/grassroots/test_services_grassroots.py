"""Bad input is refused in Chinese and saves nothing; the clue confidentiality matrix."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from civaffairs import roles
from civaffairs.models import AuditEvent, Section
from grassroots import services
from grassroots.creditcode import make_credit_code
from grassroots.models import ClueForm, SocialOrganization
from tests.factories import make_user, town

D = datetime.date


def register(actor, code, **kw):
    return services.register_organization(
        actor=actor,
        name=kw.pop("name", "云安区书画协会"),
        credit_code=code,
        kind=kw.pop("kind", "1"),
        registered_on=D(2019, 3, 1),
        legal_representative="陈志明",
        town=town("石城镇"),
        **kw,
    )


def test_a_duplicate_credit_code_is_refused(gr_staff):
    code = make_credit_code("1", 7)
    register(gr_staff, code)
    with pytest.raises(ValidationError) as exc:
        register(gr_staff, code, name="另一个协会")
    assert exc.value.message_dict["credit_code"] == ["该统一社会信用代码已登记"]
    assert SocialOrganization.objects.count() == 1


@pytest.mark.parametrize(
    ("mutate", "kind", "words"),
    [
        (lambda c: c[:17] + ("0" if c[17] != "0" else "1"), "1", "校验码错误"),
        (lambda c: "9" + c[1:], "1", "登记管理部门代码应为5"),
        (lambda c: c, "2", "与所选类型"),
    ],
)
def test_a_wrong_code_is_refused_naming_the_reason(gr_staff, mutate, kind, words):
    with pytest.raises(ValidationError) as exc:
        register(gr_staff, mutate(make_credit_code("1", 8)), kind=kind)
    assert words in exc.value.message_dict["credit_code"][0]
    assert not SocialOrganization.objects.exists()


def test_only_section_staff_register(gr_chief):
    with pytest.raises(PermissionDenied):
        register(gr_chief, make_credit_code("1", 9))


def test_a_council_code_cannot_repeat_an_organizations(gr_staff, committee):
    code = make_credit_code("1", 10)
    register(gr_staff, code)
    with pytest.raises(ValidationError, match="已登记"):
        services.register_council(
            actor=gr_staff,
            credit_code=code,
            registered_on=D(2019, 4, 1),
            name="甲乡贤理事会",
            village=committee,
        )


@pytest.fixture
def clue(gr_staff, committee):
    return services.record_clue(
        actor=gr_staff, village=committee, received_on=D(2019, 4, 2), summary="反映有人强收摊位费"
    )


READERS = {
    "grassroots chief": lambda: make_user(roles.CHIEF, section=Section.GRASSROOTS),
    "director": lambda: make_user(roles.DIRECTOR),
}
NOT_READERS = {
    "auditor": lambda: make_user(roles.AUDITOR),
    "assistance chief": lambda: make_user(roles.CHIEF, section=Section.ASSISTANCE),
    "grassroots staff": lambda: make_user(roles.CASEWORKER, section=Section.GRASSROOTS),
    "town caseworker": lambda: make_user(roles.CASEWORKER, town="石城镇"),
    "admin": lambda: make_user(roles.ADMIN),
}


@pytest.mark.parametrize("who", READERS)
def test_the_chief_and_the_director_open_a_clue_and_it_is_audited(clue, who):
    user = READERS[who]()
    services.open_clue(actor=user, clue=clue)
    event = AuditEvent.objects.get(action="clue.open")
    assert event.actor == user and event.object_id == str(clue.pk)
    assert "摊位费" not in str(event.changes) + event.object_repr


@pytest.mark.parametrize("who", NOT_READERS)
def test_everyone_else_is_refused_in_chinese(clue, who):
    with pytest.raises(PermissionDenied, match="线索内容保密"):
        services.open_clue(actor=NOT_READERS[who](), clue=clue)
    assert not AuditEvent.objects.filter(action="clue.open").exists()


def test_the_audit_log_never_holds_a_clues_content(clue):
    assert not any("摊位费" in str(e.changes) + e.object_repr for e in AuditEvent.objects.all())


def test_follow_up_moves_as_declared(clue, gr_chief, gr_staff):
    with pytest.raises(PermissionDenied):
        services.set_clue_status(actor=gr_staff, clue=clue, status=ClueForm.Status.VERIFYING)
    services.set_clue_status(actor=gr_chief, clue=clue, status=ClueForm.Status.CLOSED)
    with pytest.raises(ValidationError, match="已办结"):
        services.set_clue_status(actor=gr_chief, clue=clue, status=ClueForm.Status.VERIFYING)


def test_village_rules_only_move_forward(gr_staff, committee):
    services.set_village_rule(actor=gr_staff, region=committee, status="filed", status_date=D(2019, 5, 1))
    with pytest.raises(ValidationError, match="不能退回"):
        services.set_village_rule(
            actor=gr_staff, region=committee, status="drafting", status_date=D(2019, 6, 1)
        )
