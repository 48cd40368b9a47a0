"""Custom actions, run as the action server runs them: rasa_sdk Tracker + CollectingDispatcher."""
from __future__ import annotations

import asyncio
from typing import Any, Dict, List, Optional

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.content import ActionBarrierAdvice, ActionExplainDifference
from actions.handoff import ValidateHandoffForm
from actions.walkthrough import ActionAskStepChoice, ActionStartCareerSteps, ValidateCareerStepsForm


def tracker(intent: str = "greet", entities: Optional[List[dict]] = None,
            slots: Optional[Dict[str, Any]] = None, active_loop: Optional[str] = None,
            events: Optional[list] = None) -> Tracker:
    message = {"intent": {"name": intent, "confidence": 0.99}, "entities": entities or [], "text": "..."}
    return Tracker("person-1", slots or {}, message, events or [], False, None,
                   {"name": active_loop} if active_loop else {}, "action_listen")


def run(action, dispatcher, current):
    return asyncio.run(action.run(dispatcher, current, {}))


def responses(dispatcher: CollectingDispatcher) -> List[str]:
    return [m["response"] for m in dispatcher.messages]


def test_difference_uses_the_aspect_of_the_latest_message_only():
    dispatcher = CollectingDispatcher()
    run(ActionExplainDifference(), dispatcher,
        tracker("ask_job_vs_career", [{"entity": "aspect", "value": "advancement"}]))
    assert responses(dispatcher) == ["utter_difference_advancement"]
    dispatcher = CollectingDispatcher()
    # An aspect remembered in the slot from an earlier question does not change a general one.
    run(ActionExplainDifference(), dispatcher, tracker("ask_job_vs_career", slots={"aspect": "benefits"}))
    assert responses(dispatcher) == ["utter_difference_summary"]


@pytest.mark.parametrize("barrier", ["experience", "education", "uncertainty", "transportation",
                                     "childcare", "financial"])
def test_each_barrier_gets_its_advice_then_the_offer_of_local_help(barrier):
    dispatcher = CollectingDispatcher()
    run(ActionBarrierAdvice(), dispatcher, tracker("share_barrier", [{"entity": "barrier", "value": barrier}]))
    assert responses(dispatcher) == [f"utter_barrier_{barrier}", "utter_offer_local_help"]


def test_a_barrier_without_a_name_is_asked_back():
    dispatcher = CollectingDispatcher()
    run(ActionBarrierAdvice(), dispatcher, tracker("share_barrier"))
    assert responses(dispatcher) == ["utter_ask_barrier"]


def test_a_barrier_during_the_steps_gets_advice_without_the_offer():
    dispatcher = CollectingDispatcher()
    run(ActionBarrierAdvice(), dispatcher,
        tracker("share_barrier", [{"entity": "barrier", "value": "childcare"}],
                active_loop="career_steps_form"))
    assert responses(dispatcher) == ["utter_barrier_childcare"]


def test_starting_the_steps_resets_them_to_step_one():
    dispatcher = CollectingDispatcher()
    events = run(ActionStartCareerSteps(), dispatcher, tracker("ask_turn_job_into_career",
                                                                slots={"career_step": 4.0}))
    assert responses(dispatcher) == ["utter_steps_intro"]
    assert SlotSet("career_step", 1.0) in events and SlotSet("step_choice", None) in events


def test_the_step_is_shown_and_after_a_digression_introduced_as_a_return():
    dispatcher = CollectingDispatcher()
    run(ActionAskStepChoice(), dispatcher, tracker("next_step", slots={"career_step": 3.0}))
    assert responses(dispatcher) == ["utter_step_3"]
    dispatcher = CollectingDispatcher()
    run(ActionAskStepChoice(), dispatcher, tracker("ask_career_definition", slots={"career_step": 3.0}))
    assert responses(dispatcher) == ["utter_steps_resume", "utter_step_3"]


def test_after_a_detail_the_step_is_not_repeated():
    dispatcher = CollectingDispatcher()
    events = run(ActionAskStepChoice(), dispatcher,
                 tracker("ask_more", slots={"career_step": 2.0, "step_detail_shown": True}))
    assert responses(dispatcher) == [] and events == [SlotSet("step_detail_shown", False)]


