# Career assistant. The two commands a new user needs:
#   make run    install what is missing, train if needed, start everything
#   make test   run every test
SHELL := /bin/bash
.DEFAULT_GOAL := help

export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 2
export PYTHONDONTWRITEBYTECODE := 1

VENV := .venv
PY := $(VENV)/bin/python
RASA := $(VENV)/bin/rasa
# Rasa 3.6 needs Python 3.10 (< 3.11). Look for a working interpreter, pyenv's included.
PYTHON310 := $(shell for p in python3.10 $$HOME/.pyenv/versions/3.10*/bin/python3.10 \
	/usr/local/bin/python3.10 /usr/bin/python3.10; do \
	"$$p" -c 'import sys; assert sys.version_info[:2] == (3, 10)' 2>/dev/null && { echo "$$p"; break; }; done)

# Of the custom components, only those that train or build something of their own (the
# out-of-scope and crisis models, the language word table) change what training makes, so theirs
# is the only code that is an input.
TRAINABLE_CODE := components/out_of_scope_rejector.py components/crisis_safety_net.py \
	components/language_detector.py careerbot/language.py careerbot/nlp.py \
	careerbot/out_of_scope.py careerbot/ngram_model.py careerbot/safety/model.py
TRAINING_INPUTS := config.yml domain.yml $(TRAINABLE_CODE) \
	$(shell find data -name '*.yml' -o -name '*.txt' 2>/dev/null)
MODEL_STAMP := models/.trained
# Every training runs with TensorFlow's deterministic ops and a fixed Python hash seed, so that the
# model `make test` measures is the model any other training of the same data gives: two trainings
# gave byte-identical DIET weights (DIET's random_seed alone does not promise that). CPU only; on a
# GPU some of DIET's ops have no deterministic kernel. Same variables in bench/ and the Dockerfile
# (careerbot/settings.py TRAINING_ENV).
TRAIN_ENV := TF_DETERMINISTIC_OPS=1 PYTHONHASHSEED=0
SPACY_PIPELINE := build/spacy_en_lookup/meta.json

.PHONY: help run run-production nginx train shell test validate test-stories pytest clean chromium test-services telegram-webhook import-directory staff-user purge-conversations bench

help:
	@echo "make run      install what is missing, train if the data changed, start the assistant"
	@echo "make test     run every test (data validation, test stories, pytest suites)"
	@echo "make run-production  several Rasa instances behind nginx on PostgreSQL and Redis"
	@echo "make train    train the model"
	@echo "make shell    chat with the assistant in the terminal"
	@echo "make import-directory DIR=path  validate and load an HSDS resource directory"
	@echo "make telegram-webhook  register the Telegram webhook (TELEGRAM_* variables)"
	@echo "make staff-user USERNAME=name ROLE=counselor|admin  create a staff console account"
	@echo "make purge-conversations DAYS=N  delete conversations older than N days"
	@echo "make bench    run the benchmarks and write bench/results/REPORT.md"

$(VENV)/.installed: requirements.in requirements.lock
	@if [ -z "$(PYTHON310)" ]; then \
	  echo "Python 3.10 is required (Rasa 3.6 does not run on 3.11+)."; \
	  echo "Install it, e.g. 'pyenv install 3.10' or 'apt-get install python3.10 python3.10-venv', then re-run."; \
	  exit 1; fi
	@[ -x $(PY) ] || $(PYTHON310) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip==24.0
	$(PY) -m pip install --quiet -r requirements.in -c requirements.lock
	$(PY) -m pip check
	@touch $@

# The blank English spaCy pipeline with lookup lemmas (config.yml's SpacyNLP model).
$(SPACY_PIPELINE): $(VENV)/.installed careerbot/nlp.py
	$(PY) -m careerbot.nlp build/spacy_en_lookup

