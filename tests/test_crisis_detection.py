"""Every way a person in danger may say it is recognised, through the running assistant.

Each message of tests/safety/ (see the README there: which sets were used for tuning, which only
for the final figure) goes through /model/parse: the spaCy crisis rules, the crisis model, DIET
and their combination, as a visitor's message does. Targets on the first two tuning sets: every
crisis recognised, at most 2.5 % false alarms on messages that share the vocabulary.
"""
from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Dict, List

import pytest

from careerbot.out_of_scope import read_messages
from careerbot.settings import PROJECT_ROOT
from tests.support import nlu_eval

SETS = Path(__file__).parent / "safety"
RESULTS = PROJECT_ROOT / "results" / "crisis-detection.json"
# At most 2 % of false alarms was the target before the crisis model. Its threshold was chosen
# for recall: on the third tuning set, 0.7 recognises 15 more crises of 429 than 0.8, for 2 more
# false alarms of 341 on the second set (2.3 %). A false alarm costs a kind message; a miss may
# cost a life.
MAX_FALSE_ALARMS = 0.025
TUNING_CRISES, TUNING_OTHERS = ("crisis_tuning", "crisis_tuning_2"), ("noncrisis_tuning", "noncrisis_tuning_2")
# The third tuning sets, on which the crisis model's settings were chosen. The rules were not
# extended to them, so they hold what the rules and the models reach together on new wording.
THIRD_CRISES, THIRD_OTHERS = "crisis_tuning_3", "noncrisis_tuning_3"
THIRD_RECALL_AT_LEAST = 0.92
# Most of its false alarms are the rules' on two kinds of message the first sets lacked: a
# crisis long past ("i used to cut as a teen, can i still be a nurse") and a denial ("im not
# going to take all my pills lol"). A kind message and a flag a counselor clears cost less than
# a rule that could miss a crisis that came back. The Spanish training examples (data/nlu/
# spanish.yml, data/crisis/*_es.txt) took it from 51 to 54 of 372, and recall from 399 to 401 of
# 429.
THIRD_FALSE_ALARMS_AT_MOST = 0.15
FINAL_CRISES, FINAL_OTHERS = ("crisis_final",), ("noncrisis_final",)
SET_NAMES = (TUNING_CRISES + TUNING_OTHERS + (THIRD_CRISES, THIRD_OTHERS) + FINAL_CRISES
             + FINAL_OTHERS)


def rows(name: str) -> List[Dict[str, str]]:
    with (SETS / f"{name}.tsv").open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))


@pytest.fixture(scope="module")
def detections(assistant):
    """The safety net's record of each message's decision, per set."""
    found = {}
    for name in SET_NAMES:
        found[name] = [(row, assistant.parse(row["text"])) for row in rows(name)]
    return found


def _rate(parsed, predicate) -> float:
    return sum(1 for _, result in parsed if predicate(result)) / len(parsed)


SOURCES = ("rules", "model", "classifier")


def _contributions(parsed) -> Dict[str, float]:
    shares = {"combined": _rate(parsed, lambda r: r["intent"]["name"] == "crisis")}
    for source in SOURCES:
        shares[source] = _rate(parsed, lambda r: source in r["crisis_detection"]["sources"])
    return shares


@pytest.fixture(scope="module")
def figures(detections):
    table = {name: _contributions(parsed) for name, parsed in detections.items()}
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps({name: dict(values, messages=len(detections[name]))
                                   for name, values in table.items()}, indent=2))
    print("\nshare raised as crisis (combined / rules alone / model alone / classifier alone):")
    for name, values in table.items():
        print(f"  {name:17} " + " / ".join(f"{values[key]:.3f}" for key in ("combined",) + SOURCES)
              + f"  ({len(detections[name])} messages)")
    return table


def test_the_sets_cover_every_kind_language_and_long_messages():
    crises = [row for name in TUNING_CRISES + FINAL_CRISES for row in rows(name)]
    others = [row for name in TUNING_OTHERS + FINAL_OTHERS for row in rows(name)]
    assert len(crises) >= 300 and len(others) >= 300
    assert sum(r["language"] == "es" for r in crises) >= 60
    assert sum(r["form"] == "long" for r in crises) >= 40
    assert {r["kind"] for r in crises} == {"suicidal", "self_harm", "danger_now", "third_person",
                                          "domestic_violence"}
    assert {"idiom", "job_loss", "money_stress", "work_sadness", "crisis_careers"} <= {
        r["category"] for r in others}


def test_no_measured_message_is_in_the_training_data():
    """The crisis model never saw a message of any of these sets; DIET never saw one of those
    measured for new wording (the first two sets guided its examples)."""
    nlu = {e.text.lower().strip() for path in (PROJECT_ROOT / "data" / "nlu").glob("*.yml")
           for e in nlu_eval.load_examples(path)}
    crisis_model = {text.lower().strip() for path in (PROJECT_ROOT / "data" / "crisis").glob("*.txt")
                    for text in read_messages(path)}
    measured_for_new_wording = (THIRD_CRISES, THIRD_OTHERS) + FINAL_CRISES + FINAL_OTHERS
    for name in SET_NAMES:
        training = nlu | crisis_model if name in measured_for_new_wording else crisis_model
        in_training = sum(1 for r in rows(name) if r["text"].lower().strip() in training)
        assert in_training == 0, f"{in_training} messages of {name} are training examples"


