"""A small notation for crisis rules, compiled to spaCy Matcher patterns over normalised lemmas.

A rule is a line of space-separated token specs, read left to right:

    want|wish|plan    one token whose lemma is any of these (the words are lemmatised with the
                      same pipeline as the message, so "died" and "dying" may be written out)
    in_case|so        an alternative of several words joined by "_" stands for those tokens
    @WANT             one token of a word class (CLASSES of the language's rule set)
    my?               the spec may be absent
    ~3                up to three tokens of anything that does not end a clause
    *                 exactly one token that does not end a clause
    #                 a number ("took 30 of my pills")
    !in|with          (last) the match is not followed by any of these words ("don't want to
                      live" is a crisis, "don't want to live with my parents" is not)

Each rule has a kind (what the person needs: suicide, danger, violence at home) and a role:
CRISIS matches raise the alarm; a NEGATABLE one does not when a negation stands right before it
("I would never kill myself", "I'm not suicidal"); GUARD matches mark figurative or professional
uses ("this commute is killing me", "suicide prevention hotline jobs") and cancel any crisis match
that lies wholly inside them.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Dict, FrozenSet, Iterable, List, Mapping, Sequence, Tuple

CRISIS, NEGATABLE, GUARD = "crisis", "negatable", "guard"

# Tokens that end a clause: a gap never crosses them, and a negation is not looked for past them.
CLAUSE_ENDS = [".", "!", "?", ";", ":", "..", "...", ",", "but", "pero", "and", "y", "though",
               "anyway", "because", "porque", "aunque", "\n"]


@dataclass(frozen=True)
class Rule:
    id: str
    kind: str
    role: str
    spec: str


def rule(kind: str, role: str, *specs: str) -> List[Rule]:
    """Rules of one kind and role; ids are numbered by the caller."""
    return [Rule("", kind, role, spec) for spec in specs]


def numbered(language: str, rules: Iterable[Rule]) -> List[Rule]:
    return [Rule(f"{language}.{r.kind}.{r.role}.{i}", r.kind, r.role, r.spec)
            for i, r in enumerate(rules, 1)]


def _words(part: str, classes: Mapping[str, Sequence[str]]) -> List[str]:
    words: List[str] = []
    for alternative in part.split("|"):
        words.extend(classes[alternative[1:]] if alternative.startswith("@") else [alternative])
    return words


def spec_words(spec: str, classes: Mapping[str, Sequence[str]]) -> FrozenSet[str]:
    """Every word a rule is written in, its classes' members included."""
    return frozenset(word for part in spec.split() if not part.startswith("~") and part not in ("*", "#")
                     for phrase in _words(part.lstrip("!").rstrip("?") or part, classes)
                     for word in phrase.split("_"))


def _token(words: Sequence[str], norm: Callable[[str], str], optional: bool) -> Dict[str, object]:
    token: Dict[str, object] = {"NORM": {"IN": sorted({norm(w) for w in words} | set(words))}}
    if optional:
        token["OP"] = "?"
    return token


def _choices(part: str, classes: Mapping[str, Sequence[str]], norm: Callable[[str], str]
             ) -> List[List[dict]]:
    """The token sequences one spec part may stand for."""
    if part.startswith("~"):
        return [[{"NORM": {"NOT_IN": CLAUSE_ENDS}, "OP": "?"} for _ in range(int(part[1:]))]]
    if part == "*":
        return [[{"NORM": {"NOT_IN": CLAUSE_ENDS}}]]
    if part == "#":
        return [[{"LIKE_NUM": True}]]
    optional = part.endswith("?") and len(part) > 1
    words = _words(part.rstrip("?") if optional else part, classes)
    single = [w for w in words if "_" not in w]
    choices = [[_token(single, norm, optional)]] if single else []
    phrases = [[_token([w], norm, False) for w in phrase.split("_")]
               for phrase in words if "_" in phrase]
    # An optional part with phrases: one of them whole, or nothing.
    return choices + phrases + ([[]] if optional and phrases else [])


def compile_spec(spec: str, classes: Mapping[str, Sequence[str]],
                 norm: Callable[[str], str]) -> Tuple[List[List[dict]], FrozenSet[str]]:
    """The Matcher patterns for one rule (several when it has phrases among its alternatives),
    and the words that may not follow a match."""
    patterns: List[List[dict]] = [[]]
    not_followed_by: FrozenSet[str] = frozenset()
    for part in spec.split():
        if part.startswith("!"):
            words = _words(part[1:], classes)
            not_followed_by = frozenset({norm(w) for w in words} | set(words))
            continue
        patterns = [pattern + choice for pattern in patterns
                    for choice in _choices(part, classes, norm)]
    return [p for p in patterns if p], not_followed_by
