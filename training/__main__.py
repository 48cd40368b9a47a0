"""`python -m training train …`: Rasa's own command line, with this project's training fixes
installed first.

`make train`, the Dockerfile and the benchmarks train the model this way, so that what is measured
is what an office runs.
"""
import sys

from training import diet_train_step, sparse_batches


def main() -> None:
    diet_train_step.install()
    sparse_batches.install()
    from rasa.__main__ import main as rasa_main

    sys.argv[0] = "rasa"
    rasa_main()


if __name__ == "__main__":
    main()
