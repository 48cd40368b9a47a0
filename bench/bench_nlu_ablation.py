"""What each spaCy-based component contributes, measured on the held-out NLU set.

Loads the trained model in-process and evaluates it as trained, then with each rule component
passed through (its `process` returning messages unchanged): the place rules, the entity lexicon
and the place-answer rule. The lemma features are learned into DIET, so measuring them needs a
model trained without lemmas: with --lemmas this trains one (CountVectorsFeaturizer
use_lemma: false) in a temporary directory and evaluates it too.

    python bench/bench_nlu_ablation.py [--lemmas]

Prints a table and writes bench/results/nlu_ablation.json.
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rasa.core.agent import Agent  # noqa: E402

from careerbot.runtime import training_command  # noqa: E402
from careerbot.settings import PROJECT_ROOT, TRAINING_ENV  # noqa: E402
from components.entity_normalizer import EntityLexiconNormalizer  # noqa: E402
from components.place_answer import PlaceAnswerClassifier  # noqa: E402
from components.place_extractor import PlaceEntityExtractor  # noqa: E402
from tests.support import nlu_eval  # noqa: E402
from tests.support.servers import latest_model  # noqa: E402

RESULTS = PROJECT_ROOT / "bench" / "results" / "nlu_ablation.json"
COMPONENTS = {"place rules (location entity)": PlaceEntityExtractor,
              "entity lexicon (lemma rules)": EntityLexiconNormalizer,
              "place-answer rule": PlaceAnswerClassifier}


@contextlib.contextmanager
def switched_off(component):
    original = component.process
    component.process = lambda self, messages: messages
    try:
        yield
    finally:
        component.process = original


def evaluate(model_path: Path) -> dict:
    agent = Agent.load(str(model_path))
    loop = asyncio.new_event_loop()

    def parse(text: str) -> dict:
        return loop.run_until_complete(agent.parse_message(text))

    examples = nlu_eval.load_examples()
    report = nlu_eval.evaluate(parse, examples)
    gold = sum(1 for e in examples for entity, _ in e.entities if entity == "location")
    missed = sum(1 for text, expected, found in report.entity_errors
                 for pair in expected if pair[0] == "location" and pair not in found)
    return {"intent_accuracy": round(report.intent_accuracy, 3),
            "entity_f1": round(report.entity_f1, 3),
            "location_recall": round(1 - missed / gold, 3) if gold else None}


def model_without_lemmas(out_dir: Path) -> Path:
    config = yaml.safe_load((PROJECT_ROOT / "config.yml").read_text())
    for component in config["pipeline"]:
        if component["name"] == "CountVectorsFeaturizer" and "analyzer" not in component:
            component["use_lemma"] = False
    config_path = out_dir / "config.yml"
    config_path.write_text(yaml.safe_dump(config))
    subprocess.run(training_command(sys.executable) + ["nlu", "--config", str(config_path), "--out",
                                                       str(out_dir), "--fixed-model-name", "nolemma"],
                   cwd=PROJECT_ROOT, env={**os.environ, **TRAINING_ENV}, check=True,
                   capture_output=True)
    return out_dir / "nolemma.tar.gz"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lemmas", action="store_true", help="also train a model without lemmas")
    args = parser.parse_args()
    model = latest_model()
    rows = {"full pipeline": evaluate(model)}
    for label, component in COMPONENTS.items():
        with switched_off(component):
            rows[f"without {label}"] = evaluate(model)
    if args.lemmas:
        with tempfile.TemporaryDirectory() as tmp:
            rows["without lemma features (retrained)"] = evaluate(model_without_lemmas(Path(tmp)))
    print(f"{'variant':45} {'intent acc':>10} {'entity F1':>10} {'location recall':>16}")
    for label, row in rows.items():
        print(f"{label:45} {row['intent_accuracy']:>10.3f} {row['entity_f1']:>10.3f} "
              f"{row['location_recall']:>16.3f}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
