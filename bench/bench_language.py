"""Which way of telling English from Spanish is most accurate on short chat messages, and what
each costs: Lingua and langdetect (both ship their models in the package) against the project's
detector (careerbot/language.py: word frequency votes, Lingua when they are even).

    .venv/bin/python bench/bench_language.py [--rounds 3]

Each is scored on tests/language/ (README there: the tuning set guided the detector, the final set
is only reported): a message labelled `neutral` must give no language, the others their label.
The two libraries always name a language, so they are also scored behind the project's rules
for what is no evidence of a language (numbers, names, places, fillers) and for requests to
switch: that isolates how well each weighs the words. The detector is run here without the
pipeline's place and name spans, which tests/test_language_detection.py measures through the
server. Time: CPU per message, best of `--rounds`, all in one process. Writes
bench/results/language.json.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Callable, Dict, List, Optional, Tuple

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import write_results  # noqa: E402
from careerbot import language  # noqa: E402

SETS = Path(__file__).resolve().parent.parent / "tests" / "language"
Judge = Callable[[str], Optional[str]]


def labelled(name: str) -> List[Tuple[str, str]]:
    lines = (SETS / f"{name}.tsv").read_text(encoding="utf-8").splitlines()
    return [tuple(line.split("\t", 1)) for line in lines if line.strip()]


def lingua_alone(text: str) -> Optional[str]:
    confidence = language.LanguageDetector.confidences(text)
    return max(confidence, key=confidence.get) if any(confidence.values()) else None


def langdetect_alone(text: str) -> Optional[str]:
    from langdetect import DetectorFactory, detect_langs
    from langdetect.lang_detect_exception import LangDetectException
    DetectorFactory.seed = 0  # langdetect samples at random; seeded, it repeats itself
    try:
        found = {guess.lang: guess.prob for guess in detect_langs(text)}
    except LangDetectException:  # no letters at all
        return None
    return max(language.LANGUAGES, key=lambda code: found.get(code, 0.0))


def behind_the_rules(weigh: Judge) -> Judge:
    """A library's judgement where the project's rules leave the words to be weighed."""
    def judge(text: str) -> Optional[str]:
        asked = language.requested_language(text)
        if asked:
            return asked
        words = language.language_words(text)
        if language.carries_no_language(words):
            return None
        return weigh(" ".join(words))
    return judge


def score(judge: Judge, rows: List[Tuple[str, str]]) -> float:
    return sum((judge(text) or "neutral") == label for label, text in rows) / len(rows)


def cpu_ms(judge: Judge, texts: List[str], rounds: int) -> float:
    best = float("inf")
    for _ in range(rounds):
        started = time.process_time()
        for text in texts:
            judge(text)
        best = min(best, (time.process_time() - started) / len(texts) * 1000)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    detector = language.LanguageDetector(language.word_table_from_spacy_lookups(),
                                         vote_margin=1.0, min_confidence=0.6)
    judges: Dict[str, Judge] = {
        "Lingua alone": lingua_alone,
        "langdetect alone": langdetect_alone,
        "Lingua behind the rules": behind_the_rules(lingua_alone),
        "langdetect behind the rules": behind_the_rules(langdetect_alone),
        "project's detector": lambda text: detector.judge(text).language,
    }
    sets = {"tuning": labelled("detection_tuning"), "final": labelled("detection_final")}
    texts = [text for rows in sets.values() for _, text in rows]
    for judge in judges.values():  # warm-up: models loaded, caches filled
        judge(texts[0])
    figures = {}
    for name, judge in judges.items():
        figures[name] = {f"{role} accuracy": round(score(judge, rows), 4)
                         for role, rows in sets.items()}
        figures[name]["cpu_ms_per_message"] = round(cpu_ms(judge, texts, args.rounds), 4)
        print(f"{name:30} " + "  ".join(f"{k} {v}" for k, v in figures[name].items()), flush=True)
    write_results("language", {
        "method": "tests/language/ (tuning: settings chosen on it; final: only reported); "
                  "a neutral label must give no language; CPU per message, best of "
                  f"{args.rounds} rounds over both sets, one process",
        "messages": {role: len(rows) for role, rows in sets.items()},
        "judges": figures})


if __name__ == "__main__":
    main()
