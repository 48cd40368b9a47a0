"""The out-of-scope rejector's model (careerbot/out_of_scope.py), trained as the pipeline trains it,
on the project's own training data: messages need this domain's words to count as in it."""
from __future__ import annotations

import pytest

from careerbot.out_of_scope import InDomainModel, content_lemmas, read_messages
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


def test_the_fast_scoring_gives_scikit_learns_probabilities(model):
    """in_domain_probability computes the TF-IDF features and the logistic regression itself;
    on every held-out and tuning message it must give what scikit-learn's transform and
    predict_proba give."""
    texts = [e.text for e in nlu_eval.load_examples()]
    texts += nlu_eval.lines_of(PROJECT_ROOT / "tests" / "nlu" / "tuning" / "oos_other_subjects.txt")
    texts += ["", "   ", "62704", "zzzz qqqq", "career " * 300]
    fast = model.in_domain_probability(texts)
    assert abs(fast - model.in_domain_probability_by_scikit_learn(texts)).max() < 1e-9


def test_the_lemmas_of_rasas_spacy_parse_are_the_lemmas_of_the_text():
    """The rejector reads each message's lemmas from the doc Rasa's SpacyNLP made (config.yml's
    pipeline), not from a second parse: both must give the same lemmas, whatever the case."""
    from rasa.nlu.constants import SPACY_DOCS
    from rasa.shared.nlu.constants import TEXT
    from rasa.nlu.utils.spacy_utils import SpacyNLP
    from rasa.shared.nlu.training_data.message import Message

    config = {**SpacyNLP.get_default_config(), "model": str(PROJECT_ROOT / "build" / "spacy_en_lookup")}
    spacy_nlp = SpacyNLP(SpacyNLP.load_model(config["model"]), config)
    texts = [e.text for e in nlu_eval.load_examples()] + [
        "How Do I Turn My JOB into a Career??", "I'M LOOKING for Childcare", "Springfield IL 62704"]
    messages = [Message.build(text=text) for text in texts]
    spacy_nlp.process(messages, spacy_nlp.provide())
    for text, message in zip(texts, messages):
        assert content_lemmas(text, message.get(SPACY_DOCS[TEXT])) == content_lemmas(text), text
