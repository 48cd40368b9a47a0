"""serving/diet_inference.py: DIET predicted in NumPy parses as DIET predicted by TensorFlow
(bench/bench_diet.py measures what each costs)."""
from __future__ import annotations

import asyncio

import numpy as np
import pytest
import scipy.sparse
from rasa.core.agent import Agent
from rasa.nlu.classifiers.diet_classifier import DIETClassifier
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.utils.tensorflow.constants import (
    HIDDEN_LAYERS_SIZES, INTENT_CLASSIFICATION, KEY_RELATIVE_ATTENTION, LABEL, SENTENCE,
    UNIDIRECTIONAL_ENCODER, VALUE_RELATIVE_ATTENTION,
)
from rasa.utils.tensorflow.data_generator import RasaBatchDataGenerator
from rasa.utils.tensorflow.models import RasaModel

from serving import diet_inference, model_loading, turn_cost
from serving.diet_inference import NumpyDiet
from tests.support import nlu_eval
from tests.support.graph_components import diet_models
from tests.support.servers import latest_model

TOLERANCE = 1e-4
TENSORFLOW = turn_cost._predict_with_traced_graph  # the prediction NumPy's replaces


class LoadedNlu:
    """The trained model loaded as the server loads it, parsing with DIET predicted in NumPy or
    by TensorFlow; it keeps the messages DIET predicted and the batches it predicted them from."""

    def __init__(self, patch: pytest.MonkeyPatch) -> None:
        self.patch = patch
        self.numpy_predictions = 0
        numpy_predict = NumpyDiet.predict

        def counted(diet: NumpyDiet, batch_in):
            self.numpy_predictions += 1
            return numpy_predict(diet, batch_in)

        patch.setattr(NumpyDiet, "predict", counted)
        self.messages, self.batches = [], []
        predict_message = DIETClassifier._predict

        def kept(component: DIETClassifier, message):
            self.component = component
            self.messages.append(message)
            return predict_message(component, message)

        patch.setattr(DIETClassifier, "_predict", kept)
        patch.setattr(RasaModel, "load", RasaModel.load)  # undone with the patch
        model_loading.install()
        self.numpy = diet_inference.predicting_in_numpy(TENSORFLOW)
        patch.setattr(RasaModel, "_rasa_predict", self.numpy)
        self.agent = Agent.load(str(latest_model()))
        (self.model,) = diet_models(self.agent)
        self.loop = asyncio.new_event_loop()

    def recorded(self, predict):
        def recording(model, batch_in):
            self.batches.append(batch_in)
            return predict(model, batch_in)
        return recording

    def parse(self, texts, predict):
        self.patch.setattr(RasaModel, "_rasa_predict", predict)
        return [self.loop.run_until_complete(self.agent.parse_message(text)) for text in texts]


@pytest.fixture(scope="module")
def nlu():
    with pytest.MonkeyPatch.context() as patch:
        loaded = LoadedNlu(patch)
        yield loaded
        loaded.loop.close()


@pytest.fixture(scope="module")
def texts():
    held_out = [example.text for example in nlu_eval.load_examples()]
    out_of_scope = nlu_eval.OOS_FILE.read_text().splitlines()[::2]
    return held_out + out_of_scope


@pytest.fixture(scope="module")
def parsed_by_tensorflow(nlu, texts):
    """The batches DIET predicted for each text, and TensorFlow's parses of the texts."""
    nlu.batches.clear()
    parses = nlu.parse(texts, nlu.recorded(TENSORFLOW))
    return list(nlu.batches), parses


