# The assistant's image for docker-compose.yml: the same pinned packages, pipeline and model as
# `make run`. Every service but nginx, PostgreSQL and Redis runs from it with its own command.
FROM python:3.10-slim
ENV RASA_TELEMETRY_ENABLED=false PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1
WORKDIR /app
COPY requirements.in requirements.lock ./
RUN pip install --no-cache-dir -r requirements.in -c requirements.lock && pip check
COPY . .
RUN python -m careerbot.nlp build/spacy_en_lookup \
    && TF_DETERMINISTIC_OPS=1 PYTHONHASHSEED=0 python -m training train --fixed-model-name careerbot --out models \
    && useradd --system --home /app careerbot && mkdir -p var && chown -R careerbot var
USER careerbot
