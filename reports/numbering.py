"""Official heading numbers (党政机关公文格式 GB/T 9704-2012, 7.3.3: 结构层次序数依次可以用
"一、" "（一）" "1." "（1）"). Pure functions: numbers follow the sections' order, so they stay
right whatever is inserted, moved or deleted."""

DIGITS = "零一二三四五六七八九"


def chinese_number(n):
    """1 → 一, 10 → 十, 11 → 十一, 20 → 二十, 99 → 九十九 (headings never reach a hundred)."""
    if not 1 <= n <= 99:
        raise ValueError(f"序号超出范围：{n}")
    tens, ones = divmod(n, 10)
    if tens == 0:
        return DIGITS[ones]
    return (DIGITS[tens] if tens > 1 else "") + "十" + (DIGITS[ones] if ones else "")


def heading_number(depth, n):
    """The number of the n-th heading (1-based) at depth 0..3: 一、 / （一） / 1. / （1）."""
    if depth == 0:
        return f"{chinese_number(n)}、"
    if depth == 1:
        return f"（{chinese_number(n)}）"
    if depth == 2:
        return f"{n}."
    return f"（{n}）"


def number_tree(nodes):
    """nodes: (id, parent_id, position) in any order → {id: (depth, number text)}; siblings are
    numbered by position, then id."""
    children = {}
    for node_id, parent_id, position in nodes:
        children.setdefault(parent_id, []).append((position, node_id))
    out = {}

    def walk(parent_id, depth):
        for n, (_pos, node_id) in enumerate(sorted(children.get(parent_id, [])), start=1):
            out[node_id] = (depth, heading_number(depth, n))
            walk(node_id, depth + 1)

    walk(None, 0)
    return out
