"""Rasa plug-ins: NLU graph components (config.yml) and the response generator (endpoints.yml)."""
