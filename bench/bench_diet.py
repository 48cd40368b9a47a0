"""DIET's prediction: CPU time per message through TensorFlow's traced graph and through NumPy
(serving/diet_inference.py), measured in one process on the same messages.

    .venv/bin/python bench/bench_diet.py [--rounds 3]

The held-out messages are parsed once as the server parses them, keeping the arrays Rasa hands
DIET's prediction; each path then predicts all of them, alternately, `--rounds` times after a
warm-up round, and the figure for each is its best round (the least disturbed by other work).
Writes bench/results/diet.json.
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
    agent = Agent.load(str(latest_model()))
    texts = [example.text for example in nlu_eval.load_examples()]
    for text in texts:
        asyncio.run(agent.parse_message(text))
    (model,) = diet_models(agent)
    numpy_diet = model._careerbot_numpy_diet
    paths = {"traced graph": lambda batch: turn_cost._predict_with_traced_graph(model, batch),
             "NumPy": numpy_diet.predict}
    rounds = {name: [] for name in paths}
    for round_number in range(args.rounds + 1):
        for name, predict in paths.items():
            started = time.process_time()
            for batch_in in batches:
                predict(batch_in)
            if round_number:  # the first round warms up
                rounds[name].append((time.process_time() - started) * 1000 / len(batches))
    best = {name: round(min(times), 3) for name, times in rounds.items()}
    ratio = round(best["NumPy"] / best["traced graph"], 2)
    print(f"CPU per DIET prediction over {len(batches)} held-out messages (best of {args.rounds}): "
          f"traced graph {best['traced graph']} ms, NumPy {best['NumPy']} ms, ratio {ratio}")
    write_results("diet", {
        "method": f"{len(batches)} held-out messages' prediction arrays, each path predicting all of "
                  f"them {args.rounds} times after a warm-up round, in one process; "
                  "time.process_time; best round",
        "messages": len(batches), "cpu_ms_per_prediction": best, "rounds_ms": rounds,
        "numpy_to_traced_graph": ratio,
    })


if __name__ == "__main__":
    main()
