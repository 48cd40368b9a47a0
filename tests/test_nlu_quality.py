"""Understanding, measured on data the model never saw, through the running server's /model/parse.

Thresholds are the foundation's: intent accuracy >= 0.90, entity F1 >= 0.85, and at least 90 % of
CLINC150's out-of-scope utterances rejected (fallback or out_of_scope). Figures go to
results/nlu-quality.json for the benchmark report.
"""
from __future__ import annotations

import json

import pytest

from careerbot.settings import PROJECT_ROOT
from tests.support import nlu_eval

RESULTS = PROJECT_ROOT / "results" / "nlu-quality.json"
# The typed tuning set's false rejection: the target is 0.03, the model does not reach it
# yet (bench/results/nlu.json); this floor keeps it from falling below what it does reach.
MAX_TYPED_FALSE_REJECTION = 0.05


@pytest.fixture(scope="module")
def heldout_report(assistant):
    return nlu_eval.evaluate(assistant.parse, nlu_eval.load_examples())


@pytest.fixture(scope="module")
def oos_result(assistant):
    return nlu_eval.rejection_rate(assistant.parse, nlu_eval.out_of_scope_utterances())


def test_heldout_set_is_never_used_for_training():
    training = {e.text.lower().strip() for path in (PROJECT_ROOT / "data" / "nlu").glob("*.yml")
                for e in nlu_eval.load_examples(path)}
    heldout = nlu_eval.load_examples()
    assert len(heldout) >= 8 * 22
    assert not [e.text for e in heldout if e.text.lower().strip() in training]


def test_intents_are_recognised_on_heldout_data(heldout_report):
    print(f"\nintent accuracy {heldout_report.intent_accuracy:.3f} on {heldout_report.examples}")
    assert heldout_report.intent_accuracy >= 0.90, heldout_report.intent_errors


def test_entities_are_recognised_on_heldout_data(heldout_report):
    print(f"\nentity P {heldout_report.entity_precision:.3f} R {heldout_report.entity_recall:.3f} "
          f"F1 {heldout_report.entity_f1:.3f}")
    assert heldout_report.entity_f1 >= 0.85, heldout_report.entity_errors


def test_out_of_scope_questions_get_the_fallback(oos_result, heldout_report):
    rate, accepted = oos_result
    print(f"\nout-of-scope rejection {rate:.3f}; in-domain false rejection "
          f"{heldout_report.false_rejection:.3f}")
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps({
        "intent_accuracy": heldout_report.intent_accuracy, "entity_f1": heldout_report.entity_f1,
        "entity_precision": heldout_report.entity_precision,
        "entity_recall": heldout_report.entity_recall,
        "in_domain_false_rejection": heldout_report.false_rejection,
        "out_of_scope_rejection": rate, "examples": heldout_report.examples,
        "confusion": [[g, p, n] for (g, p), n in heldout_report.confusion.items()],
    }, indent=2))
    assert rate >= 0.90, accepted


def test_messages_typed_as_visitors_type_are_understood(assistant):
    """A tuning set (tests/nlu/README.md) written apart from the training data: in-domain
    messages with typos, slang and stories told before the question."""
    examples = nlu_eval.untrained_examples(nlu_eval.TUNING_IN_DOMAIN_FILE)
    assert len(examples) >= 300
    report = nlu_eval.evaluate(assistant.parse, examples)
    print(f"\ntyped in-domain tuning set: intent accuracy {report.intent_accuracy:.3f}, false "
          f"rejection {report.false_rejection:.3f} of {report.examples}")
    assert report.false_rejection <= MAX_TYPED_FALSE_REJECTION, [
        (text, predicted) for text, _, predicted in report.intent_errors
        if predicted in nlu_eval.REJECTING_INTENTS]