def test_numpy_diet_parses_every_held_out_and_out_of_scope_message_as_tensorflow_does(
        nlu, texts, parsed_by_tensorflow, capsys):
    _, tensorflow_parses = parsed_by_tensorflow
    before = nlu.numpy_predictions
    numpy_parses = nlu.parse(texts, nlu.numpy)
    assert nlu.numpy_predictions - before == len(texts)  # every message took the NumPy path
    intent_difference = entity_difference = 0.0
    entities = 0
    for text, ours, theirs in zip(texts, numpy_parses, tensorflow_parses):
        assert ours["intent"]["name"] == theirs["intent"]["name"], text
        assert [intent["name"] for intent in ours["intent_ranking"]] == [
            intent["name"] for intent in theirs["intent_ranking"]], text
        for mine, rasas in zip([ours["intent"], *ours["intent_ranking"]],
                               [theirs["intent"], *theirs["intent_ranking"]]):
            intent_difference = max(intent_difference, abs(mine["confidence"] - rasas["confidence"]))
        assert [(e["entity"], e["value"], e["start"], e["end"]) for e in ours["entities"]] == [
            (e["entity"], e["value"], e["start"], e["end"]) for e in theirs["entities"]], text
        for mine, rasas in zip(ours["entities"], theirs["entities"]):
            if "confidence_entity" in rasas:
                entities += 1
                entity_difference = max(entity_difference,
                                        abs(mine["confidence_entity"] - rasas["confidence_entity"]))
    with capsys.disabled():
        print(f"\n{len(texts)} messages, {entities} DIET entities: largest difference in intent "
              f"confidence {intent_difference:.1e}, in entity confidence {entity_difference:.1e}")
    assert entities > 20 and intent_difference < TOLERANCE and entity_difference < TOLERANCE


def _assert_same_outputs(ours, theirs, differences):
    """Same keys, shapes and dtypes as Rasa's outputs; tags equal; numbers within TOLERANCE."""
    assert ours.keys() == theirs.keys()
    for key, expected in theirs.items():
        if isinstance(expected, dict):
            _assert_same_outputs(ours[key], expected, differences)
            continue
        got = ours[key]
        assert (type(got), got.shape, got.dtype) == (type(expected), expected.shape, expected.dtype), key
        difference = float(np.abs(got.astype(np.float64) - expected).max())
        differences[key] = max(differences.get(key, 0.0), difference)
        assert difference == 0 if np.issubdtype(expected.dtype, np.integer) else difference < TOLERANCE, key


def test_numpy_diet_returns_what_rasas_prediction_returns_one_message_or_many_at_a_time(
        nlu, parsed_by_tensorflow, capsys):
    batches, _ = parsed_by_tensorflow
    diet = nlu.model._careerbot_numpy_diet
    differences = {}
    for batch_in in batches:
        _assert_same_outputs(diet.predict(batch_in), TENSORFLOW(nlu.model, batch_in), differences)
    assert set(differences) == {"attention_weights", "text_transformed", "i_scores", "e_entity_ids",
                                "e_entity_scores"}
    with capsys.disabled():
        print("\nlargest differences, one message at a time:",
              ", ".join(f"{key} {value:.1e}" for key, value in differences.items()))

    # Several messages of different lengths at a time, padded to the longest, as Rasa batches
    # them (its run_inference cannot join such batches' attention weights, whichever predicts).
    model_data = nlu.component._create_model_data(nlu.messages[-100:], training=False)
    padded_batches = RasaBatchDataGenerator(model_data, batch_size=16, shuffle=False)
    for index in range(len(padded_batches)):
        batch_in, _ = padded_batches[index]
        assert diet.fits(batch_in) and len(set(batch_in[diet.lengths_at])) > 1
        _assert_same_outputs(diet.predict(batch_in), TENSORFLOW(nlu.model, batch_in), {})


