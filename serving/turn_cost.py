"""Work Rasa 3.6 repeats on every turn although its answer never changes while a model is loaded.

Measured with pyinstrument on the Rasa server in-process (bench/bench_profile.py shows the same
frames from outside), each of these was a steady share of a REST turn's CPU time:

- RulePolicy parses every rule's JSON key again for every state of the conversation on every
  prediction (`_rule_key_to_state` is `json.loads`), two or three predictions a turn: the rule
  keys are fixed once the model is loaded, so each is parsed once. It then tests all of its
  rules (189 here) against the latest state, although a rule whose last state names a previous
  action (or intent) can only match when the conversation's latest state has that one: rules
  are looked up by the previous action and intent first (`_get_possible_keys`). Rasa's test of
  a rule against each earlier state then reversed the rule's states again for every rule and
  state: each rule's states are kept reversed, and the test stops at the longest remaining
  rule, past which every rule passes.
- Right after a message, RulePolicy predicts twice, from the message's text and from its intent,
  and each time replays the whole conversation into a tracker per turn to describe every turn's
  state (`Domain.states_for_tracker_history`). The states depend only on the events and the
  domain: the second prediction on the same tracker gets a copy of the first one's states
  (`_states_for_tracker_history`), which the featuriser may then edit as it does Rasa's.
- Every event read from the tracker store looks up its class by walking all subclasses of
  `Event` (`Event.resolve_by_type`), tens of times a turn: the classes are fixed once imported.
- Every graph run (the NLU pipeline, then each action prediction) goes through dask's scheduler,
  and first recomputes which nodes the targets need: Rasa runs the nodes in a single thread one
  after another anyway, so they are run in dependency order directly, the order worked out once
  for each set of targets (`SequentialGraphRunner`).
- DIET predicts through a `tf.function` with an input signature, which canonicalises, casts and
  matches its ~20 input arrays against that signature on every call before running the graph
  it traced on the first one (a fifth of a turn under load). The graph (the concrete function) is
  kept and called with the arrays as tensors of its input types (`_predict_with_traced_graph`).
- Every tracker made during a turn (about ten: each prediction replays the conversation into a
  fresh one per policy) shallow-copies each of the domain's slots with `copy.copy`, which goes
  through the generic `__reduce_ex__` protocol. `Slot.__copy__` makes the same copy (a new object
  with the same attribute dictionary) directly.
- Each message's sparse features from the three featurisers are joined with `scipy.sparse.hstack`,
  whose general block-matrix code costs more than the join: the COO parts are concatenated
  directly (`_combine_sparse_features`), the same entries in the same order.
- Before every parse the processor asks whether the domain is empty, which serialises the whole
  domain and a newly built empty one to compare them: the loaded domain's answer is kept.
- The processor deep-copies events, slots and parse data for its debug log lines (so that the
  logged values cannot change afterwards) whether or not debug logging is on: the copies are made
  only when structlog passes debug lines on (`_DeepCopyForDebugLogs`).
- Each count-vector featuriser turns a message into counts with scikit-learn's `transform` (twice:
  per token, then for the whole text), which builds a CSR matrix through scipy's general
  constructor and format checks, sorts it, and Rasa then converts it to COO. The counts are
  taken with the vectoriser's own analyser and vocabulary and written as that COO matrix
  directly (`_count_vector_features`): same entries, order, dtypes and shape.
- A tracker's state, written out for every action call, gives its active form as
  `dataclasses.asdict`, which deep-copies the message that started the form (its whole parse,
  intent ranking included): 132 us of a form validation call, for a dictionary that is turned
  into JSON at once. The form's fields are given as they are, as Rasa already gives the latest
  message's parse (`_current_state`).
- Before running each action the processor copies the tracker (so that a rejected action's
  events can be dropped), and Rasa's copy replays every event of the conversation into a new
  tracker, although a tracker's state is by design what its events made it (Rasa's own comment
  on the tracker: it "MUST be re-creatable by processing all the events", and only events
  change it). The copy takes the state as it is (`_copy_tracker`): the same events, copies of
  the slots, of the active loop and of the latest action, as Rasa's copy has them.

Each keeps Rasa's results exactly; the test suite runs the server with them installed.
"""
from __future__ import annotations

import copy
import dataclasses
import functools
import json
from typing import Any, Dict, List, NamedTuple, Optional, Text, Tuple, Type

import numpy as np
import scipy.sparse
import structlog
import tensorflow as tf
from keras.utils import tf_utils

