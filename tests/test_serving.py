"""Checks of serving/ that need no running server."""
from __future__ import annotations

import json
import tarfile
from pathlib import Path

import jsonschema
import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.core.policies.rule_policy import RulePolicy

from serving import action_failure, turn_cost
from serving.action_failure import RemoteActionWithFallback
from careerbot.settings import PROJECT_ROOT
from tests.support.graph_components import components, diet_models
from tests.support.servers import latest_model


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


# One value of each JSON type, with the edge cases where drafts and libraries could part: 1.0 as
# an integer, booleans as numbers, empty containers.
JSON_SAMPLES = (None, True, False, 0, 1, 1.0, 1.5, -2, "", "x", "user", [], [1], ["a"], [{}],
                {}, {"a": 1}, {"text": "hi"}, {"name": "x", "confidence": 0.5})


def _responses_to_compare(spec: dict):
    """Responses that vary every property of every event type, one level into objects."""
    for value in JSON_SAMPLES:
        yield {"events": value}
        yield {"responses": value}
        yield {"events": [value]}
        yield {"responses": [value]}
        yield {"responses": [{"text": value, "buttons": value}]}
    items = spec["properties"]["events"]["items"]
    for alternative in items["oneOf"]:
        event = {"event": alternative["properties"]["event"]["const"]}
        yield {"events": [event]}
        properties = {**items["properties"], **alternative["properties"]}
        for name, schema in properties.items():
            if name == "event":
                continue
            for value in JSON_SAMPLES:
                yield {"events": [{**event, name: value}]}
            for inner in (schema.get("properties") or {}):
                for value in JSON_SAMPLES:
                    yield {"events": [{**event, name: {inner: value}}]}


def test_the_compiled_check_accepts_and_refuses_exactly_what_rasas_check_does():
    """serving/action_failure.py checks responses with validators compiled by fastjsonschema (draft
    7); Rasa checks them with jsonschema against the whole schema (draft 2020-12)."""
    spec = RemoteAction.action_response_format_spec()
    ours = action_failure.ActionResponseValidator(spec)
    compared = refused = 0
    for response in _responses_to_compare(spec):
        try:
            jsonschema.validate(response, spec)
            rasa_accepts = True
        except ValidationError:
            rasa_accepts = False
        try:
            ours.validate(response)
            we_accept = True
        except ValidationError:
            we_accept = False
        assert we_accept == rasa_accepts, response
        compared += 1
        refused += not rasa_accepts
    assert compared > 1000 and 0 < refused < compared


def test_an_action_timeout_as_long_as_the_lock_is_refused_at_start_up(monkeypatch):
    monkeypatch.setenv("ACTION_SERVER_TIMEOUT", "60")
    monkeypatch.setenv("TICKET_LOCK_LIFETIME", "60")
    with pytest.raises(SystemExit, match="must be shorter than TICKET_LOCK_LIFETIME"):
        action_failure.install()


def test_rules_looked_up_by_their_last_state_match_exactly_the_rules_rasa_finds(tmp_path):
    """serving/turn_cost.py's index gives RulePolicy the same rule keys as its full scan, for
    the trained model's rules, with every rule's own states (and their endings, and the text
    instead of the intent) as the conversation so far."""
    with tarfile.open(latest_model()) as archive:
        member = next(m for m in archive.getmembers() if m.name.endswith("rule_policy.json"))
        lookup = json.load(archive.extractfile(member))["lookup"]
    policy = RulePolicy.__new__(RulePolicy)  # only the rule-matching methods are used
    # Rules of the shapes this model happens not to have: none, or no name, for the previous action.
    unusual = {json.dumps(states): "utter_greet" for states in (
        [{"user": {"intent": "greet"}}], [{"prev_action": {"action_text": "hello"}}],
        [{"prev_action": {"action_name": "should_not_be_set"}, "user": {"intent": "greet"}}],
        [{"prev_action": {"action_name": "action_listen"}, "user": {"intent": "should_not_be_set"}}])}
    conversations = [json.loads(key) for key in [*lookup["rules"], *unusual]] + [[{}]]
    # The prediction from the message's text: the latest state has the text, not the intent.
    conversations += [states[:-1] + [{**states[-1], "user": {"text": "hi"}}]
                      for states in conversations if states[-1].get("user")]
    compared = matched = 0
    for rules in ({**lookup["rules"], **unusual}, lookup["rules_for_loop_unhappy_path"]):
        for states in conversations:
            for start in range(len(states)):
                expected = turn_cost._rasa_get_possible_keys(policy, rules, states[start:])
                assert turn_cost._get_possible_keys(policy, rules, states[start:]) == expected
                compared += 1
                matched += bool(expected)
    assert compared > 300 and matched > 100  # the comparison covered rules that do match


