"""What every channel does when a turn cannot be handled: tell the person, lose nothing silently.

A turn fails as a whole when the conversation database or the lock store is unreachable for
longer than their retries cover (see serving/). Nothing of it is saved, so the person is asked to
send the message again; Rasa's channels would instead log the message text and say nothing.
"""
from __future__ import annotations

import contextlib
import logging
from typing import Any, Awaitable, Callable

from rasa.core.channels.channel import UserMessage

from connectors.turn_queue import turn_slot

logger = logging.getLogger(__name__)

NOT_SAVED_NOTE = ("Sorry, I couldn't take in that message just now, and it was not saved. "
                  "Please send it again in a minute.")

MessageHandler = Callable[[UserMessage], Awaitable[Any]]


async def handle_turn(on_new_message: MessageHandler, message: UserMessage,
                      queued: bool = True) -> bool:
    """Run the turn, when its slot comes if `queued` (connectors/turn_queue.py); False (logged
    without the message's content) when it failed."""
    try:
        async with turn_slot() if queued else contextlib.nullcontext():
            await on_new_message(message)
        return True
    except Exception as error:  # noqa: BLE001 - any failure is reported the same way
        logger.error("A %s message could not be handled: %s", message.input_channel,
                     type(error).__name__)
        return False


def reporting_failures(on_new_message: MessageHandler, queued: bool = True) -> MessageHandler:
    """`on_new_message` that answers a failed turn with NOT_SAVED_NOTE on the same channel."""

    async def on_new_message_or_report(message: UserMessage) -> None:
        if not await handle_turn(on_new_message, message, queued):
            try:
                await message.output_channel.send_text_message(message.sender_id, NOT_SAVED_NOTE)
            except Exception as error:  # noqa: BLE001 - the channel itself may be what failed
                logger.error("Could not tell a %s user about a failed turn: %s",
                             message.input_channel, type(error).__name__)

    return on_new_message_or_report
