"""`python -m training.clinc_oos [clinc_dir]`: out-of-scope material from CLINC150's other domains.

CLINC150 (clinc/oos-eval, data/data_full.json, CC BY 3.0) holds queries for 115 intents of other
assistants (../shared/eval/clinc150_other_domains_{train,val}.tsv). This writes three files
from them, so that each is used for one purpose only (tests/nlu/README.md):

- data/out_of_scope/clinc_other_domains.txt: training. Every train query of the training
  intents, for the out-of-scope rejector (careerbot/out_of_scope.py), which trains in seconds.
  DIET does not see them: with even six of each intent's queries it took conversational
  in-domain messages ("is 45 too old to go back to school") for out of scope.
- tests/nlu/tuning/clinc_other_domains.txt: tuning. The val queries of the training intents, on
  which thresholds and epochs may be chosen.
- tests/nlu/final/clinc_unseen_intents.txt: final figures only. Every fifth intent is kept out
  of training and tuning altogether; its val queries measure rejection of requests of kinds
  the model never saw.

The split is a pure function of the files, so running it again gives the same three files.
"""
from __future__ import annotations

import csv
import sys
from collections import defaultdict
from pathlib import Path
from typing import Dict, List

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CLINC_DIR = PROJECT_ROOT.parent / "shared" / "eval"
REJECTOR_TRAINING_FILE = PROJECT_ROOT / "data" / "out_of_scope" / "clinc_other_domains.txt"
TUNING_FILE = PROJECT_ROOT / "tests" / "nlu" / "tuning" / "clinc_other_domains.txt"
FINAL_FILE = PROJECT_ROOT / "tests" / "nlu" / "final" / "clinc_unseen_intents.txt"

# Every fifth intent, in alphabetical order, is never trained or tuned on.
UNSEEN_INTENT_EVERY = 5

ATTRIBUTION = ("# CLINC150 (clinc/oos-eval, data/data_full.json), CC BY 3.0: queries of other "
               "assistants'\n# domains. Written by `python -m training.clinc_oos`; do not edit.\n")


def read_queries(path: Path) -> Dict[str, List[str]]:
    by_intent: Dict[str, List[str]] = defaultdict(list)
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE):
            by_intent[row["intent"]].append(row["text"].strip())
    return by_intent


def split(clinc_dir: Path) -> Dict[Path, List[str]]:
    train = read_queries(clinc_dir / "clinc150_other_domains_train.tsv")
    val = read_queries(clinc_dir / "clinc150_other_domains_val.tsv")
    intents = sorted(train)
    unseen = set(intents[UNSEEN_INTENT_EVERY - 1::UNSEEN_INTENT_EVERY])
    training, tuning, final = [], [], []
    for intent in intents:
        if intent in unseen:
            final += val[intent]
            continue
        training += train[intent]
        tuning += val[intent]
    return {REJECTOR_TRAINING_FILE: training, TUNING_FILE: tuning, FINAL_FILE: final}


def main() -> None:
    clinc_dir = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_CLINC_DIR
    for path, queries in split(clinc_dir).items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(ATTRIBUTION + "\n".join(queries) + "\n", encoding="utf-8")
        print(f"{path.relative_to(PROJECT_ROOT)}: {len(queries)} queries")


if __name__ == "__main__":
    main()
