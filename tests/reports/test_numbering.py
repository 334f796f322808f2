import pytest

from reports import document, services
from reports.numbering import chinese_number, heading_number, number_tree


@pytest.mark.parametrize(
    "n, text",
    [
        (1, "一"),
        (9, "九"),
        (10, "十"),
        (11, "十一"),
        (19, "十九"),
        (20, "二十"),
        (21, "二十一"),
        (99, "九十九"),
    ],
)
def test_chinese_numbers(n, text):
    assert chinese_number(n) == text


def test_the_four_levels_of_official_numbering():
    assert [heading_number(d, 3) for d in range(4)] == ["三、", "（三）", "3.", "（3）"]


def test_siblings_are_numbered_by_position_whatever_order_they_come_in():
    numbers = number_tree([("b", None, 1), ("a", None, 0), ("a2", "a", 5), ("a1", "a", 2), ("x", "a1", 0)])
    assert numbers == {
        "a": (0, "一、"),
        "b": (0, "二、"),
        "a1": (1, "（一）"),
        "a2": (1, "（二）"),
        "x": (2, "1."),
    }


def _numbers(summary):
    rendered = document.render(document.summary_doc(summary), document.summary_values(summary))
    return [(b.number, "".join(r.text for r in b.heading)) for b in rendered.blocks]


def _welfare_items(summary):
    welfare = summary.sections.get(heading="推进社会福利和社会事务工作。")
    return welfare, list(welfare.children.order_by("position"))


def test_the_seeds_slip_cannot_recur_items_of_welfare_run_one_to_six(summary):
    # The seed numbers three items of （三） "3."; generated numbers cannot repeat.
    numbers = dict((h, n) for n, h in _numbers(summary))
    assert numbers["切实抓好养老机构安全和服务工作。"] == "3."
    assert numbers["全面落实婚姻、收养登记工作。"] == "4."
    assert numbers["抓好殡葬管理工作。"] == "5."


def test_numbering_follows_insert_move_and_delete(summary, director):
    welfare, items = _welfare_items(summary)
    services.add_section(
        actor=director, summary=summary, parent=welfare, after=items[0], heading="新增事项。"
    )
    numbers = dict((h, n) for n, h in _numbers(summary))
    assert numbers["改造建设云安区救助站。"] == "1."
    assert numbers["新增事项。"] == "2."
    assert numbers["抓好殡葬管理工作。"] == "6."

    services.move_section(actor=director, section=items[-1], offset=-1)  # 殡葬 above 婚姻
    numbers = dict((h, n) for n, h in _numbers(summary))
    assert numbers["抓好殡葬管理工作。"] == "5."
    assert numbers["全面落实婚姻、收养登记工作。"] == "6."

    services.delete_section(actor=director, section=items[0])
    numbers = dict((h, n) for n, h in _numbers(summary))
    assert "改造建设云安区救助站。" not in numbers
    assert numbers["新增事项。"] == "1."
    assert numbers["全面落实婚姻、收养登记工作。"] == "5."


def test_deleting_a_top_level_section_renumbers_the_next_and_its_children(summary, director):
    first = summary.sections.get(parent=None, position=0)
    services.delete_section(actor=director, section=first)
    numbers = _numbers(summary)
    assert numbers[0][0] == "一、" and numbers[0][1].endswith("工作计划")
    assert numbers[1] == ("（一）", "落实救助提标和政府购买社会救助服务工作。")


def test_a_section_inserted_as_a_child_of_an_item_is_numbered_at_the_fourth_level(summary, director):
    item = summary.sections.get(heading="做好精准低保救助工作。")
    services.add_section(actor=director, summary=summary, parent=item, heading="城镇低保。")
    assert ("（1）", "城镇低保。") in _numbers(summary)


def test_moving_the_first_section_up_is_refused(summary, director):
    from django.core.exceptions import ValidationError

    first = summary.sections.get(parent=None, position=0)
    with pytest.raises(ValidationError):
        services.move_section(actor=director, section=first, offset=-1)