$(MODEL_STAMP): $(SPACY_PIPELINE) $(TRAINING_INPUTS)
	$(TRAIN_ENV) $(PY) -m training train --fixed-model-name careerbot --out models
	@touch $@

train: $(SPACY_PIPELINE)
	$(TRAIN_ENV) $(PY) -m training train --fixed-model-name careerbot --out models
	@touch $(MODEL_STAMP)

# The office's resource directory; until an office imports its own, the sample region.
DIRECTORY_DB := var/directory.db
$(DIRECTORY_DB): | $(VENV)/.installed
	$(PY) -m careerbot.directory import directory/sample

import-directory: $(VENV)/.installed
	@[ -n "$(DIR)" ] || { echo "Usage: make import-directory DIR=path/to/hsds-package"; exit 2; }
	$(PY) -m careerbot.directory import "$(DIR)"

run: $(MODEL_STAMP) $(DIRECTORY_DB)
	$(PY) -m careerbot.directory coverage --warnings-only
	$(PY) -m careerbot.launcher

# The action server runs actions only for callers with ACTION_SERVER_TOKEN (a new one when unset),
# which the endpoints written to var/shell have Rasa send.
shell: $(MODEL_STAMP)
	@ACTION_SERVER_TOKEN="$$($(PY) -c 'from careerbot.settings import action_server_token as t; print(t(new_if_unset=True))')" \
	  && export ACTION_SERVER_TOKEN && $(PY) -m careerbot.runtime var/shell \
	  && { $(PY) -m actions --port 5055 >/dev/null 2>&1 & trap "kill $$!" EXIT; \
	  $(RASA) shell --model models --endpoints var/shell/endpoints.yml; }

staff-user: $(VENV)/.installed
	@test -n "$(USERNAME)" -a -n "$(ROLE)" || { echo "Usage: make staff-user USERNAME=name ROLE=counselor|admin (password: STAFF_PASSWORD or asked)"; exit 2; }
	$(PY) -m careerbot.console user "$(USERNAME)" --role "$(ROLE)"

purge-conversations: $(VENV)/.installed
	@test -n "$(DAYS)" || { echo "Usage: make purge-conversations DAYS=N"; exit 2; }
	$(PY) -m careerbot.console purge --days "$(DAYS)"

telegram-webhook: $(VENV)/.installed
	$(PY) -m careerbot.telegram_webhook

# The production profile's load balancer, from Debian.
nginx:
	@[ -x /usr/sbin/nginx ] || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq nginx-light; \
	  else echo "The production profile needs Debian's nginx: sudo apt-get install nginx-light"; exit 1; fi; }

# Several Rasa instances and action servers behind nginx, on PostgreSQL (DATABASE_URL) and Redis
# (REDIS_URL). See README, "Going to production".
run-production: $(MODEL_STAMP) nginx
	$(PY) -m careerbot.production

chromium:
	@command -v chromium >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium; \
	  else echo "Browser tests need Debian's chromium: sudo apt-get install chromium"; exit 1; fi; }

validate: $(VENV)/.installed
	$(RASA) data validate --fail-on-warnings

test-stories: $(MODEL_STAMP)
	$(RASA) test core --model models --stories tests/stories --fail-on-prediction-errors \
	  --out results/stories

# The tests start their own PostgreSQL and Redis on free ports (tests/support/services.py), from
# these Debian packages; they never use the machine's servers, which need not be running.
test-services:
	@{ ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && command -v redis-server >/dev/null; } || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq postgresql redis-server; \
	  else echo "The tests need Debian's PostgreSQL and Redis: sudo apt-get install postgresql redis-server"; exit 1; fi; }

pytest: $(MODEL_STAMP) chromium nginx test-services
	$(PY) -m pytest tests

test: validate test-stories pytest

bench: $(MODEL_STAMP) $(DIRECTORY_DB)
	$(PY) bench/run_all.py

clean:
	rm -rf models/*.tar.gz $(MODEL_STAMP) results .pytest_cache
