"""docker-compose.yml describes the same topology as `make run-production` (careerbot/production.py).

No Docker engine here, so the file is parsed and compared with the profile: the same processes
and commands, replicas as the profile's defaults, the environment the profile gives each process,
and nginx's configuration rendered from the same template.
"""
from __future__ import annotations

import pytest
import yaml

from careerbot import production
from careerbot.runtime import action_server_command
from careerbot.settings import MAX_REQUEST_BYTES, PROJECT_ROOT

ASSISTANT_SERVICES = ("rasa", "actions", "web")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((PROJECT_ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


def test_the_same_services_as_the_profile(compose):
    assert set(compose["services"]) == {"rasa", "actions", "web", "nginx", "postgres", "redis"}
    assert compose["services"]["rasa"]["deploy"]["replicas"] == production.DEFAULT_RASA_INSTANCES
    assert compose["services"]["actions"]["deploy"]["replicas"] == production.DEFAULT_ACTION_SERVERS


def test_each_service_runs_the_profiles_command(compose, tmp_path):
    services = compose["services"]
    instance = services["rasa"]["command"]
    assert instance[:4] == ["python", "-m", "careerbot.production", "rasa-instance"]
    assert instance[instance.index("--interface") + 1] == "0.0.0.0"  # reachable from nginx
    assert services["actions"]["command"] == [  # reachable from nginx, as the Rasa instances are
        "python", *action_server_command("python", 5055, interface="0.0.0.0")[1:]]
    assert services["web"]["command"][:3] == ["python", "-m", "careerbot.web"]
    # The topology's own processes, for comparison.
    env = {"DATABASE_URL": "postgresql://u@h/db", "REDIS_URL": "redis://h:6379/1",
           "CAREERBOT_DATA_DIR": str(tmp_path)}
    topology = production.plan(env, public_port=8080)
    profile = production.commands(production.production_env(env, topology), topology)
    assert [name.split()[0] for name in profile] == (
        ["action"] * production.DEFAULT_ACTION_SERVERS + ["Rasa"] * production.DEFAULT_RASA_INSTANCES
        + ["web", "nginx"])
    rasa_instance = next(command for name, command in profile.items() if name.startswith("Rasa"))
    assert rasa_instance[1:4] == ["-m", "serving", "run"]


def test_assistant_services_get_the_environment_the_profile_sets(compose, tmp_path):
    env = {"DATABASE_URL": "postgresql://u@h/db", "REDIS_URL": "redis://h:6379/1",
           "CAREERBOT_DATA_DIR": str(tmp_path)}
    topology = production.plan(env, public_port=8080)
    profile_env = production.production_env(env, topology)
    expected = {"DATABASE_URL", "REDIS_URL", "ACTION_SERVER_URL", "ACTION_SERVER_TOKEN", "WIDGET_SESSION_SECRET",
                "RASA_PUBLIC_URL", "WIDGET_ALLOWED_ORIGINS", "SANIC_WORKERS", "SANIC_REQUEST_MAX_SIZE",
                "RASA_TELEMETRY_ENABLED", "PYTHONUNBUFFERED", "TF_INTRA_OP_PARALLELISM_THREADS",
                "TF_INTER_OP_PARALLELISM_THREADS", "STAFF_PUBLIC_URL", "TRUSTED_PROXIES"}
    assert expected <= set(profile_env)
    for name in ASSISTANT_SERVICES:
        environment = compose["services"][name]["environment"]
        assert expected <= set(environment), name
        assert environment["RASA_TELEMETRY_ENABLED"] == "false"
        assert environment["SANIC_REQUEST_MAX_SIZE"] == str(MAX_REQUEST_BYTES)
        assert environment["DATABASE_URL"].startswith("postgresql://")
        assert "${POSTGRES_PASSWORD" in environment["DATABASE_URL"]  # no password in the file
        # One token for every Rasa instance and action server, required, and not in the file.
        assert environment["ACTION_SERVER_TOKEN"].startswith("${ACTION_SERVER_TOKEN:?")
        # Likewise the key of the widget's session ids: every instance must know the others'.
        assert environment["WIDGET_SESSION_SECRET"].startswith("${WIDGET_SESSION_SECRET:?")
        # The REST channel runs only when its token is set (careerbot/runtime.build_credentials).
        assert environment["REST_CHANNEL_TOKEN"] == "${REST_CHANNEL_TOKEN:-}"
        # The action endpoint is nginx's action-server port, as on one machine.
        assert environment["ACTION_SERVER_URL"] == "http://nginx:5055/webhook"


def test_nginx_configuration_is_the_profiles_template_filled_in_for_the_services(compose):
    nginx = compose["services"]["nginx"]
    mounted = nginx["volumes"][0].split(":")[0]
    assert (PROJECT_ROOT / mounted).resolve() == production.COMPOSE_NGINX_FILE
    assert production.COMPOSE_NGINX_FILE.read_text(encoding="utf-8") == \
        production.compose_nginx_config(), "run `python -m careerbot.production write-compose-nginx`"
    assert nginx["ports"] == ["8080:80"]