import rasa.core.processor
from rasa.nlu.constants import DENSE_FEATURIZABLE_ATTRIBUTES
from rasa.core.policies.rule_policy import RulePolicy
from rasa.shared.constants import DEFAULT_SENDER_ID, DIAGNOSTIC_DATA
from rasa.shared.core.constants import ACTIVE_LOOP, PREVIOUS_ACTION, SHOULD_NOT_BE_SET, USER
from rasa.shared.nlu.constants import ACTION_NAME, INTENT
from rasa.engine.exceptions import GraphRunError
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import Event
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import CountVectorsFeaturizer
from rasa.shared.core.slots import Slot
from rasa.shared.core.trackers import AnySlotDict, DialogueStateTracker, EventVerbosity
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.utils.common import all_subclasses
from rasa.utils.tensorflow.models import RasaModel
from sklearn.feature_extraction.text import CountVectorizer

_rasa_resolve_by_type = Event.resolve_by_type
_rasa_get_possible_keys = RulePolicy._get_possible_keys
_rasa_predict = RasaModel._rasa_predict
_rasa_combine_sparse_features = Features._combine_sparse_features
_rasa_domain_is_empty = Domain.is_empty
_rasa_states_for_tracker_history = Domain.states_for_tracker_history
_rasa_create_count_features = CountVectorsFeaturizer._create_features
_rasa_current_state = DialogueStateTracker.current_state
_rasa_copy_tracker = DialogueStateTracker.copy


@functools.lru_cache(maxsize=None)
def _rule_key_to_state(rule_key: Text) -> List[dict]:
    # Callers only read the states (and reverse a copy of the list).
    return json.loads(rule_key)


class RulesByLastState:
    """A rule lookup's keys grouped by the previous action and the intent their last state
    requires, with each rule's states kept in reverse order (latest first), as Rasa reads them.

    Rasa tests a rule against the latest state with `_is_rule_applicable(key, 0, state)`: a rule
    whose last state has a previous action fails when the state has none, and otherwise fails
    unless the conversation's previous action equals the rule's (`_does_rule_match_state`), when
    the rule names one; likewise the intent. `candidates` returns every key that can pass that
    test: a superset, on which `possible_keys` then runs Rasa's test."""

    def __init__(self, lookup: Dict[Text, Any]) -> None:
        self.lookup = lookup  # held so that the id this index is cached under stays its own
        self.reversed_states = {key: _rule_key_to_state(key)[::-1] for key in lookup}
        # (previous action the rule requires, intent it requires) -> keys. The previous action
        # is None for rules whose last state has none (a conversation start), "" for rules that
        # have one but name none; the intent is None for rules that require none.
        self.by_requirement: Dict[Tuple[Optional[Text], Optional[Text]], List[Text]] = {}
        for key, states in self.reversed_states.items():
            previous = states[0].get(PREVIOUS_ACTION)
            name = previous.get(ACTION_NAME) if previous else None
            if previous and (not name or name == SHOULD_NOT_BE_SET):
                name = ""
            intent = (states[0].get(USER) or {}).get(INTENT)
            if not intent or intent == SHOULD_NOT_BE_SET:
                intent = None
            self.by_requirement.setdefault((name, intent), []).append(key)

    def candidates(self, latest_state: dict) -> List[Text]:
        previous = latest_state.get(PREVIOUS_ACTION)
        if not previous:
            # Rasa takes both for the start of a conversation without comparing them further.
            return [key for (name, _), keys in self.by_requirement.items() if name is None
                    for key in keys]
        # A rule with a previous action never applies to a state without one, and vice versa.
        names = dict.fromkeys(("", previous.get(ACTION_NAME)))
        intent = (latest_state.get(USER) or {}).get(INTENT)
        intents = (None, intent) if intent else (None,)
        return [key for name in names for required_intent in intents
                for key in self.by_requirement.get((name, required_intent), ())]

    def possible_keys(self, states: List[dict]) -> List[Text]:
        """The keys of the rules that apply to `states`: `RulePolicy._is_rule_applicable` for
        every rule and every state, latest first, with the rule's states already reversed."""
        keys = self.candidates(states[-1])
        rule_match = RulePolicy._does_rule_match_state
        for turn_index, state in enumerate(reversed(states)):
            if turn_index >= max((len(self.reversed_states[key]) for key in keys), default=0):
                break  # every rule left is shorter than this: Rasa's test passes them all
            current_previous_action = state.get(PREVIOUS_ACTION)
            applicable = []
            for key in keys:
                rule_states = self.reversed_states[key]
                if turn_index >= len(rule_states):
                    applicable.append(key)
                    continue
                rule_state = rule_states[turn_index]
                rule_previous_action = rule_state.get(PREVIOUS_ACTION)
                if not rule_previous_action and not current_previous_action:
                    applicable.append(key)  # both are the start of a conversation
                elif (rule_previous_action and current_previous_action
                      and rule_match(rule_state, state)):
                    applicable.append(key)
            keys = applicable
        return keys


