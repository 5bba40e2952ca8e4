"""Every example payload in the vendor's pages parses to the expected normalised values."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from monitor.api.models import Call, RetryConfig, parse_retry_history
from monitor.api.pages import parse_page
from monitor.api.vocab import CallStatus, classify_call_status
from monitor.state.derive import build_timeline
from tests.seeds import json_blocks, seed_text

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def t(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def test_seed_000_has_both_disagreeing_retry_examples_and_the_schema_example() -> None:
    blocks = json_blocks(seed_text("000"))
    assert len(blocks) == 3


RETRY_CASES = [
    pytest.param(
        0,
        "call_x",
        "call_abc123",
        [
            (1, CallStatus.NO_ANSWER, None, "2024-03-01T10:00:00Z", None),
            (2, CallStatus.COMPLETED, None, "2024-03-01T12:00:00Z", 7200),
        ],
        "completed",
        id="000-shape-A-timestamp-underscore",
    ),
    pytest.param(
        1,
        "call_x9y3zp4mq7r1",
        "call_x9y3zp4mq7r1",
        [
            (1, CallStatus.NO_ANSWER, 0, "2024-05-01T10:00:00Z", None),
            (2, CallStatus.NO_ANSWER, 0, "2024-05-01T12:00:00Z", 7200),
            (3, CallStatus.COMPLETED, 98, "2024-05-01T14:00:00Z", 7200),
        ],
        "completed",
        id="000-shape-B-called_at-hyphen",
    ),
    pytest.param(
        2,
        "call_abc123",
        "call_abc123",
        [
            (1, CallStatus.NO_ANSWER, None, "2024-03-01T10:00:00Z", None),
            (2, CallStatus.COMPLETED, None, "2024-03-01T12:00:00Z", 7200),
        ],
        "completed",
        id="000-schema-example-bare-array",
    ),
]


@pytest.mark.parametrize(("index", "asked", "call_id", "rows", "summary"), RETRY_CASES)
def test_retry_examples_parse_to_the_same_timeline(
    index: int,
    asked: str,
    call_id: str,
    rows: list[tuple[int, CallStatus, int | None, str, int | None]],
    summary: str,
) -> None:
    payload = json_blocks(seed_text("000"))[index]
    history = parse_retry_history(payload, asked)
    assert history.call_id == call_id
    timeline = build_timeline(history, None, NOW)
    got = [(r.attempt, r.outcome, r.duration_s, r.called_at, r.gap_s) for r in timeline.rows]
    assert got == [(a, o, d, t(c), g) for a, o, d, c, g in rows]
    assert timeline.summary == summary
    assert timeline.next_retry_at is None


def test_campaign_log_examples_parse_with_both_id_and_duration_spellings() -> None:
    first, second = json_blocks(seed_text("002"))
    page1 = parse_page(first, Call.model_validate, page=1, limit=20)
    (log,) = page1.items
    assert (log.id, log.log_id, log.agent_id) == ("call_abc123", "log_abc123", "agt_abc123")
    assert (log.status, log.duration_s, log.sentiment) == (CallStatus.COMPLETED, 145, "positive")
    assert log.recording_url == "https://recordings.dialnexa.com/call_abc123.mp3"
    assert log.analysis == {"customer_satisfaction": 8}
    assert log.created_at == t("2024-03-01T10:00:00Z")
    assert log.end_reason == "user_disconnected"
    assert (page1.total, page1.total_pages, page1.is_last) == (150, 8, False)

    page2 = parse_page(second, Call.model_validate, page=1, limit=20)
    ids = [(c.id, c.log_id, c.status, c.duration_s, c.analysis) for c in page2.items]
    assert ids == [
        ("call_x9y3zp4mq7r1", None, CallStatus.COMPLETED, 142, {"qualified": True}),
        ("call_a2b4cd6ef8gh", None, CallStatus.NO_ANSWER, 0, {}),
    ]
    # totalPages absent: derived as ceil(312 / 20)
    assert (page2.total, page2.total_pages) == (312, 16)


def test_auto_retry_guide_retry_object_parses() -> None:
    (body,) = json_blocks(seed_text("003"))
    config = RetryConfig.model_validate(body["retry"])
    assert config == RetryConfig(
        max_retries=3,
        wait_minutes=30,
        retry_on_voicemail=False,
        retry_on_no_answer=True,
        retry_on_busy=True,
    )


def test_get_call_page_examples_parse_and_every_enum_value_is_known() -> None:
    text = seed_text("004")
    (metadata,) = json_blocks(text)
    examples = re.findall(r'Example:\n"([^"]*)"', text)
    assert examples[:4] == ["call_abc123", "agt_abc123", "+919876543210", "+912234567890"]
    call = Call.model_validate(
        {
            "id": examples[0],
            "agent_id": examples[1],
            "agent_version_number": 1,
            "to_phone_number": examples[2],
            "from_phone_number": examples[3],
            "status": examples[4],
            "duration": 145,
            "recording_url": examples[5],
            "metadata": metadata,
            "created_at": examples[6],
            "ended_at": examples[7],
        }
    )
    assert call.status is CallStatus.COMPLETED
    assert (call.to_number, call.from_number, call.duration_s) == (
        "+919876543210",
        "+912234567890",
        145,
    )
    assert call.metadata == {"customer_name": "Priya Sharma", "account_id": "ACC-9912"}
    assert (call.ended_at - call.created_at).total_seconds() == 145  # type: ignore[operator]

    enum_line = re.search(r"Available options:\n(.*?) Example", text)
    assert enum_line is not None
    words = [w.strip() for w in enum_line.group(1).split(",")]
    assert len(words) == 11
    assert all(classify_call_status(w) is not CallStatus.UNKNOWN for w in words)
    polling = ["initiated", "in-progress", "completed", "failed", "busy", "no-answer"]
    assert [classify_call_status(w).value for w in polling] == [
        "dialing",
        "in_progress",
        "completed",
        "failed",
        "busy",
        "no_answer",
    ]
