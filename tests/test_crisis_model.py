"""The crisis model (careerbot/safety/model.py): it reads every part of a long message, and its
own arithmetic gives scikit-learn's probabilities. What it catches through the running assistant
is measured by tests/test_crisis_detection.py."""
from __future__ import annotations

import csv
import tarfile
from pathlib import Path

import pytest
import yaml

from careerbot.safety import Judgements, combine
from careerbot.safety.decision import MODEL
from careerbot.safety.model import WINDOW_WORDS, CrisisModel, passages
from components.crisis_safety_net import MODEL_FILE
from careerbot.settings import PROJECT_ROOT
from tests.support.servers import latest_model

SETS = Path(__file__).parent / "safety"
LONG_MESSAGE = ("so i finally finished my resume and sent it to the warehouse on 5th. the bus there "
                "takes an hour and my feet are killing me after every shift. i took all the pills in "
                "the cabinet about an hour ago. anyway can you tell me if they hire on weekends")


def model_threshold() -> float:
    """The crisis model's probability from which it raises the alarm alone (config.yml)."""
    pipeline = yaml.safe_load((PROJECT_ROOT / "config.yml").read_text())["pipeline"]
    return next(c for c in pipeline if c["name"].endswith("CrisisSafetyNet"))["model_threshold"]


@pytest.fixture(scope="module")
def model(tmp_path_factory) -> CrisisModel:
    """The crisis model of the trained assistant."""
    unpacked = tmp_path_factory.mktemp("model")
    with tarfile.open(latest_model()) as archive:
        member = next(m for m in archive.getmembers() if m.name.endswith(MODEL_FILE))
        archive.extract(member, unpacked)
    return CrisisModel.load(unpacked / member.name)


def test_a_long_message_is_read_sentence_by_sentence():
    parts = [part.strip() for part in passages(LONG_MESSAGE)]
    assert "i took all the pills in the cabinet about an hour ago" in parts
    assert parts[0] == LONG_MESSAGE


def test_a_long_run_on_sentence_is_read_in_overlapping_windows():
    words = [f"w{i}" for i in range(40)]
    windows = passages(" ".join(words))[1:]
    assert all(len(window.split()) <= WINDOW_WORDS for window in windows)
    covered = {word for window in windows for word in window.split()}
    assert covered == set(words)


def test_a_short_message_is_read_whole_and_accents_do_not_matter():
    assert passages("Ya no quiero VIVIR, perdón") == ["ya no quiero vivir, perdon"]


def _raised_by_the_model(model: CrisisModel, text: str) -> bool:
    """Whether the crisis model alone raises the alarm, as the safety net decides (the model's
    probability, and no figurative use such as "my feet are killing me")."""
    probability, parts = model.alarming(text, model_threshold())
    judgements = Judgements(model_probability=probability, alarming_parts=parts,
                            classifier_confidence=0.0, classifier_threshold=1.0)
    decision = combine(text, judgements)
    return decision is not None and MODEL in decision.sources


def test_a_crisis_said_in_passing_raises_the_alarm_as_it_does_alone(model):
    """Even beside an idiom ("my feet are killing me") elsewhere in the message."""
    crisis = "i took all the pills in the cabinet about an hour ago"
    assert _raised_by_the_model(model, crisis)
    assert model.probability(LONG_MESSAGE) >= model.probability(crisis)
    assert _raised_by_the_model(model, LONG_MESSAGE)
    assert not _raised_by_the_model(model, LONG_MESSAGE.replace(
        crisis, "i printed ten copies at the library"))


def test_its_own_arithmetic_gives_scikit_learns_probabilities(model):
    with (SETS / "crisis_tuning_3.tsv").open(newline="", encoding="utf-8") as handle:
        texts = [row["text"] for row in csv.DictReader(handle, delimiter="\t",
                                                        quoting=csv.QUOTE_NONE)][:150]
    for text in texts:
        assert abs(model.probability(text) - model.probability_by_scikit_learn(text)) < 1e-9