def _get_possible_keys(policy: RulePolicy, lookup: Dict[Text, Text], states: List[dict]):
    if not states:
        return _rasa_get_possible_keys(policy, lookup, states)
    indexes = policy.__dict__.setdefault("_rules_by_last_state", {})
    index = indexes.get(id(lookup))
    if index is None or index.lookup is not lookup:
        index = indexes[id(lookup)] = RulesByLastState(lookup)
    return set(index.possible_keys(states))


def _copy_states(states: List[dict]) -> List[dict]:
    # A state maps each kind (user, prev_action, slots...) to a dictionary of strings and tuples.
    return [{kind: dict(sub_state) for kind, sub_state in state.items()} for state in states]


class _RememberedStates(NamedTuple):
    """A tracker's states as last computed, and what they were computed from."""
    domain: Domain
    arguments: tuple
    events: tuple
    states: List[dict]


def _states_for_tracker_history(domain: Domain, tracker: DialogueStateTracker,
                                omit_unset_slots: bool = False, ignore_rule_only_turns: bool = False,
                                rule_only_data: Optional[Dict[Text, Any]] = None) -> List[dict]:
    events = tuple(tracker.events)
    # RulePolicy builds its rule-only data anew for every call: equal, not the same object.
    arguments = (omit_unset_slots, ignore_rule_only_turns, rule_only_data)
    remembered: Optional[_RememberedStates] = tracker.__dict__.get("_careerbot_states")
    if (remembered is not None and remembered.domain is domain
            and remembered.arguments == arguments and len(remembered.events) == len(events)
            and all(a is b for a, b in zip(remembered.events, events))):
        return _copy_states(remembered.states)
    states = _rasa_states_for_tracker_history(domain, tracker, omit_unset_slots,
                                              ignore_rule_only_turns, rule_only_data)
    tracker.__dict__["_careerbot_states"] = _RememberedStates(domain, arguments, events,
                                                              _copy_states(states))
    return states


@functools.lru_cache(maxsize=None)
def _event_classes() -> Dict[Text, Type[Event]]:
    return {cls.type_name: cls for cls in reversed(all_subclasses(Event))}


def _resolve_by_type(type_name: Text, default: Optional[Type[Event]] = None) -> Optional[Type[Event]]:
    found = _event_classes().get(type_name)
    if found is not None:
        return found
    # An event class defined after the first lookup, "topic", the default or the error: Rasa's.
    return _rasa_resolve_by_type(type_name, default)