@pytest.mark.parametrize("step, choice, expected, shown", [
    (1, "next", {"step_choice": None, "career_step": 2.0}, []),
    (2, "skip", {"step_choice": None, "career_step": 3.0}, []),
    (4, "more", {"step_choice": None, "step_detail_shown": True}, ["utter_step_4_detail"]),
    (5, "next", {"step_choice": "done"}, []),
    (3, None, {"step_choice": None}, []),
])
def test_step_choices(step, choice, expected, shown):
    dispatcher = CollectingDispatcher()
    result = ValidateCareerStepsForm().validate_step_choice(
        choice, dispatcher, tracker(slots={"career_step": float(step)}), {})
    assert result == expected and responses(dispatcher) == shown


def test_handoff_form_accepts_a_name_and_refuses_a_question():
    form, dispatcher = ValidateHandoffForm(), CollectingDispatcher()
    assert form.validate_contact_name("my name is maria", dispatcher, tracker(), {}) == {"contact_name": "Maria"}
    assert form.validate_contact_name("what is a job?", dispatcher, tracker(), {}) == {"contact_name": None}
    assert responses(dispatcher) == ["utter_invalid_contact_name"]


def test_handoff_form_takes_only_a_valid_phone_or_email():
    form, dispatcher = ValidateHandoffForm(), CollectingDispatcher()
    assert form.validate_contact_detail("555-0134", dispatcher, tracker(), {}) == {"contact_detail": None}
    assert responses(dispatcher) == ["utter_invalid_contact_detail"]
    assert form.validate_contact_detail("(217) 555-0134", dispatcher, tracker(), {}) == {
        "contact_detail": "217-555-0134"}


def test_handoff_is_marked_only_once_the_details_read_back_are_confirmed():
    form, dispatcher = ValidateHandoffForm(), CollectingDispatcher()
    assert form.validate_contact_confirmed(True, dispatcher, tracker(), {}) == {
        "contact_confirmed": True, "handoff_requested": True}
    assert form.validate_contact_confirmed(False, dispatcher, tracker(), {}) == {
        "contact_confirmed": None, "contact_detail": None}  # a plain "no": the name is kept
    assert responses(dispatcher) == ["utter_contact_fix"]


def test_a_city_in_several_states_is_the_one_in_the_offices_state():
    from actions.referrals import ValidateReferralForm
    dispatcher = CollectingDispatcher()
    result = ValidateReferralForm().validate_location("Springfield", dispatcher, tracker("inform"), {})
    assert result == {"location": "Springfield, IL", "location_failures": 0}
    assert dispatcher.messages[0]["response"] == "utter_place_assumed"


def test_a_city_in_a_few_states_none_the_offices_is_asked_back_with_a_button_per_state():
    from actions.referrals import ValidateReferralForm
    dispatcher = CollectingDispatcher()
    result = ValidateReferralForm().validate_location("Fresno", dispatcher, tracker("inform"), {})
    assert result == {"location": None}
    message = dispatcher.messages[0]
    assert message["response"] == "utter_ask_which_state"
    assert 2 <= len(message["buttons"]) <= 4
    assert {"title": "Fresno, CA", "payload": '/inform{"location": "Fresno, CA"}'} in message["buttons"]


def test_a_known_place_is_stored_with_its_state_and_zip():
    from actions.referrals import ValidateReferralForm
    result = ValidateReferralForm().validate_location("62704", CollectingDispatcher(), tracker("inform"), {})
    assert result == {"location": "Springfield, IL 62704", "location_failures": 0}


def test_the_second_unknown_place_gives_up_with_the_office():
    from actions.referrals import ValidateReferralForm
    form, dispatcher = ValidateReferralForm(), CollectingDispatcher()
    first = form.validate_location("00000", dispatcher, tracker("inform"), {})
    assert first == {"location": None, "location_failures": 1}
    second = form.validate_location("Narnia", dispatcher, tracker("inform", slots={"location_failures": 1.0}), {})
    assert second["referral_gave_up"] is True
    assert responses(dispatcher) == ["utter_unknown_zip", "utter_referral_office_instead"]


