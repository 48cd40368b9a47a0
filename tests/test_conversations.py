"""Real conversations over the REST channel with the trained model, the Rasa server and the
action server running: what a person reads, and what staff will find in the tracker."""
from __future__ import annotations

import pytest

from careerbot.office import load_office
from tests.support import nlu_eval
from tests.support.servers import buttons, texts

OFFICE = load_office()
MAIN_MENU = ["Job vs. career", "Turn my job into a career", "Explore careers", "Find job openings",
             "Something is in my way", "Find local help", "Talk to a counselor"]


def test_greeting_says_what_the_assistant_can_do_with_buttons(chat):
    replies = chat("hello there")
    assert "career assistant" in texts(replies)
    assert OFFICE.display_name in texts(replies)
    assert buttons(replies) == MAIN_MENU


def test_capabilities_as_buttons(chat):
    assert buttons(chat("what can you help me with?")) == MAIN_MENU


def test_job_definition_with_the_articles_examples(chat):
    answer = texts(chat("what counts as a job?"))
    for example in ("cashier", "seasonal event", "ride-share"):
        assert example in answer


def test_career_definition_with_the_nurse_example(chat):
    answer = texts(chat("what is a career?"))
    assert "entry-level nurse" in answer and "nurse practitioner" in answer


def test_buttons_carrying_entities_are_sent_intact_without_logging_errors(chat, assistant):
    replies = chat("how do jobs and careers differ")
    payloads = [b["payload"] for r in replies for b in r.get("buttons", [])]
    assert '/ask_job_vs_career{"aspect": "timeframe"}' in payloads
    assert "Timeframe:" in texts(chat(payloads[0]))
    assert "interpolator" not in assistant.rasa.log()


def test_general_difference_summarises_the_five_and_offers_each_aspect(chat):
    replies = chat("what's the difference between a job and a career")
    answer = texts(replies)
    for aspect in ("Timeframe", "Goals", "Education and training", "Advancement", "Benefits"):
        assert aspect in answer
    assert {"Timeframe", "Goals", "Education", "Advancement", "Benefits"} <= set(buttons(replies))


@pytest.mark.parametrize("question, opening", [
    ("do careers have better benefits?", "Benefits:"),
    ("can you move up more in a career than in a job", "Advancement:"),
    ("is a career more long term than a job", "Timeframe:"),
])
def test_one_aspect_gets_only_that_aspects_answer(chat, question, opening):
    answer = texts(chat(question))
    assert answer.startswith(opening) and "Five key differences" not in answer


def test_five_steps_one_at_a_time_with_more_skip_and_a_digression(chat, assistant):
    answer = texts(chat("how do I turn my job into a career?"))
    assert "five steps" in answer and "Step 1 of 5: Identify your interests and strengths" in answer
    assert "O*NET Interest Profiler" in texts(chat("tell me more"))
    assert "Step 2 of 5: Seek out training and education" in texts(chat("next"))
    digression = texts(chat("what is a career?"))
    assert "nurse practitioner" in digression
    assert "Back to the five steps" in digression and "Step 2 of 5" in digression
    assert "Step 3 of 5: Gain experience" in texts(chat("skip"))
    assert "Step 4 of 5: Network and find mentors" in texts(chat("next"))
    assert "Step 5 of 5: Set long-term goals" in texts(chat("next"))
    assert "That's all five steps" in texts(chat("next"))
    assert "not going through the five steps" in texts(chat("next"))


def test_career_exploration_tools_and_job_search_platforms_with_official_addresses(chat):
    tools = texts(chat("is there a career quiz I can take?"))
    for address in ("https://www.mynextmove.org/explore/ip", "https://www.mynextmove.org",
                    "https://www.onetonline.org"):
        assert address in tools
    platforms = texts(chat("where can I look for job openings?"))
    assert "https://www.indeed.com" in platforms and "https://www.linkedin.com/jobs" in platforms
    assert "workforce development agencies" in platforms