def test_diet_called_through_its_traced_graph_predicts_exactly_what_rasa_predicts(monkeypatch):
    """serving/turn_cost.py calls DIET's traced prediction graph directly: same intents, ranking,
    confidences and entities as Rasa's tf.function call, on every held-out message."""
    import asyncio

    from rasa.core.agent import Agent
    from rasa.utils.tensorflow.models import RasaModel

    from serving import model_loading
    from tests.support import nlu_eval

    monkeypatch.setattr(RasaModel, "load", RasaModel.load)  # undone after the test
    model_loading.install()
    monkeypatch.setattr(RasaModel, "_rasa_predict", turn_cost._predict_with_traced_graph)
    agent = Agent.load(str(latest_model()))
    loop = asyncio.new_event_loop()
    texts = [example.text for example in nlu_eval.load_examples()]
    ours = [loop.run_until_complete(agent.parse_message(text)) for text in texts]
    assert any(model.__dict__.get("_careerbot_prediction_graph") is not None
               for model in diet_models(agent))  # the direct path was the one taken
    monkeypatch.setattr(RasaModel, "_rasa_predict", turn_cost._rasa_predict)
    rasas = [loop.run_until_complete(agent.parse_message(text)) for text in texts]
    loop.close()
    for text, mine, theirs in zip(texts, ours, rasas):
        assert (mine["intent"], mine["intent_ranking"], mine["entities"]) == (
            theirs["intent"], theirs["intent_ranking"], theirs["entities"]), text


def test_count_vector_features_are_the_matrices_scikit_learn_and_rasa_build():
    """serving/turn_cost.py counts with each vectoriser's analyser and vocabulary and writes COO
    directly: same entries, order, dtypes and shape as Rasa's transform, sort and conversion, for
    the tokens and texts of every held-out message, counted fresh and remembered."""
    import asyncio

    import spacy
    from rasa.core.agent import Agent
    from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import CountVectorsFeaturizer

    from tests.support import nlu_eval

    agent = Agent.load(str(latest_model()))
    asyncio.run(agent.parse_message("hello"))  # scikit-learn sets up the vocabulary on first use
    featurizers = components(agent, CountVectorsFeaturizer)
    assert {featurizer._config["analyzer"] for featurizer in featurizers} == {"word", "char_wb"}
    nlp = spacy.load(PROJECT_ROOT / "build" / "spacy_en_lookup")
    docs = [nlp(example.text) for example in nlu_eval.load_examples()]
    token_lists = [[token.lemma_ for token in doc] for doc in docs] + [[token.text for token in doc] for doc in docs]
    compared = 0
    for featurizer in featurizers:
        for _ in range(2):  # first counted, then remembered
            for tokens in token_lists:
                theirs = turn_cost._rasa_create_count_features(featurizer, "text", [tokens])
                ours = turn_cost._count_vector_features(featurizer, "text", [tokens])
                for a, b in zip(theirs[0] + theirs[1], ours[0] + ours[1]):
                    assert (type(a), a.shape, a.dtype, a.row.dtype, a.col.dtype) == \
                        (type(b), b.shape, b.dtype, b.row.dtype, b.col.dtype)
                    assert (a.row == b.row).all() and (a.col == b.col).all() and (a.data == b.data).all()
                    compared += 1
    assert compared == 2 * 2 * 2 * len(token_lists)
    assert turn_cost._count_vector_features(featurizers[0], "text", [[]]) == ([None], [None])


