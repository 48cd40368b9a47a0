"""Evaluate the running model's NLU on held-out data and on out-of-scope utterances.

Entity F1 is micro-averaged over (entity, value) pairs per message, values compared after synonym
mapping and case folding: what matters to the conversation is which value reaches the slot.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Dict, Iterable, List, Tuple

from rasa.shared.nlu.training_data.loading import load_data

from careerbot.settings import PROJECT_ROOT

HELDOUT_FILE = PROJECT_ROOT / "tests" / "nlu" / "heldout.yml"
OOS_FILE = PROJECT_ROOT / "tests" / "fixtures" / "shared" / "eval" / "clinc_oos_val.txt"
OOS_IN_SCOPE_FILE = PROJECT_ROOT / "tests" / "nlu" / "oos_in_scope.txt"
# Tuning sets beside the held-out one and CLINC's oos val (tests/nlu/README.md).
TUNING_DIR = PROJECT_ROOT / "tests" / "nlu" / "tuning"
TUNING_IN_DOMAIN_FILE = TUNING_DIR / "in_domain_typed.yml"
TUNING_SPANISH_FILE = TUNING_DIR / "es_in_domain.yml"
TUNING_OUT_OF_SCOPE_FILES = {"CLINC val of trained intents": TUNING_DIR / "clinc_other_domains.txt",
                             "other subjects": TUNING_DIR / "oos_other_subjects.txt"}
# Final sets (tests/nlu/README.md): for reporting only, never for choosing anything.
FINAL_DIR = PROJECT_ROOT / "tests" / "nlu" / "final"
FINAL_IN_DOMAIN_FILE = FINAL_DIR / "in_domain.yml"
FINAL_SPANISH_FILE = FINAL_DIR / "es_in_domain.yml"
FINAL_OUT_OF_SCOPE_FILES = {"new domains": FINAL_DIR / "oos_new_domains.txt",
                            "unseen CLINC intents": FINAL_DIR / "clinc_unseen_intents.txt"}
REJECTING_INTENTS = {"nlu_fallback", "out_of_scope"}
# Entities only the safety net sets; held-out data does not annotate them.
# Set by rule-based components, not annotated in the held-out data: the crisis safety net's kind
# and language, and the contact details found by libphonenumber and the name patterns.
UNANNOTATED_ENTITIES = {"crisis_type", "language", "contact_name", "contact_detail"}

Parse = Callable[[str], dict]


@dataclass(frozen=True)
class Example:
    text: str
    intent: str
    entities: Tuple[Tuple[str, str], ...]


@dataclass
class NluReport:
    examples: int
    intent_accuracy: float
    entity_precision: float
    entity_recall: float
    entity_f1: float
    false_rejection: float
    intent_errors: List[Tuple[str, str, str]] = field(default_factory=list)
    entity_errors: List[Tuple[str, list, list]] = field(default_factory=list)
    confusion: Dict[Tuple[str, str], int] = field(default_factory=dict)


def _entity_pairs(entities: Iterable[dict]) -> Counter:
    return Counter((e["entity"], str(e["value"]).strip().lower()) for e in entities
                   if e["entity"] not in UNANNOTATED_ENTITIES)


def load_examples(path: Path = HELDOUT_FILE) -> List[Example]:
    data = load_data(str(path))
    return [Example(m.get("text"), m.get("intent"),
                    tuple(sorted(_entity_pairs(m.get("entities") or []).elements())))
            for m in data.intent_examples]


def evaluate(parse: Parse, examples: List[Example]) -> NluReport:
    correct = rejected = in_domain = 0
    true_positive = predicted_total = gold_total = 0
    report = NluReport(len(examples), 0, 0, 0, 0, 0)
    confusion: Counter = Counter()
    for example in examples:
        result = parse(example.text)
        predicted = result["intent"]["name"]
        confusion[(example.intent, predicted)] += 1
        if predicted == example.intent:
            correct += 1
        else:
            report.intent_errors.append((example.text, example.intent, predicted))
        if example.intent != "out_of_scope":
            in_domain += 1
            rejected += predicted in REJECTING_INTENTS
        gold, found = Counter(example.entities), _entity_pairs(result.get("entities") or [])
        true_positive += sum((gold & found).values())
        gold_total += sum(gold.values())
        predicted_total += sum(found.values())
        if gold != found:
            report.entity_errors.append((example.text, sorted(gold.elements()), sorted(found.elements())))
    report.intent_accuracy = correct / len(examples)
    report.entity_precision = true_positive / predicted_total if predicted_total else 1.0
    report.entity_recall = true_positive / gold_total if gold_total else 1.0
    p, r = report.entity_precision, report.entity_recall
    report.entity_f1 = 2 * p * r / (p + r) if p + r else 0.0
    report.false_rejection = rejected / in_domain if in_domain else 0.0
    report.confusion = dict(confusion)
    return report


def out_of_scope_utterances() -> List[str]:
    """CLINC150's out-of-scope validation set, less the few that are really career questions."""
    in_scope = {line.split("#")[0].strip() for line in OOS_IN_SCOPE_FILE.read_text().splitlines()}
    lines = [line.strip() for line in OOS_FILE.read_text(encoding="utf-8").splitlines()]
    return [line for line in lines if line and line not in in_scope]


def lines_of(path: Path) -> List[str]:
    """A set's messages: one a line, without blank lines and `#` comments."""
    lines = (line.strip() for line in path.read_text(encoding="utf-8").splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def training_messages() -> set:
    """Every training message (DIET's and the out-of-scope rejector's), lower case."""
    found = {e.text.lower().strip() for path in (PROJECT_ROOT / "data" / "nlu").glob("*.yml")
             for e in load_examples(path)}
    found |= {line.lower() for path in (PROJECT_ROOT / "data" / "out_of_scope").glob("*.txt")
              for line in lines_of(path)}
    return found


def untrained_examples(path: Path) -> List[Example]:
    """A labelled set less the messages that are also training messages: short ones ("yes
    please", "hi") are written the same way by anyone."""
    training = training_messages()
    return [e for e in load_examples(path) if e.text.lower().strip() not in training]


def final_in_domain_examples() -> List[Example]:
    return untrained_examples(FINAL_IN_DOMAIN_FILE)


def final_out_of_scope_messages(name: str) -> List[str]:
    """A final out-of-scope set less the messages that are also training messages."""
    training = training_messages()
    return [m for m in lines_of(FINAL_OUT_OF_SCOPE_FILES[name]) if m.lower() not in training]


def rejection_rate(parse: Parse, utterances: List[str]) -> Tuple[float, List[Tuple[str, str]]]:
    accepted = []
    for text in utterances:
        intent = parse(text)["intent"]["name"]
        if intent not in REJECTING_INTENTS:
            accepted.append((text, intent))
    return 1 - len(accepted) / len(utterances), accepted