@pytest.mark.parametrize("barrier, advice", [
    ("experience", "internships, volunteer opportunities or temporary roles"),
    ("education", "community colleges or adult education programs"),
    ("uncertainty", "O*NET Interest Profiler"),
    ("transportation", "non-profit organizations and workforce agencies"),
    ("childcare", "non-profit organizations and workforce agencies"),
    ("financial", "financial aid or scholarships"),
])
def test_each_barrier_gets_the_articles_advice_then_an_offer_of_local_help(chat, barrier, advice):
    replies = chat(f'/share_barrier{{"barrier": "{barrier}"}}')
    assert advice in texts(replies)
    assert buttons(replies) == ["Yes, find local help", "No thanks"]


def test_a_barrier_in_plain_words_then_accepting_local_help_searches_for_it(chat, assistant):
    replies = chat("I don't have a car")
    assert "Transportation" in texts(replies) and "find local help" in texts(replies)
    assert "ZIP code or city" in texts(chat("yes please"))
    assert "Sample Ride-to-Work Transportation Program" in texts(chat("62704"))
    assert assistant.tracker(chat.sender)["slots"]["barrier"] == "transportation"


def test_two_barriers_in_one_message_get_advice_on_each_and_a_search_for_each(chat):
    replies = texts(chat("no car and nobody to watch my kids"))
    assert "Transportation can make work" in replies and "Childcare is a real barrier" in replies
    assert "ZIP code or city" in texts(chat("yes"))
    results = texts(chat("62704"))
    assert "Transportation assistance programs near" in results
    assert "Childcare assistance programs near" in results


@pytest.mark.parametrize("message", [
    "i have a felony, will anyone hire me", "im only 16 can i work", "i have a disability"])
def test_a_need_the_content_does_not_cover_gets_an_honest_answer_and_a_counselor(chat, message):
    replies = chat(message)
    assert "counselor" in texts(replies) and "Talk to a counselor" in buttons(replies)
    assert "can't help" not in texts(replies)


def test_questions_about_the_listings_shown_are_answered_from_the_directory(chat):
    assert "nearest first" in texts(chat("find a career center near 62704"))
    saturday = texts(chat("r they open saturday"))
    assert "Saturday" in saturday and "can't help" not in saturday
    cost = texts(chat("is it free"))
    assert "Free" in cost
    closest = texts(chat("which one is closest"))
    assert "closest" in closest.lower() and "miles" in closest


@pytest.mark.parametrize("question", ["how much", "do i gotta pay for it"])
def test_a_cost_question_the_classifier_takes_for_more_or_goodbye_is_answered(chat, question):
    """Right after listings, DIET reads "how much" as "show me more" and "do i gotta pay for it"
    as a goodbye; the listings' fees are what the person gets."""
    assert "nearest first" in texts(chat("find a career center near 62704"))
    cost = texts(chat(question))
    assert "Free" in cost
    assert "Good luck" not in cost and "no more results" not in cost


def test_a_goodbye_right_after_listings_is_still_a_goodbye(chat):
    assert "nearest first" in texts(chat("find a career center near 62704"))
    assert "Good luck" in texts(chat("ok thanks bye"))


def test_asking_what_services_cost_before_any_search_gets_the_articles_answer(chat):
    replies = chat("is the help free?")
    assert "typically offer free resources" in texts(replies)
    assert "Find local help" in buttons(replies)


def test_a_barrier_without_a_name_is_asked_back_with_buttons(chat):
    replies = chat("/share_barrier")
    assert "What's getting in your way?" in texts(replies)
    assert "Childcare" in buttons(replies)


