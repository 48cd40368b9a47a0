"""The conversation corpus (tests/conversations/*.yml): multi-turn conversations typed the way
visitors type, run against the trained model, the Rasa server and the action server.

Each turn names what the reply must show (`expect`) and must not (`not`) as tags; what each tag
looks like in a reply is defined once, below. Every turn also must not get the bare fallback
unless it was out of scope. The figures (pass rate, the share of turns given the bare fallback)
go to results/conversation-corpus.json and are printed.
"""
from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field
from typing import Callable, Dict, List

import pytest
import yaml

from careerbot.settings import PROJECT_ROOT
from tests.support.servers import buttons, texts

CORPUS_DIR = PROJECT_ROOT / "tests" / "conversations"
RESULTS = PROJECT_ROOT / "results" / "conversation-corpus.json"
# The corpus's floors. The fallback on turns that were not out of scope: at most 3 % (issue 21).
# The corpus guided the work (tests/nlu/README.md), so its pass rate is a tuning figure.
MIN_PASS_RATE = 0.80
MAX_BARE_FALLBACK_SHARE = 0.03

BARE_FALLBACK = re.compile(r"^Sorry, I can't help with that|^Sorry, I lost track there", re.MULTILINE)
PHONE = re.compile(r"\b\d{3}[-. ]\d{3}[-. ]\d{4}\b")


@dataclass
class Reply:
    text: str
    buttons: List[str]

    def has(self, *patterns: str) -> bool:
        return any(re.search(pattern, self.text, re.IGNORECASE) for pattern in patterns)


def _words(*patterns: str) -> Callable[[Reply], bool]:
    return lambda reply: reply.has(*patterns)


ASKS_PLACE = ("ZIP code or city", "Where are you\\?", "Which one do you mean", "your 5-digit ZIP",
              "I'm searching near")
ASKS = ASKS_PLACE + ("What kind of help", "What name should", "What phone number or e-mail",
                     "Is that right\\?")
# What each tag of the corpus looks like in a reply.
TAGS: Dict[str, Callable[[Reply], bool]] = {
    "greeting": _words("career assistant"),
    "menu": lambda r: "Job vs. career" in r.buttons or r.has("Here's what I can help with"),
    "topic:job_definition": _words("A job is a specific position"),
    "topic:career_definition": _words("A career is your whole professional journey"),
    "topic:job_vs_career": _words("Five key differences"),
    "topic:timeframe": _words("Timeframe:"),
    "topic:goals": _words("Goals:"),
    "topic:education": _words("Education and training:"),
    "topic:advancement": _words("Advancement:"),
    "topic:benefits": _words("Benefits:"),
    "topic:five_steps": _words("five steps"),
    "topic:next_step": _words(r"Step \d of 5", "That's all five steps"),
    "topic:exploration": _words("O\\*NET"),
    "topic:job_search": _words("indeed.com"),
    "barrier:experience": _words("Lack of experience"),
    "barrier:education": _words("If your education is limited"),
    "barrier:uncertainty": _words("Not being sure what you want"),
    "barrier:transportation": _words("Transportation can make work"),
    "barrier:childcare": _words("Childcare is a real barrier"),
    "barrier:financial": _words("Money worries"),
    "asks_kind": _words("What kind of help"),
    "asks_place": _words(*ASKS_PLACE),
    "listings": _words("nearest first", r"I couldn't find any .* within"),
    "detail:hours": _words(r"\bopen\b", r"\bclosed\b", "hours"),
    "detail:open_now": _words("open now", "closed now", "open right now", r"\bopen\b"),
    "detail:evening": _words("evening", r"after 5", r"\bpm\b", "late"),
    "detail:eligibility": _words("eligib", "open to", "who can"),
    "detail:cost": _words(r"\bfree\b", r"\bfees?\b", "cost"),
    "detail:apply": _words("apply", "sign up", "register", "call", "website"),
    "detail:closest": _words("closest", "nearest", "miles away"),
    "detail:phone": lambda r: bool(PHONE.search(r.text)),
    "detail:address": _words(r"\d+ \w+ (Street|Avenue|Road|Drive|Way|Lane|Boulevard|St|Ave|Rd)\b"),
    "counselor": _words("counselor"),
    "asks_name": _words("What name should", "leave your name"),
    "asks_contact": _words("phone number or (an )?e-mail"),
    "reads_back": _words("Is that right\\?"),
    "handoff_done": _words("I've passed your request"),
    "stopped": _words("stopped", "won't pass anything on", "No problem"),
    "reasks": _words(*ASKS),
    "why_answer": _words("I ask ", "lets me search", "uses your name", "needs a phone number",
                         "I read your details back", "I ask so that"),
    "crisis": _words("988"),
    "feeling": _words("sounds really hard", "sorry it's been so hard", "makes sense to feel"),
    "did_you_mean": _words("Did you mean", "didn.t catch that"),
    "oos": _words("can't help with that", "I still don't follow", "Did you mean"),
    "goodbye": _words("Good luck", "Take care", "Come back any time"),
    "thanks_reply": _words("You're welcome"),
    "no_problem": _words("No problem"),
    "any": lambda r: True,
}
OUT_OF_SCOPE_TAGS = {"oos", "did_you_mean"}


