"""Which vetted answer fits which question: the content's structure, not its wording.

The wording lives in domain.yml responses; this module only maps the values the NLU recognises
(aspects, barriers, steps) to those responses, so the rules are testable without Rasa.
"""
from __future__ import annotations

from typing import Iterable, List, Mapping, Optional, Tuple

from careerbot.language import DEFAULT_LANGUAGE

ASPECTS = ("timeframe", "goals", "education", "advancement", "benefits")
# The NLU contract's six, then what people also name as in their way, said in their own words
# ("i have a felony", "im 17", "my english isnt good"): these get the honest answer that a
# counselor can help, and a search of the services that may.
BARRIERS = ("experience", "education", "uncertainty", "transportation", "childcare", "financial",
            "criminal_record", "youth", "disability", "language")
# The kinds of help a person can ask the directory for: the NLU contract's `resource_type` values
# (../shared/nlu-contract.md). directory_mapping.yml says which services answer each.
RESOURCE_TYPES = ("workforce_center", "career_center", "community_college", "adult_education",
                  "nonprofit", "childcare_assistance", "transportation_assistance",
                  "financial_aid", "library")
STEP_COUNT = 5  # identify interests, training, experience, network, long-term goals
STEP_CHOICES = ("next", "skip", "more")


# What a message the assistant did not understand may have been about, by intent: offered back
# as "did you mean?" (the titles are the menu's), by language (careerbot.language.LANGUAGES).
TOPICS = {
    "en": {
        "ask_job_vs_career": "Job vs. career", "ask_job_definition": "What a job is",
        "ask_career_definition": "What a career is",
        "ask_turn_job_into_career": "Turn my job into a career",
        "ask_career_exploration": "Explore careers", "ask_job_search": "Find job openings",
        "share_barrier": "Something is in my way", "find_resource": "Find local help",
        "request_human": "Talk to a counselor",
    },
    "es": {
        "ask_job_vs_career": "Trabajo o carrera", "ask_job_definition": "Qué es un trabajo",
        "ask_career_definition": "Qué es una carrera",
        "ask_turn_job_into_career": "Convertir mi trabajo en carrera",
        "ask_career_exploration": "Explorar carreras",
        "ask_job_search": "Buscar ofertas de trabajo",
        "share_barrier": "Algo me impide avanzar", "find_resource": "Buscar ayuda cerca",
        "request_human": "Hablar con un consejero",
    },
}
# The button offered with them for anything else: it shows the menu (/ask_capabilities).
SOMETHING_ELSE = {"en": "Something else", "es": "Otra cosa"}
# Below this, the classifier's best guess is no guess at all.
MIN_TOPIC_CONFIDENCE = 0.1
NOT_UNDERSTOOD = ("nlu_fallback", "out_of_scope")


def likeliest_topics(ranking: Iterable[Mapping], count: int = 2,
                     language: str = DEFAULT_LANGUAGE) -> List[Tuple[str, str]]:
    """The `count` likeliest topics of a message not understood, as (intent, title in
    `language`); none when its likeliest reading is that it is about something else altogether."""
    titles = TOPICS[language]
    ranked = [r for r in ranking if r.get("name") != "nlu_fallback"]
    if not ranked or ranked[0].get("name") in NOT_UNDERSTOOD:
        return []
    topics = [(r["name"], titles[r["name"]]) for r in ranked
              if r.get("name") in titles and (r.get("confidence") or 0) >= MIN_TOPIC_CONFIDENCE]
    return topics[:count]


def difference_response(aspect: Optional[str]) -> str:
    """The answer to "how does a job differ from a career", for one aspect or in general."""
    return f"utter_difference_{aspect}" if aspect in ASPECTS else "utter_difference_summary"


def barrier_response(barrier: Optional[str]) -> Optional[str]:
    """The seeds' advice for a barrier, or None when the barrier is unknown (ask which)."""
    return f"utter_barrier_{barrier}" if barrier in BARRIERS else None


# Barriers on which the seeds give no advice: a counselor is offered first.
COUNSELOR_FIRST_BARRIERS = ("criminal_record", "youth", "disability")


def local_help_offer(barriers: List[str]) -> str:
    """The offer after the advice on `barriers`: local help for each, or a counselor first."""
    if len(barriers) > 1:
        return "utter_offer_local_help_for_each"
    if barriers[0] in COUNSELOR_FIRST_BARRIERS:
        return "utter_offer_counselor_or_local_help"
    return "utter_offer_local_help"


def barriers_named(values: Iterable[Optional[str]]) -> List[str]:
    """The known barriers among a message's entity values, each once, in the order said."""
    return list(dict.fromkeys(value for value in values if value in BARRIERS))


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
