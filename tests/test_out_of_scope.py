"""The out-of-scope rejector's model (careerbot/out_of_scope.py), trained as the pipeline trains it,
on the project's own training data: messages need this domain's words to count as in it."""
from __future__ import annotations

import pytest

from careerbot.out_of_scope import InDomainModel, read_messages
from careerbot.settings import PROJECT_ROOT
from tests.support import nlu_eval

NLU_DIR = PROJECT_ROOT / "data" / "nlu"


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    in_domain, out_of_scope = [], []
    for path in NLU_DIR.glob("*.yml"):
        for example in nlu_eval.load_examples(path):
            (out_of_scope if example.intent == "out_of_scope" else in_domain).append(example.text)
    out_of_scope += read_messages(PROJECT_ROOT / "data" / "out_of_scope" / "clinc_other_domains.txt")
    trained = InDomainModel.fit(in_domain, out_of_scope, regularisation=3.0, in_domain_weight=3.0)
    path = tmp_path_factory.mktemp("model") / "in_domain.joblib"
    trained.save(path)
    return InDomainModel.load(path)


def test_career_questions_are_in_the_domain_and_other_assistants_requests_are_not(model):
    career, other = model.in_domain_probability([
        "how do i turn my warehouse job into a career", "can you book me a flight to denver"])
    assert career > 0.8 and other < 0.2


def test_training_reads_the_clinc_file_without_its_attribution_comments():
    lines = read_messages(PROJECT_ROOT / "data" / "out_of_scope" / "clinc_other_domains.txt")
    assert len(lines) == 9200 and not any(line.startswith("#") for line in lines)
