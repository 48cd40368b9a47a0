"""Rasa input channels of the career assistant, one connector a module."""
