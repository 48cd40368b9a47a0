"""DIET's prediction computed in NumPy from its trained weights, instead of by TensorFlow.

Under load each Rasa server process spent 3-4 ms of CPU per message in DIET's prediction graph,
although the model is tiny (sparse features into one transformer layer of size 128, an intent
embedding and a 13-tag CRF): the graph has about 400 ops, and TensorFlow's fixed cost per op is
most of the time, the arithmetic little. The same forward pass as NumPy array operations on the
same float32 weights costs about a third: on the held-out messages, in one process, CPU time
(time.process_time over 300-odd predictions each, bench/bench_diet.py) was 4.9-6.2 ms
per prediction through the traced graph (serving/turn_cost.py) against 1.5-2.3 ms here, on the
2-core machine while other work kept it busy (load average 3-7).

`NumpyDiet` follows `DIET.batch_predict` (rasa/nlu/classifiers/diet_classifier.py) and its
layers (rasa/utils/tensorflow/{rasa_layers,layers,transformer,crf}.py) step by step, and returns
what Rasa's `_rasa_predict` returns, same keys, shapes and dtypes, so DIET's `_predict` and
`process` are Rasa's. The numbers differ from TensorFlow's by float32 rounding (sums done in
another order: at most 2.4e-6, confidences 1.3e-6); the tests hold intents, rankings and entities
to be the same on every held-out message and on out-of-scope ones.

The weights are read once, after the model's first prediction (which Rasa runs when it loads the
model): by then Rasa has computed every intent's embedding and its randomly connected layers have
applied their masks. Only the configuration implemented here takes this path (`NumpyDiet.of`
says which); any other model, or a batch laid out otherwise, is predicted by TensorFlow.

A message is then predicted from its own sparse features (`predicting_from_message_features`):
to predict one message Rasa deep-copies and joins its featurisers' matrices, builds a
training-style data set of them (features collected per attribute, zero "fake" features
deep-copied for absent ones, ragged object arrays), a batch generator over it, and the batch's
index, value and shape arrays, which NumPy only turns back into the rows the message's matrices
already had. That preparation cost more CPU than the prediction itself. The rows, columns and
values handed to the forward pass are the same, in the same order, so the outputs are identical
to the batch path's (tests/test_diet_inference.py).
"""
from __future__ import annotations

from typing import Any, Callable, Dict, List, NamedTuple, Optional, Text, Tuple

import numpy as np
import scipy.sparse
import scipy.special
import tensorflow as tf
from threadpoolctl import ThreadpoolController

from rasa.nlu.classifiers.diet_classifier import DIET, DIETClassifier
from rasa.shared.constants import DIAGNOSTIC_DATA
from rasa.shared.nlu.constants import ENTITY_ATTRIBUTE_TYPE, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.utils.tensorflow.constants import (
    ENTITY_RECOGNITION, FEATURIZERS, HIDDEN_LAYERS_SIZES, INNER, INTENT_CLASSIFICATION, KEY_RELATIVE_ATTENTION,
    LABEL, SENTENCE, SEQUENCE, SEQUENCE_LENGTH, SOFTMAX, UNIDIRECTIONAL_ENCODER,
    VALUE_RELATIVE_ATTENTION,
)
from rasa.utils.tensorflow.models import RasaModel
from rasa.utils.tensorflow.transformer import TransformerEncoder

Predict = Callable[[RasaModel, Tuple[np.ndarray, ...]], Dict[Text, Any]]
PredictMessage = Callable[[DIETClassifier, Message], Optional[Dict[Text, Any]]]


class SparseEntries(NamedTuple):
    """A message's sparse features of one type (sequence or sentence) as entries."""
    rows: np.ndarray
    columns: np.ndarray
    values: np.ndarray
    shape: Tuple[int, int]


