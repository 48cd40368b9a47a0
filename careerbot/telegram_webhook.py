"""`make telegram-webhook`: tell Telegram where to deliver the bot's updates, with the secret token.

Run once per deployment (and again when the public URL or the secret token changes):

    TELEGRAM_BOT_TOKEN=... TELEGRAM_WEBHOOK_URL=https://bot.example.org/webhooks/telegram/webhook \
    TELEGRAM_SECRET_TOKEN=... python -m careerbot.telegram_webhook

Telegram then sends every update to TELEGRAM_WEBHOOK_URL with the header
X-Telegram-Bot-Api-Secret-Token: TELEGRAM_SECRET_TOKEN, which the Rasa connector
(connectors/telegram.py) checks. The Rasa server itself never calls setWebhook, so it starts
without internet access.

Plain Python on purpose (no Rasa import): it runs in a second, and the connector shares its
settings helpers.
"""
from __future__ import annotations

import json
import os
import re
import sys
import urllib.error
import urllib.request
from typing import List, Mapping, Optional

DEFAULT_API_BASE_URL = "https://api.telegram.org"
# The update kinds the connector handles; Telegram sends no others, which saves requests.
ALLOWED_UPDATES = ["message", "edited_message", "callback_query"]
# What Telegram accepts as secret_token (Bot API, setWebhook).
_SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")


def api_base_url(env: Mapping[str, str]) -> str:
    """The Bot API base URL (TELEGRAM_API_BASE_URL), without a trailing slash."""
    return (env.get("TELEGRAM_API_BASE_URL") or DEFAULT_API_BASE_URL).rstrip("/")


def secret_token_problem(secret_token: Optional[str]) -> Optional[str]:
    """Why TELEGRAM_SECRET_TOKEN cannot be used, or None when it is fine."""
    if not secret_token:
        return "TELEGRAM_SECRET_TOKEN is not set"
    if not _SECRET_TOKEN.fullmatch(secret_token):
        return ("TELEGRAM_SECRET_TOKEN must be 1-256 characters from A-Z, a-z, 0-9, _ and - "
                "(Telegram's rule for secret_token)")
    return None


def _settings_problems(env: Mapping[str, str]) -> List[str]:
    problems = []
    if not env.get("TELEGRAM_BOT_TOKEN"):
        problems.append("TELEGRAM_BOT_TOKEN is not set (BotFather gives it when you create the bot)")
    webhook_url = env.get("TELEGRAM_WEBHOOK_URL", "")
    if not webhook_url.startswith("https://"):
        problems.append("TELEGRAM_WEBHOOK_URL must be the public https:// address of "
                        "/webhooks/telegram/webhook (Telegram only delivers to HTTPS)")
    secret_problem = secret_token_problem(env.get("TELEGRAM_SECRET_TOKEN"))
    if secret_problem:
        problems.append(secret_problem)
    return problems


def set_webhook(env: Mapping[str, str], timeout: float = 30) -> dict:
    """Call setWebhook and return Telegram's answer ({"ok": ..., "description": ...})."""
    url = f"{api_base_url(env)}/bot{env['TELEGRAM_BOT_TOKEN']}/setWebhook"
    params = {"url": env["TELEGRAM_WEBHOOK_URL"], "secret_token": env["TELEGRAM_SECRET_TOKEN"],
              "allowed_updates": ALLOWED_UPDATES}
    request = urllib.request.Request(url, data=json.dumps(params).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError as error:
        # Telegram explains refusals in the JSON body of 4xx answers.
        try:
            return json.loads(error.read())
        except ValueError:
            return {"ok": False, "description": f"HTTP {error.code} from the Bot API"}


def main(env: Optional[Mapping[str, str]] = None) -> int:
    env = os.environ if env is None else env
    problems = _settings_problems(env)
    if problems:
        print("Cannot register the Telegram webhook:", *problems, sep="\n  - ", file=sys.stderr)
        return 2
    try:
        answer = set_webhook(env)
    except (OSError, ValueError) as error:
        # Not the exception text: it could contain the request URL, which contains the bot token.
        print(f"Could not reach the Telegram Bot API at {api_base_url(env)} "
              f"({type(error).__name__}).", file=sys.stderr)
        return 1
    if not answer.get("ok"):
        print(f"Telegram refused the webhook: {answer.get('description', 'no reason given')}",
              file=sys.stderr)
        return 1
    print(f"Telegram webhook set: {env['TELEGRAM_WEBHOOK_URL']} "
          f"(updates: {', '.join(ALLOWED_UPDATES)}; secret token required). "
          f"Telegram says: {answer.get('description', 'ok')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
