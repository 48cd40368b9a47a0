"""Local referrals: the referral form's validation, the search, "show more", barrier entry."""
from __future__ import annotations

import asyncio
import functools
import re
from typing import Any, Dict, List, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.directory import directory
from actions.listing_questions import answer_about_listings_shown
from actions.tracker_reading import conversation_language, entities_of_last, latest_entity
from careerbot.content import barriers_named
from careerbot.directory.format import format_results, more_button_title
from careerbot.directory.mapping import RESOURCE_TYPES
from careerbot.directory.search import SearchResult
from careerbot.entity_lexicon import normalise_text
from careerbot.office import current_office
from careerbot.places import PlaceIndex

# After this many places it cannot find, the form stops and gives the office's contact.
MAX_PLACE_FAILURES = 2
# After this many answers that name no kind of help, the search is for general help.
MAX_KIND_FAILURES = 2
GENERAL_HELP = "workforce_center"
# A city in more states than this is asked back without a button for each ("Springfield": 24).
MAX_STATE_BUTTONS = 4
# Longer than any place name ("Saint Marys City, MD 20686"): a sentence, not a place.
MAX_WORDS_OF_A_PLACE = 5
NEAR_ME = re.compile(r"\b(near|close to|around|by) (me|here|my (house|home|place|area))\b|\bnearby\b"
                     r"|\bin my (area|town|city)\b|\baround here\b", re.IGNORECASE)


def searches(tracker: Tracker) -> List[List[str]]:
    """What to search for, one search a barrier when the search came from barriers ("no car and
    no childcare": transportation help, then childcare help), else the kind of help asked for."""
    barriers = tracker.get_slot("referral_barriers") or []
    if barriers:
        return [list(directory().resource_types_for_barrier(barrier)) for barrier in barriers]
    return [[tracker.get_slot("resource_type")]]


