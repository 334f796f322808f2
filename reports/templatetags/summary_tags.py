from django import template
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.utils.safestring import mark_safe

register = template.Library()
WORDS = ("period.", "place.")  # the period's and the place's words: text, not figures


@register.simple_tag
def runs(items, link="", notes=None, drill=None):
    """Rendered text runs as HTML: figures marked, unresolved placeholders flagged. With drill
    ({key: URL of the records behind the figure}, only the lists the viewer may open), a figure
    links to its records; otherwise, with link, to the figures page where the value can be checked.
    The PDF, DOCX and XLSX never get either."""
    from civaffairs.figures import record_specs

    records = record_specs()
    parts = []
    for run in items:
        if run.missing:
            parts.append(format_html('<mark class="unresolved" title="未登记的指标">{}</mark>', run.text))
        elif run.key and drill and run.key in drill:
            note = (notes or {}).get(run.key, "")
            what = "这些记录" if run.key in records else "这个数字背后的记录"
            title = f"{run.key}：查看{what}" + (f"（{note}）" if note else "")
            parts.append(
                format_html(
                    '<a class="fig drill" href="{}" data-key="{}" title="{}">{}</a>',
                    drill[run.key],
                    run.key,
                    title,
                    run.text,
                )
            )
        elif not run.key or run.key.startswith(WORDS):
            parts.append(format_html("{}", run.text))
        elif run.key in records:
            # A record list has no row on the figures page: it names where its records come from.
            parts.append(
                format_html(
                    '<span class="fig records" data-key="{}" title="{}：来自{}的记录">{}</span>',
                    run.key,
                    run.key,
                    records[run.key].label,
                    run.text,
                )
            )
        elif link:
            # The tooltip names the key (for template authors) and the comparison values.
            note = (notes or {}).get(run.key, "")
            title = f"{run.key}：{note}" if note else run.key
            parts.append(
                format_html(
                    '<a class="fig" href="{}#fig-{}" title="{}">{}</a>', link, run.key, title, run.text
                )
            )
        else:
            parts.append(format_html('<span class="fig" data-key="{}">{}</span>', run.key, run.text))
    return mark_safe("".join(parts))


@register.simple_tag
def figures_link(summary):
    from django.urls import reverse

    query = {"period": summary.period}
    if summary.region_id:
        query["region"] = summary.region.code
    return f"{reverse('figures')}?{urlencode(query)}"


@register.filter
def joinlines(value):
    return format_html_join("", "{}<br>", ((line,) for line in str(value).splitlines()))


@register.filter
def owner_label(code):
    from civaffairs.models import Section

    return dict(Section.choices).get(code, "")
