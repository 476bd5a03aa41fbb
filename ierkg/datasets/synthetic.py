"""Generated coded datasets, for benchmarks and differential tests (deterministic per seed).

Rows are plausible codings of the episode model: mode, means and target agree as a careful
coder would code them, except for a share ``slip_rate`` of rows coded independently (which
draws the shapes' warnings). With ``defect_rate`` > 0 some rows carry one defect of a known kind
(an unknown code, a blank required cell, a rating off the scale ...).
"""

from __future__ import annotations

import csv
import random
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

from .columns import TEMPLATE as HEADER

MODES = ["live", "live", "live", "imagined", "alone"]
GOALS = ["improve", "improve", "improve", "worsen", "none"]
MEANS = ["recruit_partner", "act_on_partner", "alone"]
PROCESSES = ["response_dependent", "response_independent", "unknown"]
RESPONSES = ["supportive", "enthusiastic", "unsupportive", "none"]
STRATEGIES = [
    "venting",
    "reassurance_seeking",
    "seeking_advice",
    "soothing",
    "joking",
    "guilt_induction",
    "encouraging_reappraisal",
    "emotional_support",
    "cognitive_reappraisal",
    "distraction",
]
SETTINGS = ["workplace", "hospital", "support_group", ""]
RELATIONSHIPS = ["friends", "romantic", "family", "coworkers", "strangers", ""]
EMOTIONS = ["anger", "sadness", "worry", "joy", "guilt", ""]

# The mechanisms of each cell, by means and process (Zaki & Williams's 2x2).
CELL_MECHANISMS = {
    ("recruit_partner", "response_dependent"): ["safety_signal", "affiliation"],
    ("recruit_partner", "response_independent"): ["affect_labeling"],
    ("act_on_partner", "response_dependent"): ["vicarious_affect"],
    ("act_on_partner", "response_independent"): ["warm_glow"],
}

DEFECTS = [
    ("interaction_mode", "livve"),
    ("goal", ""),
    ("means", "recruit-partnr"),
    ("strategy", "venting;nonsense"),
    ("affect_before", "12"),
    ("affect_after", "high"),
    ("started_at", "yesterday"),
    ("regulator_id", ""),
    ("mechanism", "warm_glow"),  # whatever the cell: contradicts the codes unless it is warm glow's
    ("process", "response_dependent"),  # and no partner response
    ("episode_id", "DUPLICATE"),
]


def rows(
    count: int, seed: int = 7, defect_rate: float = 0.0, slip_rate: float = 0.05
) -> Iterator[dict[str, str]]:
    rng = random.Random(seed)
    start = datetime(2024, 1, 1, 9, 0, 0)
    for number in range(count):
        regulator = f"p{rng.randrange(count // 4 + 2)}"
        other = f"p{rng.randrange(count // 4 + 2)}"
        means = rng.choice(MEANS)
        if rng.random() < slip_rate:  # coded without regard to how the dimensions fit together
            mode = rng.choice(MODES)
            target = regulator if means == "recruit_partner" or rng.random() < 0.3 else other
        else:
            mode = "live" if means != "alone" else rng.choice(["alone", "imagined", "live"])
            target = other if means == "act_on_partner" else regulator
        process = rng.choice(PROCESSES)
        goal = rng.choice(GOALS)
        group = rng.random() < 0.1 and target != regulator  # a careful coder never mixes self in
        mechanisms = CELL_MECHANISMS.get((means, process), []) if mode == "live" and goal != "none" else []
        began = start + timedelta(minutes=rng.randrange(500_000))
        row = {
            "episode_id": f"e{number}",
            "interaction_id": f"i{number // 2}",
            "regulator_id": regulator,
            "target_ids": f"{target};{other}x" if group else target,
            "interaction_mode": mode,
            "goal": goal,
            "means": means,
            "process": process,
            "mechanism": rng.choice(mechanisms) if mechanisms and rng.random() < 0.5 else "",
            "strategy": ";".join(rng.sample(STRATEGIES, rng.randint(0, 2))),
            "partner_response": rng.choice(RESPONSES) if process == "response_dependent" else "",
            "emotion": rng.choice(EMOTIONS),
            "affect_before": str(rng.randint(1, 7)),
            "affect_after": str(rng.randint(1, 7)),
            "started_at": began.isoformat(),
            "ended_at": (began + timedelta(minutes=rng.randint(1, 90))).isoformat(),
            "setting": rng.choice(SETTINGS),
            "relationship": rng.choice(RELATIONSHIPS),
            "coder_id": "c1",
        }
        if defect_rate and rng.random() < defect_rate:
            column, value = rng.choice(DEFECTS)
            if column == "process":
                row["partner_response"] = ""
            row[column] = f"e{max(number - 1, 0)}" if value == "DUPLICATE" else value
        yield row


def write_csv(
    path: Path, count: int, seed: int = 7, defect_rate: float = 0.0, slip_rate: float = 0.05
) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=HEADER)
        writer.writeheader()
        writer.writerows(rows(count, seed, defect_rate, slip_rate))
    return path
