"""A small picture of an entity's neighbourhood: where to draw it and its nearest entities."""

from __future__ import annotations

import math
from dataclasses import dataclass

from .entities import Entity, Link

WIDTH, HEIGHT = 640, 400
RADIUS_X, RADIUS_Y = 200, 150
LONGEST = 28  # characters of a label drawn; the full label is the node's tooltip
MOST = 12  # more would not be readable in a picture this size; the lists below it have all


@dataclass(frozen=True)
class Neighbour:
    link: Link
    short: str  # the label as drawn
    relation: str  # the property's label, or "parent", "child"
    outgoing: bool  # the arrow points from the entity to the neighbour
    x: float
    y: float


def neighbourhood(entity: Entity) -> list[Neighbour]:
    """Up to MOST neighbours, parents first, evenly around the entity at the centre."""
    chosen: dict[str, tuple[Link, str, bool]] = {}

    def add(link: Link, relation: str, outgoing: bool) -> None:
        if link.iri != entity.iri and link.iri not in chosen and len(chosen) < MOST:
            chosen[link.iri] = (link, relation, outgoing)

    for parent in entity.parents:
        add(parent, "subclass of" if entity.kind == "class" else "narrower than", True)
    for kind in entity.types:
        add(kind, "type", True)
    for relation in entity.relations:
        if isinstance(relation.value, Link) and relation.value.iri.startswith("https://w3id.org/ierkg/"):
            add(relation.value, relation.property.label, True)
    for usage in entity.usages:
        if isinstance(usage.value, Link):
            add(usage.value, usage.property.label, False)
    for child in entity.children:
        add(child, "subclass of" if entity.kind == "class" else "narrower than", False)
    placed = []
    count = len(chosen)
    for index, (link, relation, outgoing) in enumerate(chosen.values()):
        angle = -math.pi / 2 + 2 * math.pi * index / max(count, 1)
        x = WIDTH / 2 + RADIUS_X * math.cos(angle)
        y = HEIGHT / 2 + RADIUS_Y * math.sin(angle)
        short = link.label if len(link.label) <= LONGEST else link.label[: LONGEST - 1].rstrip() + "…"
        placed.append(Neighbour(link, short, relation, outgoing, round(x, 1), round(y, 1)))
    return placed