def _dense(layer: tf.keras.layers.Dense) -> Tuple[np.ndarray, Optional[np.ndarray]]:
    """A dense layer's kernel as it is applied, and its bias if it has one."""
    kernel = layer.kernel.numpy()
    mask = getattr(layer, "kernel_mask", None)  # RandomlyConnectedDense below full density
    if mask is not None:
        kernel = kernel * mask.numpy()
    return kernel, layer.bias.numpy() if layer.use_bias else None


def _apply(weights: Tuple[np.ndarray, Optional[np.ndarray]], x: np.ndarray) -> np.ndarray:
    kernel, bias = weights
    return x @ kernel if bias is None else x @ kernel + bias


def _gelu(x: np.ndarray) -> np.ndarray:
    # tf.nn.gelu's default, exact form.
    return np.float32(0.5) * x * (np.float32(1) + scipy.special.erf(x * np.float32(0.7071067811865476)))


def _softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    exponentials = np.exp(x - x.max(axis=axis, keepdims=True))
    return exponentials / exponentials.sum(axis=axis, keepdims=True)


class _LayerNorm:
    def __init__(self, layer: tf.keras.layers.LayerNormalization) -> None:
        self.gamma, self.beta = layer.gamma.numpy(), layer.beta.numpy()
        self.epsilon = np.float32(layer.epsilon)

    def __call__(self, x: np.ndarray) -> np.ndarray:
        centred = x - x.mean(axis=-1, keepdims=True)
        variance = (centred * centred).mean(axis=-1, keepdims=True)
        return centred / np.sqrt(variance + self.epsilon) * self.gamma + self.beta


