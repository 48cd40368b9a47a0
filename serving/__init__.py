"""How the Rasa server runs here: fixes to Rasa 3.6 that a counseling office cannot do without.

`python -m serving run …` is `rasa run …` with these installed first (see serving/__main__.py).
Each module names the Rasa behaviour it corrects and why.
"""