@dataclass
class Turn:
    user: str
    expect: List[str]
    forbid: List[str] = field(default_factory=list)
    contains: List[str] = field(default_factory=list)

    @property
    def may_fall_back(self) -> bool:
        return bool(OUT_OF_SCOPE_TAGS & set(self.expect))

    def problems(self, reply: Reply) -> List[str]:
        found = [f"expected {tag}" for tag in self.expect if not TAGS[tag](reply)]
        found += [f"must not be {tag}" for tag in self.forbid if TAGS[tag](reply)]
        found += [f"should contain {part!r}" for part in self.contains
                  if part.lower() not in reply.text.lower()]
        if not self.may_fall_back and BARE_FALLBACK.search(reply.text):
            found.append("bare fallback")
        return found


@dataclass
class Conversation:
    name: str
    source: str
    turns: List[Turn]


def load_corpus() -> List[Conversation]:
    conversations = []
    for path in sorted(CORPUS_DIR.glob("*.yml")):
        for raw in yaml.safe_load(path.read_text(encoding="utf-8"))["conversations"]:
            turns = [Turn(t["user"], list(t["expect"]), list(t.get("not", [])),
                          list(t.get("contains", []))) for t in raw["turns"]]
            conversations.append(Conversation(raw["name"], path.name, turns))
    return conversations


CORPUS = load_corpus()


def test_the_corpus_is_large_and_well_formed():
    names = [c.name for c in CORPUS]
    assert len(CORPUS) >= 150 and len(set(names)) == len(names)
    unknown = {tag for c in CORPUS for t in c.turns for tag in t.expect + t.forbid} - set(TAGS)
    assert not unknown, f"tags without a definition: {sorted(unknown)}"


@pytest.fixture(scope="module")
def corpus_run(assistant):
    """Every conversation, each from a fresh sender: (conversation, [(turn, reply, problems)])."""
    runs = []
    for conversation in CORPUS:
        sender = f"corpus-{uuid.uuid4().hex[:12]}"
        results = []
        for turn in conversation.turns:
            replies = assistant.send(sender, turn.user)
            reply = Reply(texts(replies), buttons(replies))
            results.append((turn, reply, turn.problems(reply)))
        runs.append((conversation, results))
    return runs


def test_the_corpus_passes_and_rarely_falls_back(corpus_run):
    turns = [result for _, results in corpus_run for result in results]
    passed = [c for c, results in corpus_run if not any(problems for _, _, problems in results)]
    bare = [r for t, r, _ in turns if BARE_FALLBACK.search(r.text)]
    bare_in_scope = [r for t, r, _ in turns if not t.may_fall_back and BARE_FALLBACK.search(r.text)]
    figures = {"conversations": len(corpus_run), "turns": len(turns),
               "pass_rate": round(len(passed) / len(corpus_run), 4),
               "bare_fallback_share": round(len(bare) / len(turns), 4),
               "bare_fallback_share_in_scope_turns": round(len(bare_in_scope) / len(turns), 4)}
    failures = [f"{c.source} {c.name} turn {i + 1} {t.user!r}: {', '.join(problems)} | "
                f"{r.text[:160]!r}"
                for c, results in corpus_run for i, (t, r, problems) in enumerate(results) if problems]
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps({**figures, "failures": failures}, indent=2))
    print("\n" + json.dumps(figures))
    report = "\n".join(failures)
    assert figures["bare_fallback_share_in_scope_turns"] <= MAX_BARE_FALLBACK_SHARE, report
    assert figures["pass_rate"] >= MIN_PASS_RATE, report
