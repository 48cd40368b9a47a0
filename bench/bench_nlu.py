"""Understanding on data the model never saw, through the running server's /model/parse.

    .venv/bin/python bench/bench_nlu.py

Intent accuracy, entity F1 and in-domain false rejection on tests/nlu/heldout.yml; rejection of
CLINC150's out-of-scope validation utterances; the confusion matrix (gold intent -> predicted).
Then every other set of tests/nlu/README.md, each marked as tuning or final: rejection on the
out-of-scope ones, accuracy and false rejection on the final in-domain one (only figures: the
final sets' messages are never printed or written). Same evaluation code as `make test`
(tests/support/nlu_eval.py). Writes bench/results/nlu.json.
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import running_assistant, write_results  # noqa: E402
from tests.support import nlu_eval  # noqa: E402

TARGETS = {"intent_accuracy": 0.95, "entity_f1": 0.90, "out_of_scope_rejection": 0.95,
           "in_domain_false_rejection": 0.03}


def main() -> None:
    with running_assistant() as assistant:
        report = nlu_eval.evaluate(assistant.parse, nlu_eval.load_examples())
        oos = nlu_eval.out_of_scope_utterances()
        rejection, accepted = nlu_eval.rejection_rate(assistant.parse, oos)
        sets = {}
        for name, path in nlu_eval.TUNING_OUT_OF_SCOPE_FILES.items():
            utterances = nlu_eval.lines_of(path)
            sets[name] = {"role": "tuning", "messages": len(utterances),
                          "rejection": round(nlu_eval.rejection_rate(assistant.parse, utterances)[0], 4)}
        typed = nlu_eval.evaluate(assistant.parse, nlu_eval.untrained_examples(nlu_eval.TUNING_IN_DOMAIN_FILE))
        sets["typed in-domain"] = {"role": "tuning", "messages": typed.examples,
                                   "intent_accuracy": round(typed.intent_accuracy, 4),
                                   "false_rejection": round(typed.false_rejection, 4)}
        for name in nlu_eval.FINAL_OUT_OF_SCOPE_FILES:
            utterances = nlu_eval.final_out_of_scope_messages(name)
            sets[name] = {"role": "final", "messages": len(utterances),
                          "rejection": round(nlu_eval.rejection_rate(assistant.parse, utterances)[0], 4)}
        final = nlu_eval.evaluate(assistant.parse, nlu_eval.final_in_domain_examples())
        sets["final in-domain"] = {"role": "final", "messages": final.examples,
                                   "intent_accuracy": round(final.intent_accuracy, 4),
                                   "false_rejection": round(final.false_rejection, 4)}
        for role, path in (("tuning", nlu_eval.TUNING_SPANISH_FILE),
                           ("final", nlu_eval.FINAL_SPANISH_FILE)):
            spanish = nlu_eval.evaluate(assistant.parse, nlu_eval.untrained_examples(path))
            sets[f"{role} Spanish in-domain"] = {
                "role": role, "messages": spanish.examples,
                "intent_accuracy": round(spanish.intent_accuracy, 4),
                "entity_f1": round(spanish.entity_f1, 4),
                "false_rejection": round(spanish.false_rejection, 4)}
    figures = {
        "examples": report.examples, "intent_accuracy": round(report.intent_accuracy, 4),
        "entity_precision": round(report.entity_precision, 4),
        "entity_recall": round(report.entity_recall, 4), "entity_f1": round(report.entity_f1, 4),
        "in_domain_false_rejection": round(report.false_rejection, 4),
        "out_of_scope_utterances": len(oos),
        "out_of_scope_rejection": round(rejection, 4),
    }
    print(f"intent accuracy {report.intent_accuracy:.3f} on {report.examples} held-out examples")
    print(f"entity P {report.entity_precision:.3f} R {report.entity_recall:.3f} F1 {report.entity_f1:.3f}")
    print(f"out-of-scope rejection {rejection:.3f}; in-domain false rejection {report.false_rejection:.3f}")
    for name, figures_of_set in sets.items():
        print(f"{figures_of_set['role']:6} {name}: {figures_of_set}")
    write_results("nlu", {
        "method": "tests/nlu/heldout.yml and CLINC150 oos validation (less tests/nlu/oos_in_scope.txt) "
                  "through POST /model/parse of the trained model; tests/support/nlu_eval.py",
        "targets": TARGETS, "figures": figures, "sets": sets,
        "confusion": [[gold, predicted, n] for (gold, predicted), n in sorted(report.confusion.items())],
        "intent_errors": report.intent_errors, "entity_errors": report.entity_errors,
        "out_of_scope_accepted": accepted,
    })


if __name__ == "__main__":
    main()