def test_a_kind_of_help_typed_in_words_is_mapped_to_the_contract():
    from actions.referrals import ValidateReferralForm
    form, dispatcher = ValidateReferralForm(), CollectingDispatcher()
    assert form.validate_resource_type("ged classes", dispatcher, tracker("inform"), {}) == {
        "resource_type": "adult_education", "resource_type_failures": 0}
    assert form.validate_resource_type("a unicorn", dispatcher, tracker("inform"), {}) == {
        "resource_type": None, "resource_type_failures": 1}


@pytest.fixture
def sample_directory(tmp_path, monkeypatch):
    """The sample resource directory, imported into a fresh data directory for the actions."""
    import subprocess
    import sys

    from actions.directory import directory
    from tests.support.servers import SAMPLE_DIRECTORY
    monkeypatch.setenv("CAREERBOT_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    subprocess.run([sys.executable, "-m", "careerbot.directory", "import", str(SAMPLE_DIRECTORY)],
                   check=True, capture_output=True)
    directory.cache_clear()
    yield
    directory.cache_clear()


def barrier_message(*barriers: str) -> dict:
    """The person's message naming `barriers`, as the action server receives it."""
    return {"event": "user", "text": "...", "parse_data": {
        "intent": {"name": "share_barrier"},
        "entities": [{"entity": "barrier", "value": barrier} for barrier in barriers]}}


def test_accepting_help_for_a_barrier_searches_what_helps_with_it(sample_directory):
    from actions.referrals import ActionStartBarrierReferral
    events = run(ActionStartBarrierReferral(), CollectingDispatcher(),
                 tracker("affirm", events=[barrier_message("education")]))
    assert events == [SlotSet("referral_barriers", ["education"]),
                      SlotSet("resource_type", "adult_education")]


def test_two_barriers_in_one_message_get_advice_each_and_a_search_each(sample_directory):
    from actions.referrals import ActionSearchReferrals, ActionStartBarrierReferral
    dispatcher = CollectingDispatcher()
    run(ActionBarrierAdvice(), dispatcher, tracker("share_barrier", [
        {"entity": "barrier", "value": "transportation"}, {"entity": "barrier", "value": "childcare"}]))
    assert responses(dispatcher) == ["utter_barrier_transportation", "utter_barrier_childcare",
                                     "utter_offer_local_help_for_each"]
    events = run(ActionStartBarrierReferral(), CollectingDispatcher(), tracker(
        "affirm", events=[barrier_message("transportation", "childcare"), {"event": "bot"}]))
    assert SlotSet("referral_barriers", ["transportation", "childcare"]) in events
    dispatcher = CollectingDispatcher()
    run(ActionSearchReferrals(), dispatcher, tracker("inform", slots={
        "referral_barriers": ["transportation", "childcare"], "location": "Springfield, IL 62704",
        "referrals_shown": []}))
    replies = [m["text"] for m in dispatcher.messages]
    assert replies[0].startswith("Transportation assistance programs near Springfield")
    assert replies[1].startswith("Childcare assistance programs near Springfield")


def test_search_shows_the_nearest_three_records_them_and_offers_more(sample_directory):
    from actions.referrals import ActionSearchReferrals, ActionShowMoreReferrals
    dispatcher = CollectingDispatcher()
    slots = {"referral_barriers": ["experience"], "resource_type": "workforce_center",
             "location": "Springfield, IL 62704", "referrals_shown": []}
    events = run(ActionSearchReferrals(), dispatcher, tracker("inform", slots=slots))
    reply = dispatcher.messages[0]
    assert "nearest first (1–3 of 5)" in reply["text"] and "(sample listing)" in reply["text"]
    assert reply["buttons"] == [{"title": "Show more", "payload": "/ask_more"}]
    shown = next(e["value"] for e in events if e["name"] == "referrals_shown")
    assert len(shown) == 3 and {"id", "name", "category"} <= set(shown[0])
    assert SlotSet("referral_offset", 3.0) in events

    dispatcher = CollectingDispatcher()
    more = run(ActionShowMoreReferrals(), dispatcher,
               tracker("ask_more", slots={**slots, "referrals_shown": shown, "referral_offset": 3.0}))
    assert "(4–5 of 5)" in dispatcher.messages[0]["text"] and not dispatcher.messages[0]["buttons"]
    assert len(next(e["value"] for e in more if e["name"] == "referrals_shown")) == 5