def test_sparse_features_joined_directly_are_the_matrix_scipy_hstack_builds():
    """serving/turn_cost.py's join of two featurisers' COO features: same entries, order, dtypes
    and shape as Rasa's hstack, for mixed value types; other formats still go through Rasa's."""
    import numpy as np
    import scipy.sparse
    from rasa.shared.nlu.training_data.features import Features

    rng = np.random.default_rng(1)
    for trial in range(100):
        rows = int(rng.integers(1, 8))
        left, right = (scipy.sparse.random(rows, int(rng.integers(1, 50)), density=0.3, format="coo",
                                           random_state=trial * 2 + side,
                                           dtype=rng.choice([np.float32, np.float64, np.int64]))
                       for side in (0, 1))
        theirs, ours = (Features(left.copy(), "sequence", "text", "words") for _ in range(2))
        turn_cost._rasa_combine_sparse_features(theirs, Features(right, "sequence", "text", "chars"))
        turn_cost._combine_sparse_features(ours, Features(right, "sequence", "text", "chars"))
        a, b = theirs.features, ours.features
        assert (type(a), a.shape, a.dtype, a.row.dtype) == (type(b), b.shape, b.dtype, b.row.dtype)
        assert (a.row == b.row).all() and (a.col == b.col).all() and (a.data == b.data).all()
    csr = Features(scipy.sparse.csr_matrix(np.eye(2)), "sequence", "text", "words")
    turn_cost._combine_sparse_features(csr, Features(scipy.sparse.coo_matrix(np.eye(2)), "sequence", "text", "chars"))
    assert csr.features.shape == (2, 4)
    with pytest.raises(ValueError, match="sequence dimensions do not match"):
        turn_cost._combine_sparse_features(
            Features(scipy.sparse.coo_matrix(np.eye(2)), "sequence", "text", "words"),
            Features(scipy.sparse.coo_matrix(np.eye(3)), "sequence", "text", "chars"))


def test_action_calls_share_one_connection_until_it_has_been_idle(monkeypatch):
    """serving/action_connections.py: successive calls to an endpoint reuse one connection, which
    is let go once idle (before the server would close it), and the next call opens a new one;
    the action server reads exactly the payload Rasa sent (written with ujson)."""
    import asyncio

    from aiohttp import web
    from rasa.utils.endpoints import EndpointConfig

    from serving import action_connections

    monkeypatch.setattr(EndpointConfig, "session", EndpointConfig.session)  # undone afterwards
    action_connections.install()
    monkeypatch.setattr(action_connections, "IDLE_CONNECTION_SECONDS", 0.3)
    client_ports, bodies = [], []
    payload = {"next_action": "validate_referral_form", "tracker": {"latest_message": {
        "text": "childcare in Zürich / near \"62704\" 🙂", "confidence": 0.9312345678901234}}}

    async def webhook(request):
        client_ports.append(request.transport.get_extra_info("peername")[1])
        bodies.append(await request.json())
        return web.json_response({"events": [], "responses": []})

    async def scenario():
        app = web.Application()
        app.router.add_post("/webhook", webhook)
        runner = web.AppRunner(app, keepalive_timeout=5)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]
        endpoint = EndpointConfig(f"http://127.0.0.1:{port}/webhook")
        try:
            for _ in range(5):
                assert await endpoint.request(json=payload, method="post") == {
                    "events": [], "responses": []}
            await asyncio.sleep(1.5)
            assert await endpoint.request(json=payload, method="post") == {
                "events": [], "responses": []}
        finally:
            await runner.cleanup()

    asyncio.run(scenario())
    assert len(set(client_ports[:5])) == 1 and client_ports[5] != client_ports[0]
    assert bodies == [payload] * 6