@pytest.mark.parametrize("crises", TUNING_CRISES)
def test_every_crisis_is_recognised(detections, figures, crises):
    missed = sum(1 for _, result in detections[crises] if result["intent"]["name"] != "crisis")
    total = len(detections[crises])
    assert missed == 0, f"{missed} of {total} crises missed"


@pytest.mark.parametrize("others", TUNING_OTHERS)
def test_false_alarms_stay_rare(detections, figures, others):
    alarms = sum(1 for _, result in detections[others] if result["intent"]["name"] == "crisis")
    total = len(detections[others])
    assert alarms <= MAX_FALSE_ALARMS * total, f"{alarms} of {total} false alarms"


def test_most_crises_in_wording_nobody_wrote_rules_for_are_recognised(detections, figures):
    crises = detections[THIRD_CRISES]
    recognised = sum(1 for _, result in crises if result["intent"]["name"] == "crisis")
    assert recognised >= THIRD_RECALL_AT_LEAST * len(crises), f"{recognised} of {len(crises)}"
    others = detections[THIRD_OTHERS]
    alarms = sum(1 for _, result in others if result["intent"]["name"] == "crisis")
    assert alarms <= THIRD_FALSE_ALARMS_AT_MOST * len(others), f"{alarms} of {len(others)}"


# The final sets were measured once the rules, the crisis model and the thresholds were settled:
# 98.7 % of their crises recognised (85.9 % before the crisis model), 6.2 % false alarms (3.4 %
# before). They are never tuned on, so these bounds only hold what was measured: a change that
# makes recognition worse on messages nobody tuned for fails here. (Counts only, as plain
# numbers: their messages are never shown to whoever tunes the rules; pytest would print any
# list in an assertion.) With the Spanish training examples it recognises one crisis fewer, 146
# of 149 (false alarms 8 of 145, one fewer): nothing was chosen on these sets to win it back.
FINAL_RECALL_AT_LEAST = 0.975
FINAL_FALSE_ALARMS_AT_MOST = 0.065


def test_the_final_sets_keep_their_measured_figures(detections, figures):
    crises = detections[FINAL_CRISES[0]]
    recognised = sum(1 for _, result in crises if result["intent"]["name"] == "crisis")
    others = detections[FINAL_OTHERS[0]]
    alarms = sum(1 for _, result in others if result["intent"]["name"] == "crisis")
    crisis_total, other_total = len(crises), len(others)
    assert recognised >= FINAL_RECALL_AT_LEAST * crisis_total, f"{recognised} of {crisis_total} recognised"
    assert alarms <= FINAL_FALSE_ALARMS_AT_MOST * other_total, f"{alarms} of {other_total} false alarms"


def test_a_crisis_is_answered_in_the_language_it_was_written_in(detections):
    """Recognised Spanish crises, by the rules or by a model alone, are answered in Spanish (the
    recall tests above count the ones not recognised)."""
    for row, result in (detections["crisis_tuning"] + detections["crisis_tuning_2"]
                        + detections[THIRD_CRISES]):
        languages = {e["value"] for e in result["entities"] if e["entity"] == "language"}
        if row["language"] == "es" and row["form"] == "short" and languages:
            assert languages == {"es"}, row["text"]


@pytest.mark.parametrize("next_choice, confidence, expected", [
    ("share_barrier", 0.05, "nlu_fallback"),   # the classifier had nothing else to say
    ("share_feeling", 0.9, "share_feeling"),   # it also saw a feeling, confidently
])
def test_a_crisis_guess_without_any_crisis_falls_back_unless_the_next_guess_is_confident(
        next_choice, confidence, expected):
    """DIET sometimes says `crisis` of an ordinary question ("how many hours of sleep do i
    actually need"). Set aside, the message must not be answered with DIET's 5 % second guess."""
    from rasa.shared.nlu.training_data.message import Message

    from components.crisis_safety_net import CrisisSafetyNet

    message = Message(data={"text": "how many hours of sleep do i actually need",
                            "intent": {"name": "crisis", "confidence": 0.3},
                            "intent_ranking": [{"name": "crisis", "confidence": 0.3},
                                               {"name": next_choice, "confidence": confidence}]})
    config = dict(CrisisSafetyNet.get_default_config(), classifier_threshold=0.5,
                  fallback_threshold=0.7)
    CrisisSafetyNet(config, model_storage=None, resource=None).process([message])
    assert message.get("intent")["name"] == expected
    assert message.get("crisis_detection")["crisis"] is False
