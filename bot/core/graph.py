"""The engagement graph: members as nodes, decayed engagement as directed edges, laid out so a moderator
sees the circles (communities), the bridges (members between circles) and the lone members. Pure.

Input is counts per (actor, target, kind, day), never text; each day's interactions are weighted like the
policy weighs them and decayed from the middle of their day, as the verdicts decay single interactions.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import networkx as nx

from bot.core.model import InteractionKind
from bot.core.scoring import SECONDS_PER_DAY, decay
from bot.core.settings import Policy

LAYOUT_SEED = 7  # the same history draws the same picture
BRIDGE_MIN_CIRCLES = 2  # engaged with members of at least this many other circles


@dataclass(frozen=True, slots=True)
class DailyCount:
    actor_id: int
    target_id: int
    kind: str
    day: date
    count: int


@dataclass(frozen=True, slots=True)
class Node:
    id: int
    x: float  # 0..1
    y: float  # 0..1
    activity: float  # decayed engagement given and received
    circle: int  # index of its community; -1 for lone members
    role: str  # "member", "bridge" or "lone"


@dataclass(frozen=True, slots=True)
class Edge:
    source: int
    target: int
    weight: float


@dataclass(frozen=True, slots=True)
class EngagementGraph:
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    circles: int

    @property
    def bridges(self) -> tuple[Node, ...]:
        return tuple(node for node in self.nodes if node.role == "bridge")

    @property
    def lone(self) -> tuple[Node, ...]:
        return tuple(node for node in self.nodes if node.role == "lone")


def decayed_edges(counts: Iterable[DailyCount], policy: Policy, today: date) -> dict[tuple[int, int], float]:
    """(actor, target) -> engagement, weighted and decayed like the policy's scores."""
    edges: defaultdict[tuple[int, int], float] = defaultdict(float)
    kinds = {kind.value: kind for kind in InteractionKind}
    for row in counts:
        kind = kinds.get(row.kind)
        if kind is None:
            continue
        age = ((today - row.day).days + 0.5) * SECONDS_PER_DAY
        edges[row.actor_id, row.target_id] += row.count * policy.weights.of(kind) * decay(age, policy.half_life_days)
    return {pair: weight for pair, weight in edges.items() if weight > 0}


def build(edges: dict[tuple[int, int], float], top: int) -> EngagementGraph:
    """The `top` most active members and the engagement among them, laid out and grouped into circles.

    Lone members engage with nobody shown who engages back; circles are communities of the others.
    """
    activity: defaultdict[int, float] = defaultdict(float)
    for (actor, target), weight in edges.items():
        activity[actor] += weight
        activity[target] += weight
    chosen = {member for member, _ in sorted(activity.items(), key=lambda item: (-item[1], item[0]))[:top]}
    kept = {pair: weight for pair, weight in edges.items() if pair[0] in chosen and pair[1] in chosen}
    graph: nx.Graph[int] = nx.Graph()
    graph.add_nodes_from(sorted(chosen))
    for (actor, target), weight in kept.items():
        previous = graph.get_edge_data(actor, target, {"weight": 0.0})["weight"]
        graph.add_edge(actor, target, weight=previous + weight)
    lone = {member for member in chosen
            if not any((target, member) in kept for actor, target in kept if actor == member)}
    circle_of = _circles(graph.subgraph(chosen - lone))
    positions = _layout(graph, lone)
    nodes = tuple(Node(member, *positions[member], round(activity[member], 2), circle_of.get(member, -1),
                       "lone" if member in lone else _role(graph, member, circle_of)) for member in sorted(chosen))
    edge_list = tuple(Edge(a, t, round(w, 2)) for (a, t), w in sorted(kept.items()))
    return EngagementGraph(nodes, edge_list, len(set(circle_of.values())))


def _circles(graph: nx.Graph[int]) -> dict[int, int]:
    """Communities of two or more members, largest first; members in none are left out (lone)."""
    connected = graph.subgraph([node for node in graph if graph.degree(node) > 0])
    if connected.number_of_edges() == 0:
        return {}
    groups = nx.community.louvain_communities(connected, weight="weight", seed=LAYOUT_SEED)
    ordered = sorted((sorted(group) for group in groups if len(group) > 1), key=lambda g: (-len(g), g[0]))
    return {member: index for index, group in enumerate(ordered) for member in group}


def _role(graph: nx.Graph[int], member: int, circle_of: dict[int, int]) -> str:
    own = circle_of.get(member, -1)
    others = {circle_of[n] for n in graph.neighbors(member) if circle_of.get(n, own) != own}
    return "bridge" if len(others) + 1 >= BRIDGE_MIN_CIRCLES and others else "member"


def _layout(graph: nx.Graph[int], lone: set[int]) -> dict[int, tuple[float, float]]:
    """Engaged members spread by a force layout over the top of the square; lone members in a row below it."""
    engaged = graph.subgraph(sorted(set(graph) - lone))
    spread = 2.5 / max(len(engaged), 1) ** 0.5  # more room between nodes than the default: labels fit
    raw = nx.spring_layout(engaged, weight="weight", k=spread, iterations=200, seed=LAYOUT_SEED) if engaged else {}
    xs = [float(point[0]) for point in raw.values()] or [0.0]
    ys = [float(point[1]) for point in raw.values()] or [0.0]
    width, height = max(max(xs) - min(xs), 1e-9), max(max(ys) - min(ys), 1e-9)
    bottom = 0.78 if lone else 0.92
    positions = {member: (round(0.08 + 0.84 * (float(x) - min(xs)) / width, 4),
                          round(0.08 + (bottom - 0.08) * (float(y) - min(ys)) / height, 4))
                 for member, (x, y) in raw.items()}
    for index, member in enumerate(sorted(lone)):
        positions[member] = (round(0.08 + 0.84 * (index + 0.5) / len(lone), 4), 0.93)
    return positions
