"""Crisis safety: recognise a person in danger in every way they may say it.

`detect_crisis` applies the rules (careerbot/safety/detector.py); `combine` adds the crisis
model's (careerbot/safety/model.py) and the NLU classifier's judgements, as
components/crisis_safety_net.py does for every message.
"""
from careerbot.safety.detector import (DANGER, SUICIDE, VIOLENCE, CrisisSignal, detect_crisis,
                                       classifier_may_decide, warm_up)
from careerbot.safety.decision import CrisisDecision, Judgements, combine

__all__ = ["CrisisDecision", "CrisisSignal", "DANGER", "Judgements", "SUICIDE", "VIOLENCE",
           "combine", "detect_crisis", "classifier_may_decide", "warm_up"]
