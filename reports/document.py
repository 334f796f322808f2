"""A summary as a document: the shipped template parsed, a Summary's sections read, placeholders
resolved, headings numbered. Screen, PDF and DOCX all lay out the same `Rendered` document."""

import re
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

from civaffairs import figures as registry
from civaffairs.periods import Period

from .numbering import number_tree
from .placeholders import (  # noqa: F401  (period_words is used by exports through here)
    BUREAU,
    PERIOD_KEYS,
    Placeholder,
    UnknownKey,
    Values,
    drop_empty_records,
    period_words,
    place_words,
    placeholders,
    segments,
)

TEMPLATE_PATH = Path(settings.BASE_DIR) / "fixtures" / "summary_template_halfyear.txt"
OWNERS = {"assistance", "welfare", "grassroots"}


class TemplateError(ValueError):
    pass


@dataclass
class Node:
    heading: str
    body: str = ""
    owner: str = ""
    children: list = field(default_factory=list)
    id: object = None


@dataclass
class Doc:
    title: str
    intro: str
    sections: list

    def texts(self):
        """Every text of the document (title, intro, headings, bodies), for placeholder checks."""
        out = [self.title, self.intro]

        def walk(nodes):
            for n in nodes:
                out.extend([n.heading, n.body])
                walk(n.children)

        walk(self.sections)
        return out


_HEADING = re.compile(r"^(={1,4})\s+(.*?)(?:\s+@([a-z]+))?\s*$")


def parse_template(text):
    """The template file format (see fixtures/summary_template_halfyear.txt) → Doc."""
    title, intro, roots, stack = [], [], [], []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("标题："):
            title.append(line.removeprefix("标题："))
            continue
        m = _HEADING.match(line)
        if m:
            depth = len(m.group(1)) - 1
            if depth > len(stack):
                raise TemplateError(f"第{number}行：标题层级跳级")
            stack = stack[:depth]
            owner = m.group(3) or (stack[-1].owner if stack else "")
            if owner and owner not in OWNERS:
                raise TemplateError(f"第{number}行：未知的股室 @{owner}")
            node = Node(heading=m.group(2), owner=owner)
            (stack[-1].children if stack else roots).append(node)
            stack.append(node)
            continue
        if stack:
            stack[-1].body = f"{stack[-1].body}\n{line}" if stack[-1].body else line
        else:
            intro.append(line)
    if not title:
        raise TemplateError("模板缺少“标题：”行")
    return Doc(title="\n".join(title), intro="\n".join(intro), sections=roots)


def load_template(path=None):
    return parse_template(Path(path or TEMPLATE_PATH).read_text(encoding="utf-8"))


def summary_doc(summary):
    """A Summary's sections as a Doc (two queries: the summary is given, sections read once)."""
    nodes = {}
    rows = list(summary.sections.order_by("position", "id"))
    for s in rows:
        nodes[s.pk] = Node(heading=s.heading, body=s.body, owner=s.owner, id=s.pk)
    roots = []
    for s in rows:
        (nodes[s.parent_id].children if s.parent_id else roots).append(nodes[s.pk])
    return Doc(title=summary.title, intro=summary.intro, sections=roots)


# --- values ----------------------------------------------------------------------------------


def used_record_keys(doc):
    known = registry.record_specs()
    return sorted({p.key for t in doc.texts() for p in placeholders(t) if p.key in known})


def live_values(period, region, doc=None):
    """Every registered figure (as the figures command's JSON) and the record lists the document
    names, for the period and region."""
    if not isinstance(period, Period):
        period = Period.parse(period)
    values = registry.compute(period, region)
    figures = {k: registry.to_json_value(k, v) for k, v in values.items()}
    records = {k: registry.compute_records(k, period, region) for k in (used_record_keys(doc) if doc else [])}
    return Values(
        figures=figures,
        units=units(),
        records=records,
        words={**period_words(period), **place_words(region)},
        town=region is not None,
    )


def units():
    return {k: s.unit for k, s in registry.specs().items()}


def frozen_snapshot(values):
    return {"figures": values.figures, "records": values.records, "words": values.words, "town": values.town}


def values_from_snapshot(snapshot):
    return Values(
        figures=snapshot.get("figures", {}),
        units=units(),
        records=snapshot.get("records", {}),
        words=snapshot.get("words", {}),
        # Frozen before the flag was kept: a town's summary is signed by the town.
        town=snapshot.get("town", snapshot.get("words", {}).get("place.author", BUREAU) != BUREAU),
    )