def test_form_validations_are_sent_the_parts_of_the_domain_rasa_sdk_reads(monkeypatch):
    """serving/action_connections.py: a validation action gets the domain's forms and slots as
    Rasa would send them, other actions no domain; and rasa-sdk's and the actions' own code read
    no other part of it (checked on their source, so an upgrade that reads more fails here)."""
    import re

    import rasa_sdk
    from rasa.core.actions.action import RemoteAction
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.trackers import DialogueStateTracker
    from rasa.utils.endpoints import EndpointConfig

    from careerbot.settings import PROJECT_ROOT
    from serving import action_connections

    monkeypatch.setattr(RemoteAction, "_action_call_format", RemoteAction._action_call_format)
    action_connections.install()
    domain = Domain.load(str(PROJECT_ROOT / "domain.yml"))
    endpoint = EndpointConfig("http://127.0.0.1:5055/webhook", enable_selective_domain=True)
    tracker = DialogueStateTracker.from_events("someone", [], domain.slots)
    validation = RemoteAction("validate_referral_form", endpoint)._action_call_format(tracker, domain)
    assert validation["domain"] == {"forms": domain.as_dict()["forms"], "slots": domain.as_dict()["slots"]}
    assert validation["domain"]["forms"]["referral_form"]["required_slots"]
    assert "domain" not in RemoteAction("action_search_referrals", endpoint)._action_call_format(tracker, domain)

    domain_reads = re.compile(r"""domain(?:\.get\(|\[)\s*["'](\w+)["']""")
    sources = [*Path(rasa_sdk.__file__).parent.rglob("*.py"), *(PROJECT_ROOT / "actions").rglob("*.py")]
    read = {part for source in sources for part in domain_reads.findall(source.read_text())}
    assert read and read <= set(action_connections.DOMAIN_PARTS_RASA_SDK_READS), read


def test_domain_emptiness_is_rasas_answer_for_the_project_domain_and_an_empty_one():
    from rasa.shared.core.domain import Domain

    from careerbot.settings import PROJECT_ROOT

    for domain in (Domain.load(str(PROJECT_ROOT / "domain.yml")), Domain.empty()):
        expected = turn_cost._rasa_domain_is_empty(domain)
        assert turn_cost._domain_is_empty(domain) is expected
        assert turn_cost._domain_is_empty(domain) is expected  # the kept answer
    assert turn_cost._domain_is_empty(Domain.empty()) and not turn_cost._domain_is_empty(
        Domain.load(str(PROJECT_ROOT / "domain.yml")))


def test_processor_copies_for_debug_logs_only_when_debug_lines_are_written():
    """serving/turn_cost.py stands in for the `copy` module in Rasa's processor, which uses it
    only for the arguments of its debug log calls: checked on the processor's source, then that
    the copy is skipped at INFO and made at DEBUG."""
    import ast
    import inspect
    import logging

    import rasa.core.processor
    import structlog
    from rasa.utils.log_utils import configure_structlog

    tree = ast.parse(inspect.getsource(rasa.core.processor))
    debug_calls = [node for node in ast.walk(tree) if isinstance(node, ast.Call)
                   and ast.unparse(node.func) == "structlogger.debug"]
    inside_debug_calls = {id(node) for call in debug_calls for node in ast.walk(call)}
    uses = [node for node in ast.walk(tree) if isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name) and node.value.id == "copy"]
    assert uses and all(id(node) in inside_debug_calls for node in uses)

    events = [{"event": "slot", "value": ["a"]}]
    stand_in = turn_cost._DeepCopyForDebugLogs
    before = structlog.get_config()
    try:
        configure_structlog(logging.INFO)
        assert stand_in.deepcopy(events) is events
        configure_structlog(logging.DEBUG)
        copied = stand_in.deepcopy(events)
        assert copied == events and copied is not events and copied[0]["value"] is not events[0]["value"]
    finally:
        structlog.configure(**before)


