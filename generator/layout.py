"""A network laid out at build time: Fruchterman and Reingold's force-directed placement
("Graph drawing by force-directed placement", 1991), from a fixed start and for a fixed number
of steps, so that the same network gives the same picture, byte for byte.

Linked nodes pull together, every pair pushes apart; the most connected start in the middle.
"""

from __future__ import annotations

import math
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
    """One node in the middle, the others on a circle around it in the order given (the
    closest first, from the top, clockwise)."""
    positions = {centre: (round(width / 2, 1), round(height / 2, 1))}
    radius = min(width, height) / 2 * 0.72
    for i, node in enumerate(around):
        angle = -math.pi / 2 + 2 * math.pi * i / max(1, len(around))
        positions[node] = (
            round(width / 2 + radius * math.cos(angle), 1),
            round(height / 2 + radius * math.sin(angle), 1),
        )
    return positions