class SequentialGraphRunner(DaskGraphRunner):
    """Rasa's graph runner, running the needed nodes in dependency order without dask."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._orders: Dict[Tuple[Text, ...], List[Text]] = {}

    def _order(self, targets: Tuple[Text, ...]) -> List[Text]:
        if targets not in self._orders:
            nodes = self._graph_schema.minimal_graph_schema(list(targets)).nodes
            order: List[Text] = []

            def visit(name: Text) -> None:
                if name in nodes and name not in order:
                    for dependency in nodes[name].needs.values():
                        visit(dependency)
                    order.append(name)

            for target in targets:
                visit(target)
            self._orders[targets] = order
        return self._orders[targets]

    def run(self, inputs: Optional[Dict[Text, Any]] = None,
            targets: Optional[List[Text]] = None) -> Dict[Text, Any]:
        run_targets = tuple(targets or self._graph_schema.target_names)
        order = self._order(run_targets)
        # As with dask, each result is a (node name, output) pair, and a need that nothing
        # provides is passed as its name (GraphNode then reports it).
        results: Dict[Text, Any] = {}
        for name, value in (inputs or {}).items():
            if isinstance(value, str) and value in self._graph_schema.nodes:
                raise GraphRunError(f"Input value '{value}' clashes with a node name.")
            results[name] = (name, value)
        try:
            for name in order:
                needs = self._graph_schema.nodes[name].needs.values()
                results[name] = self._instantiated_nodes[name](
                    *(results.get(need, need) for need in needs))
        except RuntimeError as error:
            raise GraphRunError("Error running runner.") from error
        return dict(results[target] for target in run_targets)


def _predict_with_traced_graph(model: RasaModel, batch_in: Tuple[np.ndarray, ...]) -> Dict[Text, Any]:
    traced = model.__dict__.get("_careerbot_prediction_graph")
    if traced is None:
        # Rasa's path: the first call traces the graph (and prepares the model); run eagerly,
        # there is no graph to keep.
        outputs = _rasa_predict(model, batch_in)
        if model._tf_predict_step is not None:
            graph = model._tf_predict_step.get_concrete_function()
            model._careerbot_prediction_graph = (graph, graph.structured_input_signature[0][0])
        return outputs
    graph, inputs = traced
    if len(batch_in) != len(inputs) or any(
            len(array.shape) != len(spec.shape) for array, spec in zip(batch_in, inputs)):
        return _rasa_predict(model, batch_in)  # a shape the graph was not traced for: Rasa reports it
    tensors = [tf.convert_to_tensor(array, dtype=spec.dtype) for array, spec in zip(batch_in, inputs)]
    outputs = tf_utils.sync_to_numpy_or_python_type(graph._call_flat(tensors, graph.captured_inputs))
    if DIAGNOSTIC_DATA in outputs:
        outputs[DIAGNOSTIC_DATA] = model._empty_lists_to_none_in_dict(outputs[DIAGNOSTIC_DATA])
    return outputs


def _copy_slot(slot: Slot) -> Slot:
    copied = object.__new__(type(slot))
    copied.__dict__.update(slot.__dict__)
    return copied


def _copy_tracker(tracker: DialogueStateTracker) -> DialogueStateTracker:
    """What Rasa's `copy` (replaying every event into `init_copy()`) makes, from the state the
    events left instead. Copied Rasa's way: a tracker of another class (one with cached states,
    in training), one without the domain's slots, and one that keeps only its latest events
    (its state may come from events it no longer has)."""
    if (type(tracker) is not DialogueStateTracker or isinstance(tracker.slots, AnySlotDict)
            or tracker._max_event_history is not None):
        return _rasa_copy_tracker(tracker)
    copied = DialogueStateTracker(tracker.sender_id or DEFAULT_SENDER_ID, None,
                                  is_rule_tracker=tracker.is_rule_tracker)
    copied.slots = {name: copy.copy(slot) for name, slot in tracker.slots.items()}
    copied.events.extend(tracker.events)
    copied._paused = tracker._paused
    copied.followup_action = tracker.followup_action
    # Events set these anew rather than edit them, except the loop (a rejection marks it).
    copied.latest_action = None if tracker.latest_action is None else dict(tracker.latest_action)
    copied.latest_message = tracker.latest_message
    copied.latest_bot_utterance = tracker.latest_bot_utterance
    copied.active_loop = None if tracker.active_loop is None else dataclasses.replace(tracker.active_loop)
    return copied


def _current_state(tracker: DialogueStateTracker,
                   event_verbosity: EventVerbosity = EventVerbosity.NONE) -> Dict[Text, Any]:
    # Rasa's state with no active loop (the only thing it reads the loop for is this entry),
    # then the loop's fields as they are.
    active_loop, tracker.active_loop = tracker.active_loop, None
    try:
        state = _rasa_current_state(tracker, event_verbosity)
    finally:
        tracker.active_loop = active_loop
    if active_loop:
        state[ACTIVE_LOOP] = {field.name: getattr(active_loop, field.name)
                              for field in dataclasses.fields(active_loop)}
    return state


def _combine_sparse_features(features: Features, additional: Features) -> None:
    left, right = features.features, additional.features
    if not (scipy.sparse.isspmatrix_coo(left) and scipy.sparse.isspmatrix_coo(right)) \
            or left.shape[0] != right.shape[0]:
        return _rasa_combine_sparse_features(features, additional)  # and its error message
    features.features = scipy.sparse.coo_matrix(
        (np.concatenate([left.data, right.data]),
         (np.concatenate([left.row, right.row]), np.concatenate([left.col, right.col + left.shape[1]]))),
        shape=(left.shape[0], left.shape[1] + right.shape[1]))
    features._cached_fingerprint = None


def _domain_is_empty(domain: Domain) -> bool:
    if "_careerbot_is_empty" not in domain.__dict__:
        domain._careerbot_is_empty = _rasa_domain_is_empty(domain)
    return domain._careerbot_is_empty


# Documents (a token, or a message's whole text) whose counts each vectoriser remembers: tokens
# recur across messages, and a token's counts never change while a model is loaded.
COUNTED_DOCUMENTS_REMEMBERED = 50_000


def _count_matrix(vectorizer: CountVectorizer, documents: List[Text]) -> scipy.sparse.coo_matrix:
    """What `vectorizer.transform(documents)` counts, sorted by column within each row, as
    COO."""
    counts_of = _document_counter(vectorizer)
    rows: List[int] = []
    columns: List[int] = []
    counts: List[int] = []
    for row, document in enumerate(documents):
        for index, count in counts_of(document):
            rows.append(row)
            columns.append(index)
            counts.append(count)
    data = np.ones(len(counts), dtype=vectorizer.dtype) if vectorizer.binary \
        else np.asarray(counts, dtype=vectorizer.dtype)
    return scipy.sparse.coo_matrix(
        (data, (np.asarray(rows, dtype=np.int32), np.asarray(columns, dtype=np.int32))),
        shape=(len(documents), len(vectorizer.vocabulary_)))


def _document_counter(vectorizer: CountVectorizer):
    """The vectoriser's (vocabulary index, count) pairs of a document, by index; made once per
    vectoriser (its parameters and vocabulary do not change after loading)."""
    counter = vectorizer.__dict__.get("_careerbot_document_counter")
    if counter is None:
        analyze, vocabulary = vectorizer.build_analyzer(), vectorizer.vocabulary_

        @functools.lru_cache(maxsize=COUNTED_DOCUMENTS_REMEMBERED)
        def counter(document: Text) -> Tuple[Tuple[int, int], ...]:
            counts: Dict[int, int] = {}
            for feature in analyze(document):
                index = vocabulary.get(feature)
                if index is not None:
                    counts[index] = counts.get(index, 0) + 1
            return tuple(sorted(counts.items()))

        vectorizer._careerbot_document_counter = counter
    return counter


def _count_vector_features(featurizer: CountVectorsFeaturizer, attribute: Text,
                           all_tokens: List[List[Text]]) -> Tuple[list, list]:
    vectorizer = (featurizer.vectorizers or {}).get(attribute)
    # Until its first transform a loaded vectoriser has no `vocabulary_` yet (scikit-learn sets
    # it then): that call, and any other kind of vectoriser, goes through Rasa's code.
    if type(vectorizer) is not CountVectorizer or "vocabulary_" not in vectorizer.__dict__:
        return _rasa_create_count_features(featurizer, attribute, all_tokens)
    sequence_features: list = []
    sentence_features: list = []
    for tokens in all_tokens:
        if not tokens:
            sequence_features.append(None)
            sentence_features.append(None)
            continue
        sequence_features.append(_count_matrix(vectorizer, tokens))
        sentence_features.append(_count_matrix(vectorizer, [" ".join(tokens)])
                                 if attribute in DENSE_FEATURIZABLE_ATTRIBUTES else None)
    return sequence_features, sentence_features


class _DeepCopyForDebugLogs:
    """Stands for the `copy` module in rasa.core.processor, which uses it only to deep-copy the
    arguments of its `structlogger.debug` calls."""

    @staticmethod
    def deepcopy(value: Any) -> Any:
        # Rasa configures structlog with a filtering logger: below its level `debug` is a no-op.
        if structlog.get_config()["wrapper_class"].debug.__name__ == "_nop":
            return value
        return copy.deepcopy(value)


def install() -> None:
    RulePolicy._rule_key_to_state = staticmethod(_rule_key_to_state)
    RulePolicy._get_possible_keys = _get_possible_keys
    Domain.states_for_tracker_history = _states_for_tracker_history
    Event.resolve_by_type = staticmethod(_resolve_by_type)
    RasaModel._rasa_predict = _predict_with_traced_graph
    Slot.__copy__ = _copy_slot
    DialogueStateTracker.current_state = _current_state
    DialogueStateTracker.copy = _copy_tracker
    Features._combine_sparse_features = _combine_sparse_features
    Domain.is_empty = _domain_is_empty
    CountVectorsFeaturizer._create_features = _count_vector_features
    # The processor loads every model it serves with the runner class it imported.
    rasa.core.processor.DaskGraphRunner = SequentialGraphRunner
    rasa.core.processor.copy = _DeepCopyForDebugLogs