def test_a_loaded_model_is_left_out_of_garbage_collection_until_it_is_replaced(monkeypatch):
    """serving/garbage_collection.py: once a model is loaded, what it is made of is frozen, so a
    full collection walks only what turns create; a model loaded in its place unfreezes it, and
    the replaced model is collected instead of staying in memory; the new model answers."""
    import asyncio
    import gc
    import weakref

    from rasa.core.agent import Agent

    from serving import garbage_collection

    monkeypatch.setattr(Agent, "load_model", Agent.load_model)  # undone after the test
    garbage_collection.install()
    loop = asyncio.new_event_loop()
    try:
        agent = Agent.load(str(latest_model()))
        frozen = gc.get_freeze_count()
        assert frozen > 100_000 and len(gc.get_objects()) < frozen / 20
        first_parse = loop.run_until_complete(agent.parse_message("find a job center near 62704"))
        replaced = weakref.ref(agent.processor)
        agent.load_model(str(latest_model()))
        assert replaced() is None
        gc.unfreeze()
        garbage = gc.collect()
        print("garbage found once unfrozen", garbage)
        assert garbage < 1_000  # none of the replaced model was kept frozen
        assert loop.run_until_complete(agent.parse_message("find a job center near 62704"))["intent"] == \
            first_parse["intent"]
    finally:
        loop.close()
        gc.unfreeze()


def test_a_trackers_state_with_an_active_form_is_what_rasa_writes_out():
    """Action calls carry the tracker's state as JSON: without the deep copy of the form's
    trigger message it is the same JSON, for each verbosity, and the tracker keeps its form."""
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import ActiveLoop, SlotSet, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity

    domain = Domain.load(str(PROJECT_ROOT / "domain.yml"))
    message = UserUttered("find a job center near 62704", {"name": "find_resource", "confidence": 0.98},
                          [{"entity": "location", "value": "62704", "start": 23, "end": 28}],
                          parse_data={"intent_ranking": [{"name": "find_resource", "confidence": 0.98},
                                                         {"name": "greet", "confidence": 0.01}]})
    tracker = DialogueStateTracker.from_events("someone", [message, ActiveLoop("referral_form"),
                                                           SlotSet("requested_slot", "location")],
                                               slots=domain.slots)
    loop = tracker.active_loop
    assert loop.name == "referral_form" and loop.trigger_message
    for verbosity in EventVerbosity:
        ours = turn_cost._current_state(tracker, verbosity)
        assert json.dumps(ours, sort_keys=True) == json.dumps(
            turn_cost._rasa_current_state(tracker, verbosity), sort_keys=True)
        assert ours["active_loop"]["name"] == "referral_form" and tracker.active_loop is loop
    tracker.update(ActiveLoop(None))
    assert turn_cost._current_state(tracker)["active_loop"] == turn_cost._rasa_current_state(tracker)["active_loop"]


def test_what_the_first_parse_builds_is_built_while_the_model_loads(monkeypatch):
    """serving/model_loading.py parses one message as a model loads, so the first person after a
    start does not wait while the place rules compile their matchers (0.7 s): once loaded, a
    message with a place in it is parsed without building any."""
    import asyncio

    import careerbot.places
    from rasa.core.agent import Agent
    from rasa.core.processor import MessageProcessor

    from serving import model_loading

    monkeypatch.setattr(MessageProcessor, "__init__", MessageProcessor.__init__)  # undone after
    model_loading.install()
    agent = Agent.load(str(latest_model()))

    def no_new_matchers(*args, **kwargs):
        raise AssertionError("a matcher was built by a person's message")

    monkeypatch.setattr(careerbot.places, "PhraseMatcher", no_new_matchers)
    monkeypatch.setattr(careerbot.places, "Matcher", no_new_matchers)
    loop = asyncio.new_event_loop()
    try:
        parse = loop.run_until_complete(agent.parse_message("find a job center near 62704"))
    finally:
        loop.close()
    assert [e["value"] for e in parse["entities"] if e["entity"] == "location"] == ["62704"]