class _EncoderLayer:
    """A pre-layer-norm transformer block: self-attention, then the feed-forward network."""

    def __init__(self, layer: Any) -> None:
        attention = layer._mha
        self.heads, self.depth = attention.num_heads, attention._depth
        self.attention_norm = _LayerNorm(layer._layer_norm)
        # Queries, keys and values (none has a bias) in one product.
        self.query_key_value = np.concatenate([_dense(dense)[0] for dense in (
            attention._query_dense_layer, attention._key_dense_layer, attention._value_dense_layer)], axis=1)
        self.attention_output = _dense(attention._output_dense_layer)
        feed_forward_norm, hidden, _, output, _ = layer._ffn_layers  # the others are dropouts
        self.feed_forward_norm = _LayerNorm(feed_forward_norm)
        self.hidden, self.output = _dense(hidden), _dense(output)

    def _split_heads(self, x: np.ndarray) -> np.ndarray:
        batch, length, _ = x.shape
        return x.reshape(batch, length, self.heads, self.depth).transpose(0, 2, 1, 3)

    def __call__(self, x: np.ndarray, padding: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        normed = self.attention_norm(x)
        query, key, value = (self._split_heads(projection)
                             for projection in np.split(normed @ self.query_key_value, 3, axis=-1))
        logits = query @ key.transpose(0, 1, 3, 2) / np.sqrt(np.float32(self.depth))
        weights = _softmax(logits + padding * np.float32(-1e9))
        attended = (weights @ value).transpose(0, 2, 1, 3).reshape(x.shape)
        x = x + _apply(self.attention_output, attended)
        feed_forward = _apply(self.output, _gelu(_apply(self.hidden, self.feed_forward_norm(x))))
        return x + feed_forward, weights


class _Encoder:
    """TransformerEncoder at inference: input projection scaled by sqrt(units), sinusoidal
    positions, the blocks, a final layer norm; then RasaSequenceLayer's GELU."""

    def __init__(self, encoder: TransformerEncoder) -> None:
        self.embedding = _dense(encoder._embedding)
        self.scale = np.sqrt(np.float32(encoder.units))
        self.angles = encoder._angles.astype(np.float32)  # TensorFlow multiplies them in float32
        self.even_units = np.arange(encoder.units) % 2 == 0
        self.layers = [_EncoderLayer(layer) for layer in encoder._enc_layers]
        self.final_norm = _LayerNorm(encoder._layer_norm)

    def _positions(self, length: int) -> np.ndarray:
        angles = np.arange(length, dtype=np.float32)[:, np.newaxis] * self.angles
        return np.where(self.even_units, np.sin(angles), np.cos(angles))

    def __call__(self, x: np.ndarray, padding: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
        x = _apply(self.embedding, x) * self.scale + self._positions(x.shape[1])
        attention_weights = []
        for layer in self.layers:
            x, weights = layer(x, padding)
            attention_weights.append(weights)
        return _gelu(self.final_norm(x)), np.stack(attention_weights, axis=1)


def _crf_decode(potentials: np.ndarray, length: int,
                transitions: np.ndarray) -> Tuple[List[int], List[float]]:
    """Viterbi decoding of one message's first `length` tokens, with the confidences Rasa's
    `crf_decode` gives them (rasa/utils/tensorflow/crf.py).

    Rasa's confidence for the last token is the softmax of the final Viterbi scores at the best
    tag. For each earlier token it is the next step's largest softmax over previous tags, for one
    tag: the best last tag for the token before the last, then, going backwards, the tag numbered
    by the confidence just found cast to an integer (0, or 1 where a softmax saturated to 1.0).
    Rasa's backward `tf.scan` over the confidences carries the confidence, not the tag, from one
    token to the next; that is what Rasa reports, so it is reproduced here."""
    step_scores = np.empty((length - 1, *transitions.shape), np.float32)  # [previous tag, tag]
    state = potentials[0]
    for position in range(1, length):
        step_scores[position - 1] = state[:, np.newaxis] + transitions
        state = potentials[position] + step_scores[position - 1].max(axis=0)
    backpointers = step_scores.argmax(axis=1).tolist()
    step_confidences = _softmax(step_scores, axis=1).max(axis=1).tolist()
    tags = [int(state.argmax())]
    confidences = [float(_softmax(state).max())]
    index = tags[0]
    for pointers, step in zip(reversed(backpointers), reversed(step_confidences)):
        tags.append(pointers[tags[-1]])
        confidences.append(step[index])
        index = int(step[index])
    return tags[::-1], confidences[::-1]


class NumpyDiet:
    """One DIET model's trained weights, and its prediction over a batch of Rasa's arrays."""

    def __init__(self, model: DIET) -> None:
        starts, self.arrays = _batch_layout(model.predict_data_signature)
        self.sequence_at = starts[(TEXT, SEQUENCE)]
        self.sentence_at = starts[(TEXT, SENTENCE)]
        self.lengths_at = starts[(TEXT, SEQUENCE_LENGTH)]

        sequence_layer = model._tf_layers[f"sequence_layer.{TEXT}"]
        combining = sequence_layer._tf_layers[sequence_layer.FEATURE_COMBINING]._tf_layers
        self.sequence_to_dense = _dense(combining[f"sparse_dense.{SEQUENCE}"]._tf_layers["sparse_to_dense"])
        self.sentence_to_dense = _dense(combining[f"sparse_dense.{SENTENCE}"]._tf_layers["sparse_to_dense"])
        self.encoder = _Encoder(sequence_layer._tf_layers[sequence_layer.TRANSFORMER])

        self.text_embed = _dense(model._tf_layers[f"embed.{TEXT}"]._dense)
        self.label_embeddings = model.all_labels_embed.numpy()
        self.tag_logits = _dense(model._tf_layers[f"embed.{ENTITY_ATTRIBUTE_TYPE}.logits"]._dense)
        self.transitions = model._tf_layers[f"crf.{ENTITY_ATTRIBUTE_TYPE}"].transition_params.numpy()
        self.blas = ThreadpoolController().select(user_api="blas")

    @classmethod
    def of(cls, model: RasaModel) -> Optional[NumpyDiet]:
        """The NumPy prediction for a prepared DIETClassifier model whose configuration it
        implements, else None."""
        if type(model) is not DIET or model.all_labels_embed is None:
            return None
        config = model.config
        if (not config[INTENT_CLASSIFICATION] or not config[ENTITY_RECOGNITION]
                or config[KEY_RELATIVE_ATTENTION] or config[VALUE_RELATIVE_ATTENTION]
                or config[UNIDIRECTIONAL_ENCODER] or config[HIDDEN_LAYERS_SIZES][TEXT]):
            return None
        if [spec.tag_name for spec in model._entity_tag_specs if spec.num_tags] != [ENTITY_ATTRIBUTE_TYPE]:
            return None  # roles or groups have CRFs of their own
        text = model.data_signature.get(TEXT, {})
        features = {kind: [(feature.is_sparse, feature.number_of_dimensions)
                           for feature in text.get(kind, [])] for kind in (SEQUENCE, SENTENCE)}
        # One sparse feature of each type: featurisers' features are joined before DIET, and with
        # no dense ones both types are as wide, so no layer unifies them before they are joined.
        if features != {SEQUENCE: [(True, 3)], SENTENCE: [(True, 3)]} or SEQUENCE_LENGTH not in text:
            return None
        sequence_layer = model._tf_layers[f"sequence_layer.{TEXT}"]
        if not isinstance(sequence_layer._tf_layers[sequence_layer.TRANSFORMER], TransformerEncoder):
            return None
        loss = model._tf_layers[f"loss.{LABEL}"]
        if loss.similarity_type != INNER or loss.model_confidence != SOFTMAX:
            return None
        return cls(model)

    def fits(self, batch_in: Tuple[np.ndarray, ...]) -> bool:
        """Whether the batch is laid out as `predict` reads it (else TensorFlow predicts it)."""
        if len(batch_in) != self.arrays:
            return False
        sequence_shape, sentence_shape = batch_in[self.sequence_at + 2], batch_in[self.sentence_at + 2]
        lengths = np.asarray(batch_in[self.lengths_at], dtype=np.int32)
        return (sequence_shape[0] == sentence_shape[0] == len(lengths) > 0 and sentence_shape[1] == 1
                # Rasa pads to the longest message of the batch; its masks assume so.
                and sequence_shape[1] == lengths.max()
                and all(batch_in[at].ndim == 2 and batch_in[at].shape[1] == 3
                        for at in (self.sequence_at, self.sentence_at)))

    def predict(self, batch_in: Tuple[np.ndarray, ...]) -> Dict[Text, Any]:
        """The prediction for a batch of Rasa's arrays (one that `fits`)."""
        lengths = np.asarray(batch_in[self.lengths_at], dtype=np.int32)
        sequence = _batch_sparse_to_dense(batch_in, self.sequence_at, self.sequence_to_dense)
        sentence = _batch_sparse_to_dense(batch_in, self.sentence_at, self.sentence_to_dense)
        # Products this small gain nothing from BLAS's second thread, whose hand-offs doubled
        # the CPU time of a prediction.
        with self.blas.limit(limits=1):
            return self._forward(lengths, sequence, sentence)

    def fits_message(self, sequence: SparseEntries, sentence: SparseEntries) -> bool:
        """Whether one message's joined sparse features are what `predict_message` reads: at
        least one token, one sentence row, and each as wide as the model was trained on."""
        return (sequence.shape[0] > 0 and sentence.shape[0] == 1
                and sequence.shape[1] == self.sequence_to_dense[0].shape[0]
                and sentence.shape[1] == self.sentence_to_dense[0].shape[0])

    def predict_message(self, sequence: SparseEntries, sentence: SparseEntries) -> Dict[Text, Any]:
        """The prediction for one message (one that `fits_message`) from its joined sparse
        features, as `predict` gives it for the batch Rasa makes of the message."""
        tokens = sequence.shape[0]
        sequence_dense = _sparse_to_dense(sequence.rows, sequence.columns, sequence.values, tokens,
                                          self.sequence_to_dense)
        sentence_dense = _sparse_to_dense(sentence.rows, sentence.columns, sentence.values, 1,
                                          self.sentence_to_dense)
        with self.blas.limit(limits=1):
            return self._forward(np.array([tokens], np.int32), sequence_dense.reshape(1, tokens, -1),
                                 sentence_dense.reshape(1, 1, -1))

    def _forward(self, lengths: np.ndarray, sequence: np.ndarray, sentence: np.ndarray) -> Dict[Text, Any]:
        """DIET's outputs for messages of `lengths` tokens, from their sequence features
        (messages x longest x units, after DenseForSparse) and sentence features (messages x 1 x
        units)."""
        batch = np.arange(len(lengths))

        # Each message's tokens, then its sentence features, then padding (all zeros).
        features = np.zeros((len(lengths), sequence.shape[1] + 1, sequence.shape[2]), np.float32)
        real_tokens = np.arange(sequence.shape[1]) < lengths[:, np.newaxis]
        features[:, :-1][real_tokens] = sequence[real_tokens]
        features[batch, lengths] = sentence[:, 0]
        padding = (np.arange(features.shape[1]) > lengths[:, np.newaxis]).astype(np.float32)
        text_transformed, attention_weights = self.encoder(features, padding[:, np.newaxis, np.newaxis, :])

        sentence_embedding = _apply(self.text_embed, text_transformed[batch, lengths])
        intent_scores = _softmax(sentence_embedding @ self.label_embeddings.T)

        tag_potentials = _apply(self.tag_logits, text_transformed)
        tag_ids = np.zeros(text_transformed.shape[:2], np.int32)
        tag_confidences = np.zeros(text_transformed.shape[:2], np.float32)
        for message, length in enumerate(lengths):
            if length:
                tags, confidences = _crf_decode(tag_potentials[message], length, self.transitions)
                tag_ids[message, :length], tag_confidences[message, :length] = tags, confidences

        return {
            DIAGNOSTIC_DATA: {"attention_weights": attention_weights, "text_transformed": text_transformed},
            "i_scores": intent_scores,
            f"e_{ENTITY_ATTRIBUTE_TYPE}_ids": tag_ids,
            f"e_{ENTITY_ATTRIBUTE_TYPE}_scores": tag_confidences,
        }


def _batch_layout(signature: Dict[Text, Dict[Text, List[Any]]]) -> Tuple[Dict[Tuple[Text, Text], int], int]:
    """Where each (attribute, feature type)'s first feature starts in a batch, and how many arrays
    the batch has, walking the signature as `RasaModel.batch_to_model_data_format` does: a sparse
    feature is three arrays (indices, values, shape), a dense one is one."""
    starts: Dict[Tuple[Text, Text], int] = {}
    at = 0
    for attribute, kinds in signature.items():
        for kind, features in kinds.items():
            for feature in features:
                starts.setdefault((attribute, kind), at)
                at += 3 if feature.is_sparse else 1
    return starts, at


def _batch_sparse_to_dense(batch_in: Tuple[np.ndarray, ...], at: int,
                           weights: Tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """DenseForSparse at every position of the padded batch, for the sparse feature whose
    indices, values and shape are at `at`."""
    indices, values, shape = batch_in[at:at + 3]
    messages, length = int(shape[0]), int(shape[1])
    return _sparse_to_dense(indices[:, 0] * length + indices[:, 1], indices[:, 2], values,
                            messages * length, weights).reshape(messages, length, -1)


def _sparse_to_dense(rows: np.ndarray, columns: np.ndarray, values: np.ndarray, positions: int,
                     weights: Tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """DenseForSparse: the sparse entries (row, column, value) times the kernel, plus the bias,
    for each of `positions` rows. Each row sums its entries' products in the order of the
    entries, as TensorFlow's sparse-dense product does."""
    kernel, bias = weights
    order = np.argsort(rows, kind="stable")
    rows = rows[order]
    products = kernel[columns[order]] * np.asarray(values, np.float32)[order, np.newaxis]
    dense = np.zeros((positions, kernel.shape[1]), np.float32)
    if len(rows):
        starts = np.flatnonzero(np.concatenate([[True], rows[1:] != rows[:-1]]))
        dense[rows[starts]] = np.add.reduceat(products, starts, axis=0)
    return dense + bias


def predicting_in_numpy(tensorflow_predict: Predict) -> Predict:
    """`RasaModel._rasa_predict` that predicts DIET in NumPy, and everything else (and DIET's
    first prediction, which prepares the model) with `tensorflow_predict`."""

    def predict(model: RasaModel, batch_in: Tuple[np.ndarray, ...]) -> Dict[Text, Any]:
        if "_careerbot_numpy_diet" not in model.__dict__:
            outputs = tensorflow_predict(model, batch_in)
            model._careerbot_numpy_diet = NumpyDiet.of(model)
            return outputs
        diet = model._careerbot_numpy_diet
        if diet is None or not diet.fits(batch_in):
            return tensorflow_predict(model, batch_in)
        return diet.predict(batch_in)

    return predict


def joined_sparse_features(message: Message, featurizers: List[Text]
                            ) -> Optional[Tuple[SparseEntries, SparseEntries]]:
    """The message's text features, sequence and sentence, joined as `Message.get_sparse_features`
    joins them (each featuriser's entries in turn, its columns after the previous featurisers'),
    without the deep copy and the matrices it builds on the way. None for a message whose
    features Rasa would join another way: a dense one, or a matrix that is not COO."""
    joined = {SEQUENCE: [], SENTENCE: []}
    for features in message.features:
        if features.attribute != TEXT or (featurizers and features.origin not in featurizers):
            continue
        if (not features.is_sparse() or not isinstance(features.features, scipy.sparse.coo_matrix)
                or features.type not in joined):
            return None
        joined[features.type].append(features.features)
    sequence, sentence = (_joined_entries(matrices) for matrices in joined.values())
    return None if sequence is None or sentence is None else (sequence, sentence)


def _joined_entries(matrices: List[scipy.sparse.coo_matrix]) -> Optional[SparseEntries]:
    if not matrices or len({matrix.shape[0] for matrix in matrices}) > 1:
        return None
    offsets = np.cumsum([0] + [matrix.shape[1] for matrix in matrices])
    return SparseEntries(np.concatenate([matrix.row for matrix in matrices]),
                         np.concatenate([matrix.col + offset for matrix, offset in zip(matrices, offsets)]),
                         np.concatenate([matrix.data for matrix in matrices]),
                         (matrices[0].shape[0], int(offsets[-1])))


def predicting_from_message_features(rasa_predict: PredictMessage) -> PredictMessage:
    """`DIETClassifier._predict` that hands a message's joined sparse features straight to its
    model's NumpyDiet; `rasa_predict` (Rasa's data set and batch) predicts a message of another
    kind, and every message of a model NumPy does not predict or has not read yet."""

    def predict(component: DIETClassifier, message: Message) -> Optional[Dict[Text, Any]]:
        diet = component.model.__dict__.get("_careerbot_numpy_diet") if component.model else None
        joined = diet and joined_sparse_features(message, component.component_config[FEATURIZERS])
        if not joined or not diet.fits_message(*joined):
            return rasa_predict(component, message)
        return diet.predict_message(*joined)

    return predict


def install() -> None:
    # Wraps whichever prediction is installed: serving/turn_cost.py's, when installed first.
    RasaModel._rasa_predict = predicting_in_numpy(RasaModel._rasa_predict)
    DIETClassifier._predict = predicting_from_message_features(DIETClassifier._predict)
