"""DIET's prediction: CPU time per message through TensorFlow's traced graph and through NumPy
(serving/diet_inference.py), measured in one process on the same messages; and what preparing a
message's arrays costs, Rasa's way and from the message's own features.

    .venv/bin/python bench/bench_diet.py [--rounds 3]

The held-out messages are parsed once as the server parses them, keeping the arrays Rasa hands
DIET's prediction and the messages themselves; each path then predicts all of them, alternately,
`--rounds` times after a warm-up round, and the figure for each is its best round (the least
disturbed by other work). The prediction paths start from Rasa's arrays; the message paths from
the featurised message (DIETClassifier._predict): Rasa's data set and batch then NumPy, or NumPy
from the message's features as the server predicts. Writes bench/results/diet.json.
"""
from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import latest_model, write_results  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    from rasa.core.agent import Agent
    from rasa.nlu.classifiers.diet_classifier import DIETClassifier
    from rasa.utils.tensorflow.models import RasaModel

    from serving import diet_inference, model_loading, turn_cost
    from tests.support import nlu_eval
    from tests.support.graph_components import diet_models

    model_loading.install()
    batches = []
    predict_as_served = diet_inference.predicting_in_numpy(turn_cost._predict_with_traced_graph)

    def kept(model, batch_in):
        batches.append(batch_in)
        return predict_as_served(model, batch_in)

    RasaModel._rasa_predict = kept
    messages = []
    predict_through_batch = DIETClassifier._predict

    def message_kept(component, message):
        messages.append((component, message))
        return predict_through_batch(component, message)

    DIETClassifier._predict = message_kept
    agent = Agent.load(str(latest_model()))
    texts = [example.text for example in nlu_eval.load_examples()]
    for text in texts:
        asyncio.run(agent.parse_message(text))
    (model,) = diet_models(agent)
    numpy_diet = model._careerbot_numpy_diet
    messages = messages[-len(texts):]  # the parses above, without the model's own first one
    from_features = diet_inference.predicting_from_message_features(predict_through_batch)
    paths = {"traced graph": (batches, lambda batch: turn_cost._predict_with_traced_graph(model, batch)),
             "NumPy": (batches, numpy_diet.predict),
             "Rasa's batch, NumPy": (messages, lambda kept: predict_through_batch(*kept)),
             "message features, NumPy": (messages, lambda kept: from_features(*kept))}
    rounds = {name: [] for name in paths}
    for round_number in range(args.rounds + 1):
        for name, (inputs, predict) in paths.items():
            started = time.process_time()
            for one in inputs:
                predict(one)
            if round_number:  # the first round warms up
                rounds[name].append((time.process_time() - started) * 1000 / len(inputs))
    best = {name: round(min(times), 3) for name, times in rounds.items()}
    ratio = round(best["NumPy"] / best["traced graph"], 2)
    through_batch, from_message = best["Rasa's batch, NumPy"], best["message features, NumPy"]
    features_ratio = round(from_message / through_batch, 2)
    print(f"CPU per DIET prediction over {len(batches)} held-out messages (best of {args.rounds}): "
          f"traced graph {best['traced graph']} ms, NumPy {best['NumPy']} ms, ratio {ratio}; "
          f"from a featurised message: through Rasa's batch {through_batch} ms, "
          f"from its features {from_message} ms, ratio {features_ratio}")
    write_results("diet", {
        "method": f"{len(batches)} held-out messages' prediction arrays (and the featurised messages "
                  f"they were made from), each path predicting all of them {args.rounds} times after "
                  "a warm-up round, in one process; time.process_time; best round",
        "messages": len(batches), "cpu_ms_per_prediction": best, "rounds_ms": rounds,
        "numpy_to_traced_graph": ratio, "message_features_to_rasas_batch": features_ratio,
    })


if __name__ == "__main__":
    main()
