"""Benchmark the 低保花名册 import against the configured database (DATABASE_URL).

Generates N rows (default 10000; households of 1–5 persons spread over every village) into a
temporary XLSX, imports it as the district 社会救助股 caseworker (optionally approved by the chief),
prints the time of each stage and rows/second, then rolls everything back: the database is left
as it was. Regions and demo users are created inside the same rolled-back transaction when the
database has none (`manage.py load_demo` not run).

    .venv/bin/python bench/import_roster.py [--rows 10000] [--approve]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/civaffairs_dev .venv/bin/python bench/import_roster.py
"""

import argparse
import datetime
import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civaffairs.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth.models import User  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from assistance import roster  # noqa: E402
from civaffairs import demo, imports  # noqa: E402
from civaffairs.idnumber import make_id_number  # noqa: E402
from civaffairs.models import Region  # noqa: E402
from civaffairs.spreadsheets import Column, Sheet, write_workbook  # noqa: E402

SUBMITTER, APPROVER = "jiuzhu", "chief_assist"
# 罗定市: an address code the demo data does not use, so generated numbers never clash with it.
ADDRESS = "445381"
RELATIONS = ["配偶", "子女", "子女", "父母", "孙子女"]
SURNAMES = "陈黄李梁林张王刘何罗邓杨冯吴周谭苏叶"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂"


def generate(path, n, seed=2019):
    """Write n rows (whole households) to path; return the number of households."""
    rng = random.Random(seed)
    places = list(
        Region.objects.filter(level__in=[Region.Level.VILLAGE, Region.Level.NATURAL])
        .order_by("code")
        .values_list("town__name", "name", "town_id")
    )
    # Names must be unique within the town for the import to resolve them.
    seen, unique = set(), []
    for town, name, town_id in places:
        if (town_id, name) not in seen:
            seen.add((town_id, name))
            unique.append((town, name))
    counter = 0
    households = 0

    def number():
        nonlocal counter
        counter += 1
        birth = datetime.date(1935, 1, 1) + datetime.timedelta(days=counter // 1000)
        return make_id_number(ADDRESS, birth, counter % 1000)

    def rows():
        nonlocal households
        written = 0
        while written < n:
            size = min(rng.choice([1, 2, 2, 3, 3, 3, 4, 4, 5]), n - written)
            town, village = rng.choice(unique)
            head = number()
            area = rng.choice(["农村", "农村", "农村", "城镇"])
            income = rng.randint(50, 300)
            month = f"2019-{rng.randint(1, 6):02d}"
            category = rng.choice(["A", "B", "B", "C", None])
            for i in range(size):
                person = head if i == 0 else number()
                relation = "户主" if i == 0 else RELATIONS[(i - 1) % len(RELATIONS)]
                # Names pass the import's name check: letters only, no digits.
                name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice([1, 2])))
                yield [town, village, head, name, person, relation, area, income, month, category]
                written += 1
            households += 1

    columns = [Column(h) for h in roster.TEMPLATE_HEADERS]
    Path(path).write_bytes(write_workbook(Sheet("花名册", columns, rows())))
    return households


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10000)
    parser.add_argument("--approve", action="store_true", help="approve on import (存量迁移) as the chief")
    args = parser.parse_args()
    vendor = connection.vendor
    with tempfile.TemporaryDirectory() as tmp, transaction.atomic():
        if not Region.objects.filter(level=Region.Level.VILLAGE).exists():
            demo.ensure_reference_data()
            demo.load_regions()
        if not User.objects.filter(username__in=[SUBMITTER, APPROVER]).count() == 2:
            demo.load_users()
        actor = User.objects.get(username=SUBMITTER)
        approver = User.objects.get(username=APPROVER) if args.approve else None
        path = Path(tmp) / "roster.xlsx"

        started = time.perf_counter()
        households = generate(path, args.rows)
        generated = time.perf_counter()
        # The stages of the one pipeline (civaffairs/imports.py): read, check, write.
        spec = roster.importer(actor=actor, approver=approver, filename=path.name)
        rows, errors = imports.read(spec, str(path))
        read = time.perf_counter()
        try:
            if errors:
                raise imports.ImportFailed(errors)
            checked = imports.validate(spec, rows)
        except imports.ImportFailed as exc:
            print("\n".join(str(e) for e in exc.errors[:20]), file=sys.stderr)
            sys.exit(f"{len(exc.errors)} errors; nothing imported")
        validated = time.perf_counter()
        result = imports.save(spec, checked)
        written = time.perf_counter()
        transaction.set_rollback(True)

    total = written - generated
    print(
        f"{vendor}: {len(rows)} rows, {result.households} households ({households} generated), "
        f"{'approved' if result.approved else 'pending'}\n"
        f"  generate XLSX {generated - started:6.2f} s (not counted)\n"
        f"  read XLSX     {read - generated:6.2f} s\n"
        f"  validate      {validated - read:6.2f} s\n"
        f"  write         {written - validated:6.2f} s\n"
        f"  import total  {total:6.2f} s  = {len(rows) / total:,.0f} rows/s (rolled back)"
    )


if __name__ == "__main__":
    main()
