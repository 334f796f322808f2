"""Reference data shipped with the code: the district and its seven towns (GB/T 2260 codes)."""

DISTRICT = ("445303", "云安区")
TOWNS = [
    ("445303100", "六都镇"),
    ("445303101", "高村镇"),
    ("445303102", "白石镇"),
    ("445303103", "镇安镇"),
    ("445303104", "富林镇"),
    ("445303105", "石城镇"),
    ("445303106", "都杨镇"),
]


def ensure_towns(Region):
    district, _ = Region.objects.get_or_create(code=DISTRICT[0], defaults={"name": DISTRICT[1], "level": 1})
    for code, name in TOWNS:
        town, created = Region.objects.get_or_create(
            code=code, defaults={"name": name, "level": 2, "parent": district}
        )
        if town.town_id != town.pk:
            town.town_id = town.pk
            town.save(update_fields=["town"])
    return district
