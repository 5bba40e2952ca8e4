"""The key echoed in any JSON spelling is masked in what the user sees (hostile-server finding 1),
and a body with a UTF-8 byte order mark is read (finding 10).

A server may spell the key it echoes with `\\u` escapes, `\\/` for a slash (PHP's encoder), in
upper case or with an invisible format character inside: every one decodes to a string that
reads as the key. The client is driven through a mock transport, as a server would answer.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import SecretStr

from monitor.api.client import DialNexaClient
from monitor.api.errors import ApiError, BadRequest, NotFound, ServerError, Unauthorized
from monitor.api.responses import decode
from monitor.api.scrub import FORMAT_CHARACTERS, MASK, Scrubber
from monitor.api.webhook import parse

KEY = "dnx_live_CANARYk3y9Q7ZpX2mW8rT5vB1nL4"
SLASH_KEY = "dnx_live_Ab/Cd7fGh/9QrStUvWx"
BASE = "http://x/v1"
BOM = b"\xef\xbb\xbf"
Handler = Callable[[httpx.Request], httpx.Response]


def client_for(handler: Handler, key: str = KEY) -> DialNexaClient:
    return DialNexaClient(BASE, key, transport=httpx.MockTransport(handler))


def answer(status: int, body: str | bytes) -> Handler:
    content = body.encode("utf-8") if isinstance(body, str) else body
    return lambda request: httpx.Response(
        status, content=content, headers={"Content-Type": "application/json"}
    )


def escaped(text: str) -> str:
    """Every character as a JSON `\\u` escape."""
    return "".join(f"\\u{ord(ch):04x}" for ch in text)


def reads_as(key: str, text: str) -> bool:
    """Whether `text` shows `key` to a reader: any case, format characters dropped."""
    visible = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    return key.lower() in visible.lower()


def strings_in(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (*strings_in(k), *strings_in(v))]
    if isinstance(value, list | tuple):
        return [s for item in value for s in strings_in(item)]
    return []


# Raw JSON string contents (between the quotes) that decode to a string reading as KEY.
SPELLINGS = {
    "one letter escaped": KEY.replace("S", "\\u0053", 1).replace("C", "\\u0043", 1),
    "every character escaped": escaped(KEY),
    "upper case": KEY.upper(),
    "lower case": KEY.lower(),
    "zero-width space inside": KEY[:12] + "\u200b" + KEY[12:],
    "zero-width joiner and BOM inside, escaped": KEY[:5]
    + "\\u200d"
    + KEY[5:20]
    + "\\ufeff"
    + KEY[20:],
    "a tag character inside, as a surrogate pair": KEY[:9] + "\\udb40\\udc01" + KEY[9:],
    "upper case with an escape": KEY.upper()[:10] + escaped(KEY.upper()[10:13]) + KEY.upper()[13:],
}


@pytest.mark.parametrize("spelled", SPELLINGS.values(), ids=SPELLINGS.keys())
async def test_key_spelled_any_way_in_a_call_record_is_masked_in_every_field(spelled: str) -> None:
    body = (
        '{"id": "call_1", "status": "completed", '
        f'"sen\\u0074iment": "{spelled}", "end_reason": "echo: {spelled}", '
        f'"analysis": {{"notes": ["sent {spelled}"]}}, '
        f'"metadata": {{"lead": {{"debug": "auth {spelled} end"}}, "{spelled}": "as a key"}}}}'
    )
    async with client_for(answer(200, body)) as client:
        call = await client.get_call("call_1")
    assert call.sentiment == MASK
    assert call.end_reason == f"echo: {MASK}"
    assert call.analysis == {"notes": [f"sent {MASK}"]}
    assert call.metadata == {"lead": {"debug": f"auth {MASK} end"}, MASK: "as a key"}
    shown = json.dumps(call.model_dump(mode="json"), ensure_ascii=False)
    assert not reads_as(KEY, shown)


async def test_key_with_slashes_sent_as_php_spells_them_is_masked_in_a_page() -> None:
    rows = [
        {"id": "call_1", "status": "completed", "end_reason": f"hangup {SLASH_KEY}"},
        {"id": "call_2", "status": "failed", "metadata": {"auth": {SLASH_KEY: SLASH_KEY}}},
    ]
    # PHP's json_encode writes every "/" as "\/".
    body = json.dumps({"data": rows, "meta": {"total": 2}}).replace("/", "\\/")
    async with client_for(answer(200, body), SLASH_KEY) as client:
        page = await client.list_calls()
    one, two = page.items
    assert one.end_reason == f"hangup {MASK}"
    assert two.metadata == {"auth": {MASK: MASK}}


async def test_campaign_title_with_an_escaped_letter_shows_the_mask() -> None:
    title = "Batch for " + KEY.replace("Q", "\\u0051")
    body = f'{{"data": [{{"id": "batch_1", "title": "{title}", "status": "running"}}]}}'
    async with client_for(answer(200, body)) as client:
        page = await client.list_batches()
    assert page.items[0].name == f"Batch for {MASK}"


ERROR_SPELLINGS = {
    "format characters inside, escaped": SPELLINGS["zero-width joiner and BOM inside, escaped"],
    "upper case": SPELLINGS["upper case"],
    "zero-width space inside": SPELLINGS["zero-width space inside"],
}


@pytest.mark.parametrize(
    ("status", "error"),
    [(401, Unauthorized), (400, BadRequest), (404, NotFound), (500, ServerError)],
)
@pytest.mark.parametrize("spelled", ERROR_SPELLINGS.values(), ids=ERROR_SPELLINGS.keys())
async def test_key_spelled_any_way_in_an_error_message_is_masked(
    spelled: str, status: int, error: type[ApiError]
) -> None:
    body = f'{{"statusCode": {status}, "message": "Call not found for key {spelled}"}}'
    async with client_for(answer(status, body)) as client:
        with pytest.raises(error) as info:
            await client.get_call("call_1")
    message = str(info.value)
    assert f"key {MASK}" in message
    assert not reads_as(KEY, message)


async def test_key_in_an_error_message_list_of_objects_is_masked() -> None:
    body = f'{{"message": [{{"field": "auth", "got": "{escaped(KEY)}"}}, "bad {KEY.upper()}"]}}'
    async with client_for(answer(400, body)) as client:
        with pytest.raises(BadRequest) as info:
            await client.get_call("call_1")
    message = str(info.value)
    assert MASK in message and KEY[:6] not in message and not reads_as(KEY, message)


async def test_key_at_the_end_of_a_long_error_message_is_not_shown_in_part() -> None:
    # The message is cut at 300 characters: the key must be masked before the cut, or its
    # first characters stay on screen.
    body = json.dumps({"message": "x" * 289 + " " + KEY})
    async with client_for(answer(500, body)) as client:
        with pytest.raises(ServerError) as info:
            await client.get_call("call_1")
    assert KEY[:10] not in str(info.value)


async def test_key_in_upper_case_in_an_html_error_page_is_masked() -> None:
    page = f"<html><head><title>Denied {KEY.upper()}</title></head></html>"
    handler = lambda request: httpx.Response(  # noqa: E731
        502, content=page.encode(), headers={"Content-Type": "text/html"}
    )
    async with client_for(handler) as client:
        with pytest.raises(ServerError) as info:
            await client.get_call("call_1")
    assert f"Denied {MASK}" in str(info.value)


# -- the byte order mark ------------------------------------------------------------------


async def test_a_record_after_a_byte_order_mark_is_read() -> None:
    body = BOM + b'{"id": "call_1", "status": "completed", "sentiment": "positive"}'
    async with client_for(answer(200, body)) as client:
        call = await client.get_call("call_1")
    assert (call.id, call.sentiment) == ("call_1", "positive")


async def test_a_page_after_a_byte_order_mark_is_read_and_still_scrubbed() -> None:
    rows = [{"id": "call_1", "status": "completed", "end_reason": KEY.upper()}]
    body = BOM + json.dumps({"data": rows, "meta": {"total": 1}}).encode()
    async with client_for(answer(200, body)) as client:
        page = await client.list_calls()
    assert [(c.id, c.end_reason) for c in page.items] == [("call_1", MASK)]


async def test_an_error_after_a_byte_order_mark_shows_the_vendor_message() -> None:
    body = BOM + b'{"statusCode": 404, "message": "Call call_1 not found"}'
    async with client_for(answer(404, body)) as client:
        with pytest.raises(NotFound) as info:
            await client.get_call("call_1")
    assert str(info.value) == "Not found (404): Call call_1 not found"


def test_a_webhook_delivery_after_a_byte_order_mark_is_read() -> None:
    delivery = parse(
        BOM + b'{"event": "call.ended", "call": {"id": "call_1", "status": "completed"}}'
    )
    assert delivery.event == "call.ended" and delivery.call is not None
    assert delivery.call.id == "call_1"


# -- the class, not the cases -------------------------------------------------------------


def test_the_format_characters_are_all_of_unicodes_cf() -> None:
    pattern = re.compile(f"[{FORMAT_CHARACTERS}]")
    missing = [
        f"U+{c:04X}"
        for c in range(0x110000)
        if unicodedata.category(chr(c)) == "Cf" and not pattern.match(chr(c))
    ]
    assert missing == []


BACKSLASH_KEY = "dnx_test_Ab\\Cd7fGh\\9QrStUvWx"
"""Accepted at load (printable ASCII, no quote or space); JSON spells its backslashes `\\`."""


def _spell(ch: str, how: int, case: int) -> str:
    ch = ch.upper() if case == 1 else ch.lower() if case == 2 else ch
    if how == 1:
        return f"\\u{ord(ch):04x}"
    if how == 2:
        return f"\\u{ord(ch):04X}"
    if ch == "\\":
        return "\\\\"
    if ch == "/" and how == 3:
        return "\\/"
    return ch


_FORMATS = st.sampled_from(["\u200b", "\u200d", "\ufeff", "\u00ad", "\\u200b", "\\u2060"])


@st.composite
def json_spellings(draw: st.DrawFn, key: str) -> str:
    """The raw JSON of a string that reads as `key`: each character in any case, escaped or
    not, with format characters (escaped or not) between some of them."""
    parts = []
    for ch in key:
        parts.append(_spell(ch, draw(st.integers(0, 3)), draw(st.integers(0, 2))))
        if draw(st.integers(0, 7)) == 0:
            parts.append(draw(_FORMATS))
    return "".join(parts)


PLACES = [
    '{{"a": "{}"}}',
    '{{"a": {{"b": ["x", "pre {} post"]}}}}',
    '{{"{}": 1}}',
    '[{{"id": "c", "meta": {{"k{}": null}}}}]',
    # Other escapes around it: an escaped backslash before `u0041` (both spellings), a
    # newline, a quote, é, a surrogate pair.
    r'{{"a": "\\u0041 \n\"{}\u00e9\\"}}',
    r'{{"a": "\u005cu0041{}\u005c\ud83d\ude00"}}',
]


@settings(max_examples=300, deadline=None)
@given(st.data(), st.sampled_from([SLASH_KEY, BACKSLASH_KEY]), st.sampled_from(PLACES))
def test_no_decoded_string_reads_as_the_key_whatever_its_spelling(
    data: st.DataObject, key: str, place: str
) -> None:
    spelled = data.draw(json_spellings(key))
    bom = BOM if data.draw(st.booleans()) else b""
    value = decode(bom + place.format(spelled).encode("utf-8"), "/calls", Scrubber(SecretStr(key)))
    shown = strings_in(value)
    assert any(MASK in s for s in shown)
    assert not any(reads_as(key, s) for s in shown)
