"""Load DIET's trained weights without first training it on one example.

Rasa 3.6 builds a TensorFlow model at load time by *training* it for one step on one example
(`RasaModel.load`: compile, fit, then load the weights over the result): TensorFlow traces the
whole training graph, gradients and optimizer included, only to create variables of the right
shapes. That was 17 of the Rasa server's 31 seconds to start and a good part of its memory.

Here the weights are restored from the checkpoint as the prediction graph creates its variables
(TensorFlow's deferred restoration), and the one warm-up prediction Rasa makes anyway builds that
graph. Fine-tuning (`rasa train --finetune`) still goes through Rasa's own loader, which it needs
for the optimizer.
"""
from __future__ import annotations

import logging

from rasa.utils.tensorflow.models import RasaModel

logger = logging.getLogger(__name__)

_rasa_load = RasaModel.load.__func__


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


def install() -> None:
    RasaModel.load = classmethod(_load_for_prediction)
