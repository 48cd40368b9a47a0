"""What a loaded model is made of is left out of Python's garbage collection passes.

Once its model is loaded, the Rasa server holds about 860,000 objects that the cyclic garbage
collector tracks (TensorFlow, spaCy, the domain, the graph's components). Whenever the collector
decides a full collection is due, it walks every one of them while every conversation waits:
under the throughput benchmark's load that was one collection in 4,000 messages, 443 ms long.
None of those objects becomes garbage while the model is in use, so after a model is loaded they
are moved to the collector's permanent generation (`gc.freeze`) and full collections walk only
what turns create. Loading another model (`PUT /model`) unfreezes them first, so the model it
replaces is collected.
"""
from __future__ import annotations

import gc

from rasa.core.agent import Agent

MAX_COLLECTIONS = 10

_rasa_load_model = Agent.load_model


def _load_model_then_freeze(self: Agent, *args, **kwargs) -> None:
    gc.unfreeze()  # a model loaded earlier may be garbage once this one replaces it
    _rasa_load_model(self, *args, **kwargs)
    # Finalisers run by one pass (TensorFlow's) release more objects: collect until a pass
    # finds nothing, or garbage would be frozen with the model (124,000 objects, measured).
    for _ in range(MAX_COLLECTIONS):
        if not gc.collect():
            break
    gc.freeze()


def install() -> None:
    Agent.load_model = _load_model_then_freeze
