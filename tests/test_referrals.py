"""Local referrals end to end: the referral form, the search over the sample directory, "show
more", changing place or category, and entry from each barrier, against the running servers."""
from __future__ import annotations

import pytest

from careerbot.office import load_office
from tests.support.servers import buttons, texts

OFFICE = load_office()


def test_kind_and_place_in_one_message_gives_the_nearest_listings(chat, assistant):
    answer = texts(chat("are there any job centers near 62704?"))
    assert "Workforce centers (American Job Centers) near Springfield, IL 62704" in answer
    assert "Sample Prairie Workforce Center" in answer and "(sample listing)" in answer
    assert "miles" in answer and "217-555-0101" in answer and "Eligibility:" in answer
    shown = assistant.tracker(chat.sender)["slots"]["referrals_shown"]
    assert shown and shown[0]["category"] == "workforce_center"


def test_missing_details_are_asked_and_bad_places_re_asked(chat):
    replies = chat("where can I get some help around here")
    assert "What kind of help" in texts(replies) and "Library" in buttons(replies)
    assert "ZIP code or city" in texts(chat('/inform{"resource_type": "library"}'))
    assert "couldn't find the ZIP code 00000" in texts(chat("00000"))
    # A city in 24 states is the one in the office's state (office.yml), said so, no 24 buttons.
    replies = chat("Springfield")
    answer = texts(replies)
    assert "I'm searching near Springfield, IL" in answer and "Springfield, MO" in answer
    assert "Libraries with job and career help near Springfield, IL" in answer
    assert not [b for b in buttons(replies) if b.startswith("Springfield")]


def test_a_city_in_several_states_none_of_them_the_offices_is_asked_back_without_a_wall_of_buttons(chat):
    chat("find me a library")
    replies = chat("Austin")
    assert "There are towns called Austin in several states" in texts(replies)
    assert buttons(replies) == []
    assert "Austin, TX" in texts(chat("Austin, TX"))


@pytest.mark.parametrize("typed", ["627O4", "62704-1234"])
def test_a_zip_with_the_letter_o_or_zip_plus_four_is_understood(chat, typed):
    chat("find me a library")
    assert "near Springfield, IL 62704" in texts(chat(typed))


def test_a_place_typed_out_of_the_blue_starts_a_search_there(chat):
    assert "What kind of help" in texts(chat("62704"))
    assert "near Springfield, IL 62704" in texts(chat("a workforce center"))


@pytest.mark.parametrize("typed", ["Sam", "Maria Lopez"])
def test_a_name_typed_out_of_the_blue_starts_no_search(chat, typed):
    answer = texts(chat(typed))
    assert "What kind of help" not in answer and "ZIP code" not in answer
    assert "a place called" not in answer


def test_near_me_is_asked_where_instead_of_searched_as_a_place(chat):
    chat("find me a library")
    answer = texts(chat("somewhere near me"))
    assert "Where are you?" in answer and "a place called" not in answer
    assert "near Springfield, IL 62704" in texts(chat("62704"))


def test_after_two_unknown_places_the_office_is_offered_instead(chat):
    chat("find me a library")
    assert "don't know a place called" in texts(chat("Narnia"))
    answer = texts(chat("Atlantis"))
    assert "having trouble finding that place" in answer and OFFICE.phone in answer
    assert "career assistant" in texts(chat("hello"))  # the search has ended


def test_show_more_pages_through_the_results(chat):
    chat('/share_barrier{"barrier": "experience"}')
    chat("yes")
    replies = chat("62704")
    assert "nearest first (1–3 of 5)" in texts(replies) and "Show more" in buttons(replies)
    more = texts(chat("show more"))
    assert "(4–5 of 5)" in more and "Sample Rochester Career Corner" in more


def test_the_place_is_remembered_and_can_be_changed(chat):
    chat("any career centers near Springfield, IL?")
    assert "Libraries with job and career help near Springfield, IL" in texts(chat("find a library"))
    # Same kind of help, new place (the sample has no library in Austin: it says so).
    answer = texts(chat("what about in Austin, TX"))
    assert "libraries" in answer and "Austin, TX" in answer and "Springfield" not in answer


def test_nothing_found_says_so_and_gives_the_national_finders(chat):
    answer = texts(chat("is there a library near 96801"))
    assert "couldn't find any libraries" in answer
    assert "careeronestop.org" in answer and "211" in answer and OFFICE.phone in answer


@pytest.mark.parametrize("barrier, heading", [
    ("childcare", "Childcare assistance programs near"),
    ("transportation", "Transportation assistance programs near"),
    ("financial", "Financial aid and emergency assistance programs near"),
    ("education", "Adult education programs (GED, ESL, basic skills) or community colleges near"),
    ("experience", "Workforce centers (American Job Centers) or career centers near"),
    ("uncertainty", "Workforce centers (American Job Centers) or career centers near"),
])
def test_each_barrier_leads_to_the_help_for_it(chat, assistant, barrier, heading):
    chat(f'/share_barrier{{"barrier": "{barrier}"}}')
    assert "ZIP code or city" in texts(chat("yes please"))
    assert heading in texts(chat("62704"))
    assert assistant.tracker(chat.sender)["slots"]["referrals_shown"]