def test_numpy_diet_leaves_configurations_and_batches_it_does_not_implement_to_tensorflow(
        nlu, parsed_by_tensorflow, monkeypatch):
    model = nlu.model
    assert NumpyDiet.of(model) is not None
    assert NumpyDiet.of(RasaModel.__new__(RasaModel)) is None  # not DIETClassifier's model
    for key, value in ((KEY_RELATIVE_ATTENTION, True), (VALUE_RELATIVE_ATTENTION, True),
                       (UNIDIRECTIONAL_ENCODER, True), (INTENT_CLASSIFICATION, False),
                       (HIDDEN_LAYERS_SIZES, {TEXT: [64], LABEL: []})):
        with monkeypatch.context() as changed:
            changed.setitem(model.config, key, value)
            assert NumpyDiet.of(model) is None, key
    with monkeypatch.context() as changed:
        changed.setattr(model._tf_layers[f"loss.{LABEL}"], "similarity_type", "cosine")
        assert NumpyDiet.of(model) is None

    batches, _ = parsed_by_tensorflow
    diet = model._careerbot_numpy_diet
    batch_in = max(batches, key=lambda batch: int(batch[diet.lengths_at][0]))  # the longest message
    padded_further = list(batch_in)
    padded_further[diet.sequence_at + 2] = batch_in[diet.sequence_at + 2] + np.array([0, 1, 0])
    tensorflow_predicted = []

    def tensorflow(model, batch):
        tensorflow_predicted.append(batch)
        return "TensorFlow's outputs"

    predict = diet_inference.predicting_in_numpy(tensorflow)
    assert predict(model, batch_in) != "TensorFlow's outputs" and not tensorflow_predicted
    for unusual in (batch_in[:-1], tuple(padded_further)):
        assert predict(model, unusual) == "TensorFlow's outputs"
    monkeypatch.setattr(model, "_careerbot_numpy_diet", None)  # as for a configuration NumPy lacks
    assert predict(model, batch_in) == "TensorFlow's outputs"
    assert len(tensorflow_predicted) == 3


def _assert_identical_outputs(ours, theirs):
    assert ours.keys() == theirs.keys()
    for key, expected in theirs.items():
        if isinstance(expected, dict):
            _assert_identical_outputs(ours[key], expected)
        else:
            got = ours[key]
            assert (type(got), got.shape, got.dtype) == (type(expected), expected.shape, expected.dtype), key
            assert np.array_equal(got, expected), key


def test_a_message_predicted_from_its_own_features_exactly_as_from_rasas_batch_of_it(nlu, texts):
    """The server predicts a message from its joined sparse features: the same outputs, bit for
    bit, as NumPy's prediction of the batch Rasa builds of the message, for every held-out and
    out-of-scope message."""
    nlu.messages.clear()
    nlu.batches.clear()
    nlu.parse(texts, nlu.recorded(nlu.numpy))
    assert len(nlu.messages) == len(nlu.batches) == len(texts)  # one batch of each message
    diet = nlu.model._careerbot_numpy_diet

    def rasas_batch(component, message):
        raise AssertionError(f"{message.get(TEXT)!r} was predicted through Rasa's batch")

    predict = diet_inference.predicting_from_message_features(rasas_batch)
    for message, batch_in in zip(nlu.messages, nlu.batches):
        _assert_identical_outputs(predict(nlu.component, message), diet.predict(batch_in))


def test_messages_and_models_numpy_does_not_read_are_predicted_through_rasas_batch(nlu, monkeypatch):
    through_batch = []

    def rasas_batch(component, message):
        through_batch.append(message.get(TEXT))
        return "Rasa's outputs"

    predict = diet_inference.predicting_from_message_features(rasas_batch)
    featurised = nlu.messages[-1]
    assert predict(nlu.component, featurised) != "Rasa's outputs"
    assert predict(nlu.component, Message(data={TEXT: "not featurised"})) == "Rasa's outputs"
    with_dense = Message(data=dict(featurised.data), features=list(featurised.features))
    with_dense.add_features(Features(np.ones((1, 4)), SENTENCE, TEXT, "a dense featuriser"))
    assert predict(nlu.component, with_dense) == "Rasa's outputs"
    wider = Message(data=dict(featurised.data), features=list(featurised.features))
    wider.add_features(Features(scipy.sparse.coo_matrix(np.ones((1, 3))), SENTENCE, TEXT, "another"))
    assert predict(nlu.component, wider) == "Rasa's outputs"  # not the width DIET was trained on
    # Rasa joins a matrix of another format with scipy, which may order the entries otherwise.
    compressed = Message(data=dict(featurised.data), features=[
        Features(features.features.tocsr(), features.type, features.attribute, features.origin)
        for features in featurised.features])
    assert predict(nlu.component, compressed) == "Rasa's outputs"
    monkeypatch.setattr(nlu.model, "_careerbot_numpy_diet", None)  # a configuration NumPy lacks
    assert predict(nlu.component, featurised) == "Rasa's outputs"
    assert through_batch == ["not featurised"] + [featurised.get(TEXT)] * 4
