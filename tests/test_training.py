"""Training as `make train` runs it (`python -m training train`) learns exactly what Rasa's own
`rasa train` learns: its faster DIET training step (training/diet_train_step.py) and batch
conversion (training/sparse_batches.py) must never change the model an office gets, so that every
quality figure measured on it still holds.

A small DIET with entities (so its CRF, where the step differs, is trained) is trained both ways,
at once, from the same data, in the reproducible environment every training here uses.
"""
from __future__ import annotations

import os
import subprocess
import sys
import tarfile
from pathlib import Path
from typing import List

from careerbot.runtime import training_command
from careerbot.settings import PROJECT_ROOT, TRAINING_ENV
from tests.support.servers import BIN

CONFIG = """\
recipe: default.v1
language: en
assistant_id: train-step-check
pipeline:
  - name: WhitespaceTokenizer
  - name: CountVectorsFeaturizer
  - name: CountVectorsFeaturizer
    analyzer: char_wb
    min_ngram: 2
    max_ngram: 3
  - name: DIETClassifier
    epochs: 3
    number_of_transformer_layers: 1
    transformer_size: 32
    constrain_similarities: true
    random_seed: 42
policies: []
"""

NLU = """\
version: "3.1"
nlu:
  - intent: greet
    examples: |
      - hi
      - hello there
      - good morning
      - hey
  - intent: find_resource
    examples: |
      - find a [job center](resource_type) near me
      - is there a [food bank](resource_type) around here
      - I need [childcare](resource_type)
      - where can I get [job training](resource_type)
      - any [legal aid](resource_type) close by
"""


def _train(command: List[str], workdir: Path) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k not in TRAINING_ENV}
    env.update(TRAINING_ENV, RASA_TELEMETRY_ENABLED="false", TF_CPP_MIN_LOG_LEVEL="2",
               RASA_CACHE_DIRECTORY=str(workdir / "cache"))
    return subprocess.Popen(
        command + ["nlu", "--config", str(workdir.parent / "config.yml"),
                   "--nlu", str(workdir.parent / "nlu.yml"), "--out", str(workdir / "models"),
                   "--fixed-model-name", "model"],
        cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _diet_files(model: Path) -> dict:
    with tarfile.open(model) as archive:
        return {Path(member.name).name: archive.extractfile(member).read()
                for member in archive.getmembers()
                if member.isfile() and "DIETClassifier" in member.name}


def test_training_learns_the_same_weights_as_rasas_own_training(tmp_path):
    (tmp_path / "config.yml").write_text(CONFIG)
    (tmp_path / "nlu.yml").write_text(NLU)
    rasas = _train([str(BIN / "rasa"), "train"], tmp_path / "rasa")
    ours = _train(training_command(sys.executable), tmp_path / "ours")
    for process in (rasas, ours):
        output, _ = process.communicate(timeout=600)
        assert process.returncode == 0, output[-3000:]

    rasas_files = _diet_files(tmp_path / "rasa" / "models" / "model.tar.gz")
    ours_files = _diet_files(tmp_path / "ours" / "models" / "model.tar.gz")
    weights = "DIETClassifier.tf_model.data-00000-of-00001"
    assert weights in rasas_files and len(rasas_files[weights]) > 10_000
    assert ours_files.keys() == rasas_files.keys()
    assert [name for name in rasas_files if ours_files[name] != rasas_files[name]] == []


def test_sparse_batches_are_the_arrays_rasas_data_generator_makes():
    """Batches of sentences of different lengths, some without any feature, in COO and in CSR,
    as float64 and float32: the same indices, values, shape and dtypes as Rasa's conversion."""
    import numpy as np
    import scipy.sparse
    from rasa.utils.tensorflow.feature_array import FeatureArray

    from training import sparse_batches

    random = np.random.default_rng(7)

    def batch(size: int, matrix_format: str, dtype) -> FeatureArray:
        matrices = np.empty(size, dtype=object)
        for place in range(size):
            length = int(random.integers(1, 12))
            density = 0.0 if place % 5 == 2 else 0.02
            matrices[place] = scipy.sparse.random(length, 300, density=density, format=matrix_format,
                                                  dtype=dtype, random_state=int(random.integers(1e9)))
        return FeatureArray(matrices, number_of_dimensions=3)

    batches = [batch(size, matrix_format, dtype) for size in (1, 3, 64)
               for matrix_format in ("coo", "csr") for dtype in (np.float64, np.float32)]
    batches.append(FeatureArray(np.array([scipy.sparse.coo_matrix((4, 300))], dtype=object),
                                number_of_dimensions=3))  # no feature at all
    for features in batches:
        expected = sparse_batches._rasa_scipy_matrix_to_values(features)
        ours = sparse_batches._scipy_matrix_to_values(features)
        assert [(a.dtype, a.shape) for a in ours] == [(a.dtype, a.shape) for a in expected]
        assert all(np.array_equal(a, b) for a, b in zip(ours, expected))
    assert sum(len(sparse_batches._scipy_matrix_to_values(b)[1]) for b in batches) > 1000
