"""The trained components of a loaded agent's graph, for tests and benchmarks that compare a
component's output along two paths in one process."""
from __future__ import annotations

from typing import Any, List


def components(agent: Any, component_class: type) -> List[Any]:
    return [node._component for node in agent.processor.graph_runner._instantiated_nodes.values()
            if isinstance(getattr(node, "_component", None), component_class)]


def diet_models(agent: Any) -> List[Any]:
    from rasa.nlu.classifiers.diet_classifier import DIETClassifier

    return [component.model for component in components(agent, DIETClassifier)]
