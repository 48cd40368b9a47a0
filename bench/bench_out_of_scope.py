"""The out-of-scope rejector's CPU per message: its own TF-IDF and logistic-regression arithmetic
(careerbot/out_of_scope.py, as the server runs it) against scikit-learn's transform and
predict_proba, in one process on the same messages, one message a call as the server calls it.

    .venv/bin/python bench/bench_out_of_scope.py [--rounds 3]

The rejector of the latest trained model scores the held-out and the tuning out-of-scope
messages; each path scores all of them, alternately, `--rounds` times after a warm-up round,
and the figure for each is its best round. Writes bench/results/out_of_scope.json.
"""
from __future__ import annotations

import argparse
import sys
import tarfile
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import latest_model, write_results  # noqa: E402


def per_message_ms(score, texts) -> float:
    start = time.process_time()
    for text in texts:
        score([text])
    return (time.process_time() - start) * 1000 / len(texts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    from careerbot.out_of_scope import InDomainModel
    from components.out_of_scope_rejector import MODEL_FILE
    from tests.support import nlu_eval

    with tempfile.TemporaryDirectory() as unpacked:
        with tarfile.open(latest_model()) as archive:
            member = next(m for m in archive.getmembers() if m.name.endswith(MODEL_FILE))
            archive.extract(member, unpacked)
        model = InDomainModel.load(Path(unpacked) / member.name)
    texts = [e.text for e in nlu_eval.load_examples()]
    for path in nlu_eval.TUNING_OUT_OF_SCOPE_FILES.values():
        texts += nlu_eval.lines_of(path)[:300]
    paths = {"own arithmetic": model.in_domain_probability,
             "scikit-learn": model.in_domain_probability_by_scikit_learn}
    best = {name: float("inf") for name in paths}
    for round_number in range(args.rounds + 1):
        for name, score in paths.items():
            ms = per_message_ms(score, texts)
            if round_number:  # the first round warms up
                best[name] = min(best[name], ms)
    ratio = best["own arithmetic"] / best["scikit-learn"]
    for name, ms in best.items():
        print(f"{name}: {ms:.3f} ms CPU a message")
    print(f"own / scikit-learn: {ratio:.2f} ({len(texts)} messages, best of {args.rounds} rounds)")
    write_results("out_of_scope", {
        "method": "careerbot/out_of_scope.py InDomainModel of the latest model, one message a call, "
                  "CPU time (time.process_time), best of alternating rounds",
        "messages": len(texts), "rounds": args.rounds,
        "figures": {"own_ms_per_message": round(best["own arithmetic"], 4),
                    "scikit_learn_ms_per_message": round(best["scikit-learn"], 4),
                    "own_over_scikit_learn": round(ratio, 3)},
    })


if __name__ == "__main__":
    main()