def test_asking_for_a_human_gives_the_office_and_records_valid_contact_details(chat, assistant):
    office = texts(chat("can I talk to a real person"))
    for detail in (OFFICE.phone, OFFICE.email, OFFICE.address, OFFICE.hours, OFFICE.website):
        assert detail in office
    assert "What name" in texts(chat("yes"))
    assert "What phone number or e-mail" in texts(chat("my name is maria lopez"))
    assert "doesn't look like a phone number" in texts(chat("555-01"))
    # Read back before anything reaches staff.
    assert "Maria Lopez, 217-555-0134. Is that right?" in texts(chat("(217) 555-0134"))
    assert assistant.tracker(chat.sender)["slots"]["handoff_requested"] is False
    recorded = texts(chat("yes"))
    assert "Maria Lopez" in recorded and "217-555-0134" in recorded
    slots = assistant.tracker(chat.sender)["slots"]
    assert slots["handoff_requested"] is True
    assert (slots["contact_name"], slots["contact_detail"]) == ("Maria Lopez", "217-555-0134")
    # Contact details reach staff through the tracker store, never through the logs.
    logs = assistant.rasa.log() + assistant.actions.log()
    assert "555-0134" not in logs and "Maria" not in logs


def test_leaving_contact_details_can_be_cancelled(chat, assistant):
    chat("I want to speak to a counselor")
    chat("yes")
    assert "won't pass anything on" in texts(chat("no, cancel"))
    assert assistant.tracker(chat.sender)["slots"]["handoff_requested"] is False


def crisis_examples():
    return [e.text for e in nlu_eval.load_examples() if e.intent == "crisis"] + [
        "honestly I want to end my life", "my husband hits me"]  # from the test stories


@pytest.mark.parametrize("message", crisis_examples())
def test_every_crisis_example_gets_the_crisis_lines_and_is_flagged(chat, assistant, message):
    answer = texts(chat(message))
    assert "988" in answer and "911" in answer
    assert assistant.tracker(chat.sender)["slots"]["crisis_flag"] is True


def test_violence_at_home_adds_the_domestic_violence_hotline(chat):
    answer = texts(chat("my boyfriend hits me when he's drunk"))
    assert "1-800-799-7233" in answer and "988" in answer


def test_crisis_is_answered_even_in_the_middle_of_a_form(chat):
    chat("can I talk to someone")
    chat("yes")
    assert "988" in texts(chat("I want to kill myself"))
    # The form has ended: the next message is not taken as a name.
    assert "What phone number" not in texts(chat("Maria"))


@pytest.mark.parametrize("message", ["what's the weather like tomorrow?", "how do I unclog a drain",
                                     "who won the super bowl"])
def test_out_of_scope_gets_the_fallback_not_a_different_answer(chat, message):
    replies = chat(message)
    # The plain fallback with the menu, or, for a message that looks a little like a topic
    # (a drain and a "barrier"), the offer of that topic: never an answer to another question.
    if "Did you mean one of these?" in texts(replies):
        assert buttons(replies)[-1] == "Something else" and len(replies) == 1
    else:
        assert "can't help with that" in texts(replies)
        assert buttons(replies) == MAIN_MENU


@pytest.mark.parametrize("message", ["", "   ", "😀😀😀", "¿Dónde puedo encontrar ayuda con mi currículum?",
                                     "career " * 700 + "x" * 100])
def test_bad_input_gets_a_sensible_reply(chat, message):
    replies = chat(message)
    assert replies and all(r.get("text") for r in replies)


def test_a_message_not_understood_offers_its_likeliest_topics_then_the_menu_and_a_person(chat):
    first = chat("about the work")  # not understood, but about the assistant's subject
    assert "Did you mean one of these?" in texts(first) and "can't help" not in texts(first)
    topics = buttons(first)
    assert len(topics) >= 2 and topics[-1] == "Something else" and set(topics) < set(MAIN_MENU) | {
        "What a job is", "What a career is", "Something else"}
    second = chat("things about work")  # not understood either
    assert "I still don't follow" in texts(second) and OFFICE.phone in texts(second)
    assert buttons(second) == MAIN_MENU
    # Never the same block three times in a row.
    assert "Did you mean one of these?" in texts(chat("about the work"))