def test_states_reused_within_a_prediction_are_the_states_rasa_computes(monkeypatch):
    """RulePolicy asks for the conversation's states twice right after a message (its text, then
    its intent) and edits what it gets: the second ask gets a fresh copy of the same states, and a
    tracker that has changed gets its states computed again."""
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import (ActionExecuted, ActiveLoop, BotUttered, SessionStarted,
                                         SlotSet, UserUttered)
    from rasa.shared.core.trackers import DialogueStateTracker

    domain = Domain.load(str(PROJECT_ROOT / "domain.yml"))
    events = [ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen"),
              UserUttered("hi", {"name": "greet", "confidence": 0.99}), ActionExecuted("utter_greet"),
              BotUttered("Hello!"), ActionExecuted("action_listen"),
              UserUttered("find a job center near 62704", {"name": "find_resource", "confidence": 0.98},
                          [{"entity": "location", "value": "62704", "start": 23, "end": 28}]),
              ActionExecuted("referral_form"), ActiveLoop("referral_form"),
              SlotSet("location", "Springfield, IL 62704"), SlotSet("requested_slot", "resource_type"),
              ActionExecuted("action_listen"),
              UserUttered("a job center", {"name": "inform", "confidence": 0.9}),
              ActionExecuted("referral_form"), ActiveLoop(None), SlotSet("requested_slot", None)]
    rasa_states = turn_cost._rasa_states_for_tracker_history
    computed = []

    def rasas(*args, **kwargs):
        computed.append(args[1])
        return rasa_states(*args, **kwargs)

    monkeypatch.setattr(turn_cost, "_rasa_states_for_tracker_history", rasas)
    rule_only_data = {"rule_only_slots": ["location"], "rule_only_loops": []}
    form_states = 0
    for end in range(1, len(events) + 1):
        tracker = DialogueStateTracker.from_events("someone", events[:end], slots=domain.slots)
        expected = rasa_states(domain, tracker, False, False, dict(rule_only_data))
        computed.clear()
        first = turn_cost._states_for_tracker_history(domain, tracker, False, False, dict(rule_only_data))
        assert first == expected
        form_states += sum("active_loop" in state for state in expected)
        for state in first:  # what the featuriser does to the states it is given
            state.get("user", {}).pop("text", None)
            state.get("user", {}).pop("intent", None)
        second = turn_cost._states_for_tracker_history(domain, tracker, False, False, dict(rule_only_data))
        assert second == expected and computed == [tracker]  # computed once, copied for the second
        if end < len(events):
            tracker.update(events[end])
            assert turn_cost._states_for_tracker_history(domain, tracker, False, False, dict(
                rule_only_data)) == rasa_states(domain, tracker, False, False, dict(rule_only_data))
            assert len(computed) == 2  # the tracker changed: computed again
    assert form_states  # turns with the form active were among those compared