def summary_values(summary, doc=None):
    """A finalized summary's frozen values; a draft's live ones."""
    if summary.is_final and summary.frozen:
        return values_from_snapshot(summary.frozen)
    return live_values(summary.period, summary.region, doc or summary_doc(summary))


# --- rendering -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    """A piece of rendered text; key is set when it came from a placeholder (missing: unresolved)."""

    text: str
    key: str = ""
    missing: bool = False


@dataclass
class Block:
    depth: int
    number: str
    heading: list
    paragraphs: list
    node_id: object = None
    owner: str = ""
    # A section left out of this region's document: every paragraph of it was about a record
    # the region has not got (drop_empty_records). Kept for the outline, never printed.
    omitted: bool = False


@dataclass
class Rendered:
    title_lines: list
    intro: list
    blocks: list

    def plain_text(self):
        def s(runs):
            return "".join(r.text for r in runs)

        lines = [s(t) for t in self.title_lines] + [s(p) for p in self.intro]
        for b in self.printed():
            head = b.number + s(b.heading)
            if b.depth >= 2 and b.paragraphs:
                lines.append(head + s(b.paragraphs[0]))
                lines.extend(s(p) for p in b.paragraphs[1:])
            else:
                lines.append(head)
                lines.extend(s(p) for p in b.paragraphs)
        return "\n".join(lines)

    def printed(self):
        return [b for b in self.blocks if not b.omitted]

    def missing_keys(self):
        out = set()
        for runs in self._all_runs():
            out.update(r.key for r in runs if r.missing)
        return out

    def _all_runs(self):
        yield from self.title_lines
        yield from self.intro
        for b in self.blocks:
            yield b.heading
            yield from b.paragraphs


def render_text(text, values):
    runs = []
    for seg in segments(text):
        if isinstance(seg, Placeholder):
            try:
                runs.append(Run(values.resolve(seg), key=seg.key))
            except UnknownKey:
                runs.append(Run(f"〔未知指标 {seg.key}〕", key=seg.key, missing=True))
        else:
            runs.append(Run(seg))
    return runs


def _paragraphs(text, values):
    """The text's paragraphs, rendered, without the sentences naming nothing for the region;
    and whether the text had paragraphs and every one of them went."""
    lines = [p.strip() for p in (text or "").splitlines() if p.strip()]
    kept = [t for t in (drop_empty_records(p, values) for p in lines) if t is not None]
    return [render_text(p, values) for p in kept], bool(lines) and not kept


def render(doc, values):
    """The document with every placeholder resolved and every heading numbered. A section whose
    paragraphs were all about records the region has not got (a town's summary and a project in
    another town), and whose subsections all went too, is left out and the rest numbered on."""
    flat, nodes = [], []

    def walk(children, parent_id):
        all_gone = True
        for position, n in enumerate(children):
            node_id = n.id if n.id is not None else f"t{len(nodes)}"
            nodes.append((node_id, parent_id, position))
            paragraphs, emptied = _paragraphs(n.body, values)
            entry = [node_id, n, paragraphs, False]
            flat.append(entry)
            children_gone = walk(n.children, node_id)
            entry[3] = emptied and children_gone
            all_gone = all_gone and entry[3]
        return all_gone

    walk(doc.sections, None)
    depths = number_tree(nodes)
    omitted = {node_id for node_id, _n, _p, gone in flat if gone}
    numbers = number_tree([node for node in nodes if node[0] not in omitted])
    blocks = []
    for node_id, n, paragraphs, gone in flat:
        blocks.append(
            Block(
                depth=depths[node_id][0],
                number="" if gone else numbers[node_id][1],
                heading=render_text(n.heading, values),
                paragraphs=paragraphs,
                node_id=n.id,
                owner=n.owner,
                omitted=gone,
            )
        )
    return Rendered(
        title_lines=[render_text(t, values) for t in doc.title.splitlines() if t.strip()],
        intro=[render_text(p, values) for p in _kept_lines(doc.intro, values)],
        blocks=blocks,
    )


def _kept_lines(text, values):
    lines = (p.strip() for p in (text or "").splitlines() if p.strip())
    return [t for t in (drop_empty_records(p, values) for p in lines) if t is not None]


def key_problems(texts):
    """Placeholder errors of texts against the registries (unknown keys named)."""
    from .placeholders import problems

    unit_map = units()
    record_keys = {k: spec.fields for k, spec in registry.record_specs().items()}
    errors = []
    for text in texts:
        errors.extend(problems(text, unit_map, record_keys))
    return errors


def template_keys(doc):
    return sorted({p.key for t in doc.texts() for p in placeholders(t) if p.key not in PERIOD_KEYS})
