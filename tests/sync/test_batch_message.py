"""The batch message's optional ``traceparent``: written only when the plan was traced, read when present, and
messages without it (written before it existed) still parse."""

from __future__ import annotations

import json

from shared.sync import BatchMessage

TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


def test_a_message_without_trace_context_keeps_the_old_shape():
    message = BatchMessage("c1", "GREYSON", ("u1", "u2"), "2026-07-01T10:00:00+00:00")
    assert json.loads(message.to_json()) == {"claim_id": "c1", "customer": "GREYSON",
                                             "record_uuids": ["u1", "u2"],
                                             "planned_at": "2026-07-01T10:00:00+00:00"}
    assert BatchMessage.from_json(message.to_json()) == message and message.traceparent is None


def test_the_traceparent_travels_with_the_message():
    message = BatchMessage("c1", "GREYSON", ("u1",), "2026-07-01T10:00:00+00:00", TRACEPARENT)
    assert json.loads(message.to_json())["traceparent"] == TRACEPARENT
    assert BatchMessage.from_json(message.to_json()).traceparent == TRACEPARENT


def test_a_traceparent_that_is_no_string_is_ignored_not_fatal():
    body = {"claim_id": "c1", "customer": "GREYSON", "record_uuids": ["u1"], "planned_at": "t",
            "traceparent": 7}
    assert BatchMessage.from_json(json.dumps(body)).traceparent is None