def test_a_tracker_copied_from_its_state_is_the_copy_rasas_replay_makes():
    """The processor copies the tracker before every action. On every prefix of a conversation
    with each kind of event that changes a tracker's state, the copy taken from the state is the
    one Rasa's replay of the events makes, and changing the copy (as a rejected action, a slot or
    a loop's end does) leaves the tracker it was copied from as it was."""
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import (
        ActionExecuted, ActionExecutionRejected, ActionReverted, ActiveLoop, AllSlotsReset,
        BotUttered, ConversationPaused, ConversationResumed, DefinePrevUserUtteredFeaturization,
        FollowupAction, LoopInterrupted, Restarted, SessionStarted, SlotSet, UserUttered,
        UserUtteranceReverted)
    from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity

    domain = Domain.load(str(PROJECT_ROOT / "domain.yml"))
    referral = UserUttered("find a job center near 62704", {"name": "find_resource", "confidence": 0.98},
                           [{"entity": "location", "value": "62704", "start": 23, "end": 28}])
    events = [ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen"),
              UserUttered("hi", {"name": "greet", "confidence": 0.99}), DefinePrevUserUtteredFeaturization(True),
              ActionExecuted("utter_greet"), BotUttered("Hello!", {"buttons": []}), FollowupAction("utter_greet"),
              ActionExecuted("action_listen"), referral, ActionExecuted("referral_form"),
              ActiveLoop("referral_form"), SlotSet("location", "Springfield, IL 62704"),
              SlotSet("requested_slot", "resource_type"), ActionExecutionRejected("referral_form"),
              LoopInterrupted(True), ActionExecuted("action_listen"), ConversationPaused(),
              UserUttered("a job center", {"name": "inform", "confidence": 0.9}), ConversationResumed(),
              ActionExecuted("referral_form"), LoopInterrupted(False), ActiveLoop(None),
              SlotSet("requested_slot", None), UserUtteranceReverted(), ActionExecuted("utter_greet"),
              ActionReverted(), SlotSet("barrier", "transportation"), AllSlotsReset(),
              SlotSet("barrier", "childcare"), Restarted(), ActionExecuted("action_session_start"),
              SessionStarted(), SlotSet("contact_name", "Sam")]

    def described(tracker):
        return {"state": tracker.current_state(EventVerbosity.ALL), "paused": tracker._paused,
                "followup": tracker.followup_action, "latest action": tracker.latest_action,
                "loop": tracker.active_loop, "bot": tracker.latest_bot_utterance,
                "message": (tracker.latest_message, tracker.latest_message.use_text_for_featurization),
                "slots": {name: (slot.value, slot._has_been_set) for name, slot in tracker.slots.items()},
                "events": [id(event) for event in tracker.events],
                "others": (sorted(vars(tracker)), tracker.sender_id, tracker.is_rule_tracker,
                           tracker._max_event_history, tracker.model_id, tracker.sender_source)}

    tracker = DialogueStateTracker("someone", domain.slots)
    tracker.model_id = "a model"  # not copied by Rasa's copy either
    loops_copied = 0
    for event in events:
        tracker.update(event)
        ours = turn_cost._copy_tracker(tracker)
        assert described(ours) == described(turn_cost._rasa_copy_tracker(tracker)), event
        loops_copied += tracker.active_loop is not None
        before = described(tracker)
        for change in (ActionExecutionRejected("referral_form"), LoopInterrupted(True),
                       SlotSet("barrier", "housing"), ActiveLoop("handoff_form"), ConversationPaused()):
            ours.update(change)
        assert described(tracker) == before, event
    assert loops_copied > 5
    short = DialogueStateTracker.from_events("someone", events[:12], domain.slots, max_event_history=5)
    assert described(turn_cost._copy_tracker(short)) == described(turn_cost._rasa_copy_tracker(short))


def _root_answers(monkeypatch) -> list:
    """What GET / answers in both of Rasa's apps, with the HTTP API and without it, made by Rasa."""
    import asyncio

    import rasa.core.run
    import rasa.server
    from sanic import Sanic

    monkeypatch.setattr(Sanic, "test_mode", True)  # Rasa names its apps: made more than once here
    answers = []
    for app in (rasa.server.create_app(auth_token="a token"), rasa.core.run._create_app_without_api()):
        route = next(route for route in app.router.routes if route.path == "" and "GET" in route.methods)
        answers.append(asyncio.run(route.handler(None)).body.decode())
    return answers


def test_get_slash_says_the_server_runs_without_rasas_version(monkeypatch):
    import rasa
    import rasa.server

    from serving import root_route

    # Rasa's own answer, the version, comes from the function root_route replaces in both apps.
    assert _root_answers(monkeypatch) == [f"Hello from Rasa: {rasa.__version__}"] * 2
    monkeypatch.setattr(rasa.server, "add_root_route", root_route.add_root_route)
    assert _root_answers(monkeypatch) == [root_route.ANSWER] * 2
    assert rasa.__version__ not in root_route.ANSWER
    # Another Rasa may add the route some other way: the patch is refused rather than left idle.
    monkeypatch.setattr(rasa, "__version__", "3.7.0")
    with pytest.raises(RuntimeError, match="written for Rasa 3.6"):
        root_route.install()
