"""Telegram and Slack switched on for a test assistant, pointed at fakes of their APIs."""
from __future__ import annotations

from typing import Dict

from tests.fakes.slack_api import FakeSlackWebApi
from tests.fakes.telegram_api import FakeTelegramBotApi

BOT_TOKEN = "123456789:TEST-fake-telegram-bot-token"
BOT_NAME = "CareerTestBot"
SLACK_TOKEN = "xoxb-test-fake-slack-token"


def channels_env(bot_api: FakeTelegramBotApi, slack_api: FakeSlackWebApi, telegram_secret: str,
                 slack_secret: str) -> Dict[str, str]:
    """The environment that enables both channels (see docs/channels-*.md)."""
    return {
        "TELEGRAM_BOT_TOKEN": BOT_TOKEN, "TELEGRAM_SECRET_TOKEN": telegram_secret,
        "TELEGRAM_BOT_NAME": BOT_NAME, "TELEGRAM_API_BASE_URL": bot_api.base_url,
        "TELEGRAM_WEBHOOK_URL": "https://bot.example.org/webhooks/telegram/webhook",
        "SLACK_BOT_TOKEN": SLACK_TOKEN, "SLACK_SIGNING_SECRET": slack_secret,
        "SLACK_API_BASE_URL": slack_api.base_url,
    }
