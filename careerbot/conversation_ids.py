"""Whose conversation a message belongs to: conversation ids namespaced by channel, and the chat
widget's session ids, which only the server issues.

Rasa keys a conversation by its sender id alone, and each channel takes its ids from elsewhere: a
Telegram chat id, a Slack user id, whatever a REST client or a web page sends. Taken as they are,
one channel could name another's conversation: a REST client could write into a Telegram chat or a
visitor's widget conversation, and read the bot's replies. So every channel files its
conversations under its own name: `telegram:5551234`, `slack:U024BE7LH`, `rest:<sender>`,
`socketio:<...>`. Conversations stored before ids had a channel keep their ids: no channel makes
such an id any more, so none can write into them, and staff read them as before (the console
takes a conversation's channel from its messages, not from its id).

A widget session id lets whoever holds it continue the conversation (the widget sends it again
after a page reload), so it is a secret: the server issues it, 128 random bits and an HMAC of them
under WIDGET_SESSION_SECRET, and takes no other. Every Rasa instance with the same secret
recognises the ids the others issued, with no storage shared between them. The conversation is
named by the random half alone, so that the ids staff see (console, exports, the database) do not
let anyone take a conversation over.
"""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets

RANDOM_HEX_DIGITS = 32  # 128 bits
_SESSION_ID = re.compile(f"[0-9a-f]{{{2 * RANDOM_HEX_DIGITS}}}")


def conversation_id(channel: str, id_in_channel: str) -> str:
    """The conversation of `id_in_channel` (a chat, a user, a session) on `channel`."""
    return f"{channel}:{id_in_channel}"


def id_in_channel(channel: str, conversation: str) -> str:
    """The channel's own id (a chat, a user) of one of its conversations. A conversation stored
    before ids had a channel is named by that id already."""
    return conversation.removeprefix(f"{channel}:")


class WidgetSessions:
    """Issues widget session ids and tells them from ids the server did not issue."""

    def __init__(self, secret: str) -> None:
        self._key = secret.encode()

    def issue(self) -> str:
        random_half = secrets.token_hex(RANDOM_HEX_DIGITS // 2)
        return random_half + self._signature(random_half)

    def issued(self, session_id: object) -> bool:
        """Whether `session_id`, whatever a client sent, was issued with this secret."""
        if not isinstance(session_id, str) or not _SESSION_ID.fullmatch(session_id):
            return False
        random_half, signature = session_id[:RANDOM_HEX_DIGITS], session_id[RANDOM_HEX_DIGITS:]
        return hmac.compare_digest(signature, self._signature(random_half))

    def _signature(self, random_half: str) -> str:
        digest = hmac.new(self._key, random_half.encode(), hashlib.sha256).hexdigest()
        return digest[:RANDOM_HEX_DIGITS]


def session_conversation(session_id: str) -> str:
    """What names an issued session's conversation in the widget's channel: its random half."""
    return session_id[:RANDOM_HEX_DIGITS]
