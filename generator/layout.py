"""A network laid out at build time: Fruchterman and Reingold's force-directed placement
("Graph drawing by force-directed placement", 1991), from a fixed start and for a fixed number
of steps, so that the same network gives the same picture, byte for byte.

Linked nodes pull together, every pair pushes apart; the most connected start in the middle.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Mapping, Sequence

STEPS = 300


def force_layout(
    nodes: Sequence[str], edges: Mapping[tuple[str, str], float], width: float, height: float
) -> dict[str, tuple[float, float]]:
    """A position in [0, width] x [0, height] for each node; `edges` weigh their pull. Nodes
    start on a spiral in the order given (the most important first, near the centre)."""
    if not nodes:
        return {}
    count = len(nodes)
    ideal = math.sqrt(width * height / count) * 0.8  # the distance two nodes settle at
    golden = math.pi * (3 - math.sqrt(5))
    spread = min(width, height) / 2
    at = {
        node: [
            width / 2 + spread * math.sqrt(i / count) * math.cos(i * golden),
            height / 2 + spread * math.sqrt(i / count) * math.sin(i * golden),
        ]  # fmt: skip
        for i, node in enumerate(nodes)
    }
    links = [(a, b, weight) for (a, b), weight in sorted(edges.items()) if a in at and b in at and a != b]
    heaviest = max((w for _, _, w in links), default=1.0) or 1.0
    temperature = width / 10
    for _ in range(STEPS):
        moves = {node: [0.0, 0.0] for node in nodes}
        for i, a in enumerate(nodes):  # every pair pushes apart
            ax, ay = at[a]
            for b in nodes[i + 1 :]:
                dx, dy = ax - at[b][0], ay - at[b][1]
                distance = math.hypot(dx, dy) or 0.01
                push = ideal * ideal / distance
                moves[a][0] += dx / distance * push
                moves[a][1] += dy / distance * push
                moves[b][0] -= dx / distance * push
                moves[b][1] -= dy / distance * push
        for a, b, weight in links:  # linked ones pull together, the more so the heavier the link
            dx, dy = at[a][0] - at[b][0], at[a][1] - at[b][1]
            distance = math.hypot(dx, dy) or 0.01
            pull = distance * distance / ideal * (0.3 + weight / heaviest)
            moves[a][0] -= dx / distance * pull
            moves[a][1] -= dy / distance * pull
            moves[b][0] += dx / distance * pull
            moves[b][1] += dy / distance * pull
        for node in nodes:  # each moves at most `temperature`, which cools
            mx, my = moves[node]
            length = math.hypot(mx, my) or 0.01
            step_length = min(length, temperature)
            at[node][0] += mx / length * step_length
            at[node][1] += my / length * step_length
        temperature *= 0.985
    return _fitted(at, width, height)


def _fitted(at: dict[str, list[float]], width: float, height: float) -> dict[str, tuple[float, float]]:
    """The positions scaled into the box, keeping their proportions, rounded: the same bytes
    whatever the last digits of the arithmetic."""
    xs, ys = [p[0] for p in at.values()], [p[1] for p in at.values()]
    span = max(max(xs) - min(xs), (max(ys) - min(ys)) * width / height, 1e-9)
    scale = width / span
    left = min(xs) - (width / scale - (max(xs) - min(xs))) / 2
    top = min(ys) - (height / scale - (max(ys) - min(ys))) / 2
    return {node: (round((x - left) * scale, 1), round((y - top) * scale, 1)) for node, (x, y) in at.items()}


def radial_layout(centre: str, around: Sequence[str], width: float, height: float) -> dict[str, tuple[float, float]]:
    """One node in the middle, the others on an ellipse around it that fills the box, in the
    order given (the closest first, from the top, clockwise)."""
    positions = {centre: (round(width / 2, 1), round(height / 2, 1))}
    across, down = width / 2 * 0.72, height / 2 * 0.72
    for i, node in enumerate(around):
        angle = -math.pi / 2 + 2 * math.pi * i / max(1, len(around))
        positions[node] = (
            round(width / 2 + across * math.cos(angle), 1),
            round(height / 2 + down * math.sin(angle), 1),
        )
    return positions


Box = tuple[float, float, float, float]  # left, top, right, bottom
OVER_CIRCLES = 5  # the most important nodes' labels may cover the edge of a lesser node's circle if they must


def placed_labels(
    nodes: Sequence[tuple[float, float, float, str]], width: float, height: float, font: float
) -> list[tuple[float, float, str, str] | None]:
    """Where each node's label goes, the most important node first: (x, y of its baseline,
    text-anchor, the label, shortened if it had to be), at the first of its sides (the outer
    one first, then the corners) where it stays in the box and covers no label placed before
    and no other circle, or else (for the OVER_CIRCLES first) only the edges of lesser nodes'
    circles (labels are drawn over the circles); None where not even two thirds of it have
    room (the circle's title still names the node). `nodes`: (x, y, radius, label); `font`:
    the labels' size."""
    circles: list[Box] = [(x - r, y - r, x + r, y + r) for x, y, r, _ in nodes]
    middles: list[Box] = [(x - r / 2, y - r / 2, x + r / 2, y + r / 2) for x, y, r, _ in nodes]
    labels: list[Box] = []
    placed: list[tuple[float, float, str, str] | None] = []
    for index, (x, y, r, label) in enumerate(nodes):
        strict = [*circles[:index], *circles[index + 1 :]]
        avoiding = (strict, [*circles[:index], *middles[index + 1 :]]) if index < OVER_CIRCLES else (strict,)
        sides = _sides(x, y, r, width, font)
        texts = [(text, text_width(text, font)) for text in _shorter(label)]
        spots = ((text, length, others, side) for text, length in texts for others in avoiding for side in sides)
        free = None
        for text, length, others, (lx, ly, anchor) in spots:
            box = _label_box(lx, ly, anchor, length, font)
            inside = box[0] >= 0 and box[1] >= 0 and box[2] <= width and box[3] <= height
            if inside and not any(_overlap(box, other) for other in (*labels, *others)):
                free = (round(lx, 1), round(ly, 1), anchor, text)
                labels.append(box)
                break
        placed.append(free)
    return placed


def shortened(label: str, limit: int) -> str:
    """The label in at most `limit` characters: cut after a word if one ends past half of them
    ('Partito…'), else within the word, and an ellipsis."""
    if len(label) <= limit:
        return label
    head = label[: limit - 1]
    space = head.rfind(" ")
    return (head[:space] if space > limit // 2 else head).rstrip(" ,.:;-–") + "…"


def _shorter(label: str) -> list[str]:
    """The label, then about two thirds of it, if that leaves eight characters or more."""
    cut = len(label) * 2 // 3
    return [label, shortened(label, cut)] if cut >= 8 else [label]


def _sides(x: float, y: float, r: float, width: float, font: float) -> list[tuple[float, float, str]]:
    """Below a node near the middle, else outwards; then the other sides, then the corners."""
    right, left = (x + r + 6, y + 0.35 * font, "start"), (x - r - 6, y + 0.35 * font, "end")
    below, above = (x, y + r + 4 + 0.9 * font, "middle"), (x, y - r - 4 - 0.25 * font, "middle")
    corner = r * 0.7 + 4
    corners = [
        (x + corner, y - corner, "start"),
        (x + corner, y + corner + 0.7 * font, "start"),
        (x - corner, y - corner, "end"),
        (x - corner, y + corner + 0.7 * font, "end"),
    ]
    first = below if abs(x - width / 2) < width / 10 else right if x > width / 2 else left
    return [first, *(side for side in (right, left, below, above) if side != first), *corners]


# A bold sans-serif letter's width, in ems, by kind: reckoned, not measured (the reader's font
# is not known), from DejaVu Sans, wider than the other common system fonts.
_NARROW, _WIDE = frozenset("fijlrtI.,:;'!|()- ìíî"), frozenset("mwMW@…")


def text_width(text: str, font: float) -> float:
    return sum(_ems(c) for c in text) * font


def _ems(c: str) -> float:
    if c in _NARROW:
        return 0.45
    if c in _WIDE or unicodedata.east_asian_width(c) in "WF":  # 中, 字: a square each
        return 1.0
    return 0.82 if c.isupper() else 0.7


def _label_box(x: float, y: float, anchor: str, length: float, font: float) -> Box:
    left = x if anchor == "start" else x - length if anchor == "end" else x - length / 2
    return (left - 2, y - 0.9 * font, left + length + 2, y + 0.25 * font)  # 2: the outline drawn round the letters


def _overlap(a: Box, b: Box) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]
