"""Work Rasa 3.6 repeats on every turn although its answer never changes while a model is loaded.

Measured with pyinstrument on the Rasa server in-process (bench/bench_profile.py shows the same
frames from outside), each of these was a steady share of a REST turn's CPU time:

- RulePolicy parses every rule's JSON key again for every state of the conversation on every
  prediction (`_rule_key_to_state` is `json.loads`), two or three predictions a turn: the rule
  keys are fixed once the model is loaded, so each is parsed once.
- Every event read from the tracker store looks up its class by walking all subclasses of
  `Event` (`Event.resolve_by_type`), tens of times a turn: the classes are fixed once imported.
- Every graph run (the NLU pipeline, then each action prediction) goes through dask's scheduler,
  and first recomputes which nodes the targets need: Rasa runs the nodes in a single thread one
  after another anyway, so they are run in dependency order directly, the order worked out once
  for each set of targets (`SequentialGraphRunner`).

Each keeps Rasa's results exactly; the test suite runs the server with them installed.
"""
from __future__ import annotations

import functools
import json
from typing import Any, Dict, List, Optional, Text, Tuple, Type

import rasa.core.processor
from rasa.core.policies.rule_policy import RulePolicy
from rasa.engine.exceptions import GraphRunError
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.shared.core.events import Event
from rasa.shared.utils.common import all_subclasses

_rasa_resolve_by_type = Event.resolve_by_type


@functools.lru_cache(maxsize=None)
def _rule_key_to_state(rule_key: Text) -> List[dict]:
    # Callers only read the states (and reverse a copy of the list).
    return json.loads(rule_key)


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


def install() -> None:
    RulePolicy._rule_key_to_state = staticmethod(_rule_key_to_state)
    Event.resolve_by_type = staticmethod(_resolve_by_type)
    # The processor loads every model it serves with the runner class it imported.
    rasa.core.processor.DaskGraphRunner = SequentialGraphRunner
