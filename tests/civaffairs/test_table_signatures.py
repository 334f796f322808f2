"""civaffairs/tables.py asks django-tables2's signature of a render method once per function: the
answer must be the library's own, for bound methods, plain functions and other callables."""

import functools

from django_tables2 import utils

from civaffairs import tables as core_tables


class Columns:
    def render_value(self, value):
        return value

    def render_record(self, record, value, **rest):
        return record


def plain(record, *args, bound_column=None):
    return record


def test_the_cached_signature_is_the_librarys_own():
    original = core_tables._signature
    assert utils.signature is core_tables._cached_signature
    for fn in (
        Columns().render_value,
        Columns().render_record,
        plain,
        lambda record: record,
        functools.partial(plain, 1),
        Columns,
    ):
        assert utils.signature(fn) == original(fn), fn


def test_each_table_instance_is_answered_from_one_entry():
    core_tables._function_signature.cache_clear()
    for _ in range(5):
        utils.call_with_appropriate(Columns().render_value, {"value": 1, "record": None})
    info = core_tables._function_signature.cache_info()
    assert (info.misses, info.hits) == (1, 4)
    assert utils.call_with_appropriate(Columns().render_record, {"value": 1, "record": "r"}) == "r"
    assert utils.call_with_appropriate(Columns().render_value, {"record": "r"}) is None
