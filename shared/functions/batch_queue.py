"""The sync queue: planned batches go on it as the Functions host reads them, and come back off it.

The host's queue trigger decodes every message as base64 (host.json ``extensions.queues.messageEncoding``),
so the batch JSON travels as base64 of its UTF-8 bytes; a message written as plain text would never reach the
function.
Messages the host gives up on, and malformed ones, live in ``<queue>-poison``, the host's own naming.
"""

from __future__ import annotations

from collections.abc import Iterable

from azure.core.exceptions import ResourceExistsError, ResourceNotFoundError
from azure.storage.queue import (
    BinaryBase64DecodePolicy,
    BinaryBase64EncodePolicy,
    QueueClient,
    QueueMessage,
    QueueServiceClient,
)

from ..sync import BatchMessage
from .settings import POISON_SUFFIX

MAX_RECEIVE = 32  # the most messages one Get Messages call returns


def poison_queue_name(queue_name: str) -> str:
    return f"{queue_name}{POISON_SUFFIX}"


def host_queue(service: QueueServiceClient, queue_name: str) -> QueueClient:
    """A client for ``queue_name`` that base64-encodes what it sends and decodes what it receives."""
    return service.get_queue_client(queue_name, message_encode_policy=BinaryBase64EncodePolicy(),
                                     message_decode_policy=BinaryBase64DecodePolicy())


def send_batches(queue: QueueClient, messages: Iterable[BatchMessage]) -> int:
    """Put each batch on the queue; returns how many were sent."""
    sent = 0
    for message in messages:
        send_raw(queue, message.to_json().encode())
        sent += 1
    return sent


def send_raw(queue: QueueClient, body: bytes) -> None:
    """Send one message body, creating the queue on first use (a fresh storage account has none)."""
    try:
        queue.send_message(body)
    except ResourceNotFoundError:
        try:
            queue.create_queue()
        except ResourceExistsError:  # another instance created it at the same moment
            pass
        queue.send_message(body)


def receive(queue: QueueClient, *, max_messages: int = MAX_RECEIVE, visibility_timeout: int = 60
            ) -> list[QueueMessage]:
    """Messages visible now (``content``: the body's bytes), hidden for ``visibility_timeout`` seconds."""
    try:
        return list(queue.receive_messages(max_messages=max_messages, messages_per_page=max_messages,
                                           visibility_timeout=visibility_timeout))
    except ResourceNotFoundError:  # nothing was ever sent
        return []

