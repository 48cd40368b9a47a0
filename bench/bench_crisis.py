"""What crisis recognition costs each message: the parse of the held-out messages with the safety
net (careerbot/safety/: the rules, the crisis model and DIET's vote) and without it, in one
process, and the rules alone and the crisis model alone.

    .venv/bin/python bench/bench_crisis.py [--rounds 5]

The model is loaded as the server loads it; every round parses all held-out messages once with
the safety net and once with it doing nothing, alternately, after a warm-up round; each figure is
its best round (the least disturbed by other work). Writes bench/results/crisis.json. How well it
recognises crises is measured by tests/test_crisis_detection.py (results/crisis-detection.json).
"""
from __future__ import annotations

import argparse
import asyncio
import sys
import tarfile
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import latest_model, write_results  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    from rasa.core.agent import Agent

    from careerbot.safety import detect_crisis
    from careerbot.safety.model import CrisisModel
    from components.crisis_safety_net import MODEL_FILE, CrisisSafetyNet
    from serving import model_loading
    from tests.support import nlu_eval

    model_loading.install()
    agent = Agent.load(str(latest_model()))
    texts = [example.text for example in nlu_eval.load_examples()]
    with_net = CrisisSafetyNet.process

    def without_net(self, messages):
        return messages

    def parse_all() -> float:
        started = time.process_time()
        for text in texts:
            asyncio.run(agent.parse_message(text))
        return (time.process_time() - started) / len(texts) * 1000

    with tempfile.TemporaryDirectory() as unpacked:
        with tarfile.open(latest_model()) as archive:
            member = next(m for m in archive.getmembers() if m.name.endswith(MODEL_FILE))
            archive.extract(member, unpacked)
        crisis_model = CrisisModel.load(Path(unpacked) / member.name)

    def alone(judge) -> float:
        started = time.process_time()
        for text in texts:
            judge(text)
        return (time.process_time() - started) / len(texts) * 1000

    parse_all()
    timings = {"with": [], "without": [], "rules": [], "model": []}
    for _ in range(args.rounds):
        CrisisSafetyNet.process = with_net
        timings["with"].append(parse_all())
        CrisisSafetyNet.process = without_net
        timings["without"].append(parse_all())
        timings["rules"].append(alone(detect_crisis))
        timings["model"].append(alone(crisis_model.probability))
    CrisisSafetyNet.process = with_net
    best = {name: min(values) for name, values in timings.items()}
    figures = {"messages": len(texts), "rounds": args.rounds,
               "parse_cpu_ms_with_safety_net": round(best["with"], 3),
               "parse_cpu_ms_without_safety_net": round(best["without"], 3),
               "rules_cpu_ms": round(best["rules"], 3),
               "crisis_model_cpu_ms": round(best["model"], 3),
               "ratio_with_to_without": round(best["with"] / best["without"], 3),
               "all_rounds_ms": timings}
    print(f"parse CPU per message: {best['with']:.2f} ms with the safety net, "
          f"{best['without']:.2f} ms without ({figures['ratio_with_to_without']}x); "
          f"rules alone {best['rules']:.2f} ms, crisis model alone {best['model']:.2f} ms")
    write_results("crisis", figures)


if __name__ == "__main__":
    main()