def test_search_after_giving_up_on_the_place_only_resets_the_form(sample_directory):
    from actions.referrals import ActionSearchReferrals
    dispatcher = CollectingDispatcher()
    events = run(ActionSearchReferrals(), dispatcher, tracker("inform", slots={"referral_gave_up": True}))
    assert dispatcher.messages == [] and events == [SlotSet("referral_gave_up", False)]


def said(text: str, intent: str, slots: Optional[Dict[str, Any]] = None,
         active_loop: Optional[str] = None, entities: Optional[List[dict]] = None) -> Tracker:
    """The tracker after the person typed `text`."""
    message = {"intent": {"name": intent, "confidence": 0.9}, "entities": entities or [],
               "text": text, "intent_ranking": [{"name": intent, "confidence": 0.9}]}
    return Tracker("person-1", slots or {}, message, [], False, None,
                   {"name": active_loop} if active_loop else {}, "action_listen")


@pytest.mark.parametrize("text, intent, requested, reply", [
    ("Nia", "nlu_fallback", "contact_name", []),                       # the form takes it
    ("nia.j@hotmail.com", "out_of_scope", "contact_detail", []),
    ("Tucson, AZ", "out_of_scope", "location", []),
    ("jjjjjjjj", "nlu_fallback", "location", ["utter_didnt_catch_that"]),
    ("whats the weather tomorrow", "out_of_scope", "contact_name", ["utter_fallback_in_form"]),
])
def test_a_message_a_form_did_not_expect_gets_one_line_or_none(text, intent, requested, reply):
    from actions.fallback import ActionFallbackInForm
    dispatcher = CollectingDispatcher()
    run(ActionFallbackInForm(), dispatcher,
        said(text, intent, slots={"requested_slot": requested}, active_loop="handoff_form"))
    assert responses(dispatcher) == reply


@pytest.mark.parametrize("text, reply", [
    ("qwerty", ["utter_didnt_catch_that", "utter_capabilities"]),     # mashing: the menu
    ("and goals?", ["utter_difference_goals"]),                      # a follow-up of a few words
    ("tell me about the moon landing", ["utter_fallback"]),
])
def test_a_message_not_understood_gets_what_it_can_still_mean(text, reply):
    from actions.fallback import ActionDidYouMean
    dispatcher = CollectingDispatcher()
    run(ActionDidYouMean(), dispatcher, said(text, "out_of_scope"))
    assert responses(dispatcher) == reply


def test_the_kind_of_help_asked_twice_in_vain_becomes_general_help_not_a_loop():
    from actions.referrals import ValidateReferralForm
    form, dispatcher = ValidateReferralForm(), CollectingDispatcher()
    first = form.validate_resource_type("uh idk", dispatcher, said("uh idk", "inform"), {})
    assert first == {"resource_type": None, "resource_type_failures": 1}
    second = form.validate_resource_type("whatever", dispatcher, said(
        "whatever", "inform", slots={"resource_type_failures": 1}), {})
    assert second["resource_type"] == "workforce_center"
    assert responses(dispatcher) == ["utter_unknown_resource_type", "utter_searching_general_help"]


def test_a_barrier_given_as_the_kind_of_help_searches_what_helps_with_it(sample_directory):
    from actions.referrals import ValidateReferralForm
    form, dispatcher = ValidateReferralForm(), CollectingDispatcher()
    text = "well i never finished high school so something for that"
    chosen = form.validate_resource_type(text, dispatcher, said(
        text, "share_barrier", entities=[{"entity": "barrier", "value": "education"}]), {})
    assert chosen == {"resource_type": "adult_education", "referral_barriers": ["education"]}
    assert not dispatcher.messages


def test_a_corrected_number_at_the_read_back_is_taken_and_read_back_again():
    from actions.handoff import ValidateHandoffForm
    dispatcher = CollectingDispatcher()
    corrected = ValidateHandoffForm().validate_contact_confirmed(False, dispatcher, said(
        "no sorry its 217 555 0186", "deny",
        slots={"contact_name": "Derek", "contact_detail": "217-555-0168"}), {})
    assert corrected == {"contact_confirmed": None, "contact_name": "Derek",
                         "contact_detail": "217-555-0186"}