# Final sets (tests/nlu/README.md): only counts and rates are printed, never their messages, so
# that no one tunes on them by reading the failures. The targets are a rejection of 0.95
# and a false rejection of 0.03: the model reaches the first on both out-of-scope sets, not yet the
# second (figures in bench/results/nlu.json); these floors keep it from falling below that.
MIN_FINAL_REJECTION = 0.95
MAX_FINAL_FALSE_REJECTION = 0.05


@pytest.fixture(scope="module")
def final_in_domain_report(assistant):
    return nlu_eval.evaluate(assistant.parse, nlu_eval.final_in_domain_examples())


def test_the_final_sets_measure_messages_never_trained_on():
    """What the final figures are measured on: the sets less any message also in training."""
    in_domain = nlu_eval.final_in_domain_examples()
    training = nlu_eval.training_messages()
    assert len(in_domain) >= 250 and not [e for e in in_domain if e.text.lower().strip() in training]
    for name in nlu_eval.FINAL_OUT_OF_SCOPE_FILES:
        messages = nlu_eval.final_out_of_scope_messages(name)
        assert len(messages) >= 300 and not [m for m in messages if m.lower() in training]


def test_in_domain_messages_of_the_final_set_are_understood(final_in_domain_report):
    report = final_in_domain_report
    print(f"\nfinal in-domain set: intent accuracy {report.intent_accuracy:.3f}, false rejection "
          f"{report.false_rejection:.3f} of {report.examples}")
    assert report.false_rejection <= MAX_FINAL_FALSE_REJECTION


@pytest.mark.parametrize("name", sorted(nlu_eval.FINAL_OUT_OF_SCOPE_FILES))
def test_out_of_scope_messages_of_the_final_sets_are_rejected(assistant, name):
    utterances = nlu_eval.final_out_of_scope_messages(name)
    rate, accepted = nlu_eval.rejection_rate(assistant.parse, utterances)
    print(f"\nfinal out-of-scope set '{name}': rejection {rate:.3f} of {len(utterances)}")
    assert rate >= MIN_FINAL_REJECTION, f"{len(accepted)} of {len(utterances)} accepted"


# Spanish (tests/nlu/README.md), measured on the messages of each set that are not also training
# messages. The targets on the final set are intent accuracy 0.95, entity F1 0.90 and
# false rejection 0.03; the first Spanish model reaches about 0.87, 0.87 and 0.05 there (printed
# below), and these floors keep it from falling back.
SPANISH_MIN_INTENT_ACCURACY = 0.85
SPANISH_MIN_ENTITY_F1 = 0.85
SPANISH_MAX_FALSE_REJECTION = 0.05


@pytest.fixture(scope="module")
def spanish_reports(assistant):
    return {role: nlu_eval.evaluate(assistant.parse, nlu_eval.untrained_examples(path))
            for role, path in (("tuning", nlu_eval.TUNING_SPANISH_FILE),
                               ("final", nlu_eval.FINAL_SPANISH_FILE))}


def test_the_spanish_final_set_holds_eight_untrained_messages_of_every_intent():
    examples = nlu_eval.untrained_examples(nlu_eval.FINAL_SPANISH_FILE)
    per_intent = {intent: sum(e.intent == intent for e in examples)
                  for intent in {e.intent for e in nlu_eval.load_examples(nlu_eval.FINAL_SPANISH_FILE)}}
    assert len(per_intent) >= 19 and min(per_intent.values()) >= 8, per_intent


@pytest.mark.parametrize("role", ["tuning", "final"])
def test_spanish_messages_are_understood(spanish_reports, role):
    report = spanish_reports[role]
    # Only figures: the final set's messages are never printed.
    print(f"\nSpanish {role} set: intent accuracy {report.intent_accuracy:.3f}, entity F1 "
          f"{report.entity_f1:.3f}, false rejection {report.false_rejection:.3f} of {report.examples}")
    assert report.intent_accuracy >= SPANISH_MIN_INTENT_ACCURACY
    assert report.entity_f1 >= SPANISH_MIN_ENTITY_F1
    assert report.false_rejection <= SPANISH_MAX_FALSE_REJECTION
