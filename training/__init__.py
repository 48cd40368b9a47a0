"""How the model is trained here: `python -m training train …` is `rasa train …` with the fixes in
this package installed first (see training/__main__.py). Each changes how long training takes,
never what it learns: the trained weights are the same, byte for byte.
"""