class ValidateReferralForm(FormValidationAction):
    def name(self) -> Text:
        return "validate_referral_form"

    async def required_slots(self, domain_slots: List[Text], dispatcher: CollectingDispatcher,
                             tracker: Tracker, domain: DomainDict) -> List[Text]:
        # Having given the office's contact after repeated unknown places, stop asking.
        return [] if tracker.get_slot("referral_gave_up") else domain_slots

    def validate_resource_type(self, slot_value: Any, dispatcher: CollectingDispatcher,
                               tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        value = slot_value if slot_value in RESOURCE_TYPES else (
            normalise_text("resource_type", slot_value) if isinstance(slot_value, str) else None)
        if value is None:
            # "i never finished high school so something for that": what helps with the barrier.
            barriers = barriers_named(tracker.get_latest_entity_values("barrier"))
            if barriers:
                types = directory().resource_types_for_barrier(barriers[0])
                return {"resource_type": types[0], "referral_barriers": barriers}
            if latest_entity(tracker, "location"):
                # Where they are, said instead of a kind of help: they want to see what is
                # there, so general help is searched (the place is kept by its own mapping).
                dispatcher.utter_message(response="utter_searching_general_help")
                return {"resource_type": GENERAL_HELP, "resource_type_failures": 0}
            failures = int(tracker.get_slot("resource_type_failures") or 0) + 1
            if failures >= MAX_KIND_FAILURES:
                # Never a loop of "what kind?": workforce centers help with most things.
                dispatcher.utter_message(response="utter_searching_general_help")
                return {"resource_type": GENERAL_HELP, "resource_type_failures": 0}
            dispatcher.utter_message(response="utter_unknown_resource_type")
            return {"resource_type": None, "resource_type_failures": failures}
        chosen = {"resource_type": value, "resource_type_failures": 0}
        if latest_entity(tracker, "resource_type"):
            chosen["referral_barriers"] = []  # the person named a kind of help: use it
        return chosen

    def validate_location(self, slot_value: Any, dispatcher: CollectingDispatcher,
                          tracker: Tracker, domain: DomainDict) -> Dict[Text, Any]:
        text = slot_value if isinstance(slot_value, str) else ""
        resolution = PlaceIndex.default().resolve(text)
        if resolution.place is not None:
            return {"location": resolution.place.label, "location_failures": 0}
        if resolution.is_ambiguous:
            return self._one_of_several(resolution.places, dispatcher)
        if resolution.reason == "unknown_place" and NEAR_ME.search(text):
            # "near me", "around here": the person has not said where yet.
            dispatcher.utter_message(response="utter_ask_where_near_me")
            return {"location": None}
        failures = int(tracker.get_slot("location_failures") or 0) + 1
        if failures >= MAX_PLACE_FAILURES:
            dispatcher.utter_message(response="utter_referral_office_instead")
            return {"location": None, "location_failures": 0, "referral_gave_up": True}
        if resolution.reason == "unknown_zip":
            dispatcher.utter_message(response="utter_unknown_zip", zip_code=text.strip()[:10])
        elif len(text.split()) > MAX_WORDS_OF_A_PLACE:
            # A sentence is never read back as the name of a place.
            dispatcher.utter_message(response="utter_no_place_in_that")
        else:
            dispatcher.utter_message(response="utter_unknown_place", place=text.strip()[:60])
        return {"location": None, "location_failures": failures}

    @staticmethod
    def _one_of_several(places, dispatcher: CollectingDispatcher) -> Dict[Text, Any]:
        """A city found in several states: the one in the office's state, said so with the way to
        choose another; elsewhere the person is asked, with a button a state only when few."""
        city = places[0].city
        home = [place for place in places if place.state == current_office().state]
        if home:
            dispatcher.utter_message(response="utter_place_assumed", place=home[0].label, city=city)
            return {"location": home[0].label, "location_failures": 0}
        states = sorted({place.state for place in places})
        buttons = [{"title": f"{city}, {state}", "payload": f'/inform{{"location": "{city}, {state}"}}'}
                   for state in states] if len(states) <= MAX_STATE_BUTTONS else []
        dispatcher.utter_message(response="utter_ask_which_state", city=city, buttons=buttons)
        return {"location": None}


class ActionStartBarrierReferral(Action):
    """Accepting local help after barriers searches what helps with each of them."""

    def name(self) -> Text:
        return "action_start_barrier_referral"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        barriers = barriers_named(entities_of_last(tracker, "share_barrier", "barrier"))
        if not barriers or latest_entity(tracker, "resource_type"):
            # The person named the kind of help they want ("a library near me"): that is searched.
            return [SlotSet("referral_barriers", [])]
        first_types = directory().resource_types_for_barrier(barriers[0])
        return [SlotSet("referral_barriers", barriers), SlotSet("resource_type", first_types[0])]


def _referral_events(tracker: Tracker, results: List[SearchResult]) -> List[Dict[Text, Any]]:
    if not results:
        return []
    shown = list(tracker.get_slot("referrals_shown") or [])
    shown += [listing.referral() for result in results for listing in result.listings]
    next_offset = max(result.next_offset for result in results)
    last = [listing.id for result in results for listing in result.listings]
    return [SlotSet("referrals_shown", shown), SlotSet("referral_offset", float(next_offset)),
            SlotSet("last_listings", last)]


async def _search_and_show(dispatcher: CollectingDispatcher, tracker: Tracker,
                           offset: int) -> List[SearchResult]:
    place = PlaceIndex.default().resolve(tracker.get_slot("location") or "").place
    if place is None:
        dispatcher.utter_message(response="utter_ask_location")
        return []
    # A Spanish speaker sees the listings where Spanish is spoken first.
    language = conversation_language(tracker)
    results = []
    for types in searches(tracker):
        search = functools.partial(directory().search, types, place, offset=offset,
                                   language=language)
        # A live provider may take up to its timeout: its search runs in a thread, keeping the
        # action server's loop free. The office's own directory answers within a millisecond
        # (search p95 0.45 ms on SQLite, 0.92 ms on PostgreSQL, with 100,000 services:
        # bench/results/directory.json), about what the hop to a thread and back cost.
        results.append(await asyncio.to_thread(search) if directory().live_provider else search())
    for index, result in enumerate(results):
        last = index == len(results) - 1
        more = last and any(result.has_more for result in results)
        buttons = [{"title": more_button_title(language), "payload": "/ask_more"}] if more else []
        dispatcher.utter_message(text=format_results(result, current_office(), language),
                                 buttons=buttons)
    return results


class ActionSearchReferrals(Action):
    def name(self) -> Text:
        return "action_search_referrals"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        if tracker.get_slot("referral_gave_up"):
            return [SlotSet("referral_gave_up", False)]
        return _referral_events(tracker, await _search_and_show(dispatcher, tracker, offset=0))


class ActionShowMoreReferrals(Action):
    def name(self) -> Text:
        return "action_show_more_referrals"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        # "how much" right after the listings reads to DIET like "show me more": a question
        # about the listings shown is answered instead.
        if answer_about_listings_shown(dispatcher, tracker):
            return []
        offset = int(tracker.get_slot("referral_offset") or 0)
        return _referral_events(tracker, await _search_and_show(dispatcher, tracker, offset=offset))
