"""serving/action_failure.py's checks that need no running server."""
from __future__ import annotations

import pytest
from jsonschema import ValidationError

from serving import action_failure
from serving.action_failure import RemoteActionWithFallback


def test_action_responses_are_still_checked_against_rasas_schema():
    action = RemoteActionWithFallback("action_search_referrals", None)
    assert action._validate_action_result({"events": [{"event": "slot", "name": "x", "value": 1}],
                                           "responses": [{"text": "hello"}]})
    with pytest.raises(ValidationError):
        action._validate_action_result({"events": "not a list"})
    for bad_event in ({"event": "slot", "value": 1},  # a slot event names its slot
                      {"event": "no_such_event"}, {"name": "x"},
                      {"event": "user", "text": 5}, {"event": "bot", "timestamp": "noon"}):
        with pytest.raises(ValidationError):
            action._validate_action_result({"events": [bad_event]})
    with pytest.raises(ValidationError):
        action._validate_action_result({"responses": ["not an object"]})


def test_an_action_timeout_as_long_as_the_lock_is_refused_at_start_up(monkeypatch):
    monkeypatch.setenv("ACTION_SERVER_TIMEOUT", "60")
    monkeypatch.setenv("TICKET_LOCK_LIFETIME", "60")
    with pytest.raises(SystemExit, match="must be shorter than TICKET_LOCK_LIFETIME"):
        action_failure.install()
