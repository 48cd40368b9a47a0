"""Which vetted answer fits which question: the content's structure, not its wording.

The wording lives in domain.yml responses; this module only maps the values the NLU recognises
(aspects, barriers, steps) to those responses, so the rules are testable without Rasa.
"""
from __future__ import annotations

from typing import Optional, Tuple

ASPECTS = ("timeframe", "goals", "education", "advancement", "benefits")
BARRIERS = ("experience", "education", "uncertainty", "transportation", "childcare", "financial")
STEP_COUNT = 5  # identify interests, training, experience, network, long-term goals
STEP_CHOICES = ("next", "skip", "more")


def difference_response(aspect: Optional[str]) -> str:
    """The answer to "how does a job differ from a career", for one aspect or in general."""
    return f"utter_difference_{aspect}" if aspect in ASPECTS else "utter_difference_summary"


def barrier_response(barrier: Optional[str]) -> Optional[str]:
    """The seeds' advice for a barrier, or None when the barrier is unknown (ask which)."""
    return f"utter_barrier_{barrier}" if barrier in BARRIERS else None


def step_response(step: int) -> str:
    return f"utter_step_{step}"


def step_detail_response(step: int) -> str:
    return f"utter_step_{step}_detail"


def current_step(value) -> int:
    """The walk-through's step from the slot value, clamped to 1..STEP_COUNT."""
    try:
        return min(max(int(value), 1), STEP_COUNT)
    except (TypeError, ValueError):
        return 1


def advance(step: int, choice: str) -> Tuple[Optional[int], bool]:
    """Where the walk-through goes after `choice` at `step`.

    Returns (next step or None when finished, whether to show the current step's detail).
    "more" stays on the step and shows its detail; "next" and "skip" move on; anything else
    leaves the walk-through where it is.
    """
    if choice not in STEP_CHOICES:
        return step, False
    if choice == "more":
        return step, True
    following = step + 1
    return (following if following <= STEP_COUNT else None), False
