"""Load DIET's trained weights without first training it on one example.

Rasa 3.6 builds a TensorFlow model at load time by *training* it for one step on one example
(`RasaModel.load`: compile, fit, then load the weights over the result): TensorFlow traces the
whole training graph, gradients and optimizer included, only to create variables of the right
shapes. That was 17 of the Rasa server's 31 seconds to start and a good part of its memory.

Here the weights are restored from the checkpoint as the prediction graph creates its variables
(TensorFlow's deferred restoration), and the one warm-up prediction Rasa makes anyway builds that
graph. Fine-tuning (`rasa train --finetune`) still goes through Rasa's own loader, which it needs
for the optimizer.

Once a model is loaded, one message is parsed before the server reports ready: the place rules
compile their matchers for the pipeline's spaCy vocabulary on the first parse (every US city
name tokenised into a phrase matcher), which kept the first person after a start waiting 0.7 s.
"""
from __future__ import annotations

import logging

from rasa.core.channels.channel import UserMessage
from rasa.core.processor import MessageProcessor
from rasa.engine.constants import PLACEHOLDER_MESSAGE, PLACEHOLDER_TRACKER
from rasa.utils.tensorflow.models import RasaModel

logger = logging.getLogger(__name__)

_rasa_load = RasaModel.load.__func__
_rasa_processor_init = MessageProcessor.__init__


def _load_for_prediction(cls, model_file_name, model_data_example, predict_data_example=None,
                         finetune_mode: bool = False, *args, **kwargs) -> RasaModel:
    if finetune_mode or predict_data_example is None:
        return _rasa_load(cls, model_file_name, model_data_example, predict_data_example,
                          finetune_mode, *args, **kwargs)
    model = cls(*args, **kwargs)
    # The optimizer's slots are in the checkpoint too; prediction does not need them.
    model.load_weights(model_file_name).expect_partial()
    model.run_inference(predict_data_example)
    return model


def _processor_made_then_parse_once(self: MessageProcessor, *args, **kwargs) -> None:
    # The processor is made as its model loads (`Agent.load_model`), so this parse is part of the
    # load: before the server is ready, and before what it builds is frozen out of the garbage
    # collector (serving/garbage_collection.py).
    _rasa_processor_init(self, *args, **kwargs)
    # What the processor's parse runs, without a conversation: nothing is stored or answered.
    self.graph_runner.run(
        inputs={PLACEHOLDER_MESSAGE: [UserMessage("hi, I am in Springfield, IL 62704")],
                PLACEHOLDER_TRACKER: None},
        targets=[self.model_metadata.nlu_target])


def install() -> None:
    RasaModel.load = classmethod(_load_for_prediction)
    MessageProcessor.__init__ = _processor_made_then_parse_once
