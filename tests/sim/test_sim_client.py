"""The monitor's own DialNexaClient reads every endpoint from the simulator, in every dialect,
in-process and over loopback, and what it reads matches the world's ground truth."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest

from monitor.api.client import DialNexaClient
from monitor.api.vocab import CallStatus, ContainerStatus
from monitor.clock import FakeClock
from monitor.sim import Simulator
from monitor.sim.dialects import DIALECTS
from monitor.sim.model import COMPLETED, VOICEMAIL
from monitor.sim.serve import serve_loopback
from tests.sim.simkit import KEY

CONTAINER = {
    "draft": {ContainerStatus.DRAFT},
    "scheduled": {ContainerStatus.WAITING},
    # `active` is the campaign page's word for live but the batch vocabulary's for waiting (§6).
    "running": {ContainerStatus.RUNNING, ContainerStatus.WAITING},
    "paused": {ContainerStatus.PAUSED},
    "completed": {ContainerStatus.COMPLETED},
    "cancelled": {ContainerStatus.CANCELLED},
}


@asynccontextmanager
async def connect(sim: Simulator, transport: str) -> AsyncIterator[DialNexaClient]:
    if transport == "asgi":
        async with DialNexaClient(sim.base_url, KEY, transport=sim.transport()) as client:
            yield client
        return
    async with (
        serve_loopback(sim) as base_url,
        DialNexaClient(base_url, KEY) as client,
    ):
        yield client


@pytest.mark.parametrize("transport", ["asgi", "loopback"])
async def test_client_reads_every_endpoint_in_every_dialect(transport: str) -> None:
    sim = Simulator.create("busy", seed=21, clock=FakeClock(), api_key=KEY)
    world = sim.world
    world.advance(900)
    done = next(c for c in world.calls if c.status == COMPLETED and c.analysis is not None)
    voicemail = next(c for c in world.calls if c.status == VOICEMAIL)
    series = next(s for s in world.all_series() if len(s.attempts) >= 3)
    campaign = world.campaigns[0]
    async with connect(sim, transport) as client:
        for dialect in DIALECTS:
            sim.dialect = dialect
            newest, _ = world.select(limit=100)
            page = await client.list_calls(limit=100)
            assert [c.id for c in page.items] == [c.id for c in newest], dialect
            assert [c.status.value for c in page.items] == [c.status for c in newest], dialect

            missed = await client.list_calls(limit=100, statuses=["no_answer", "did_not_pick"])
            assert missed.items and {c.status for c in missed.items} == {CallStatus.NO_ANSWER}

            call = await client.get_call(done.id)
            assert call.status == CallStatus.COMPLETED and call.duration_s == done.talk_s
            assert call.campaign_id == campaign.id or call.campaign_id == done.campaign.id
            assert call.retry_group_id == done.parent_id
            assert call.attempt in (None, done.attempt)
            assert isinstance(call.analysis, dict) and "qualified" in call.analysis
            assert call.created_at == world.at(done.created_t)
            assert call.ended_at is not None and done.end_t is not None
            assert call.ended_at == world.at(done.end_t)
            assert call.to_number and call.from_number and call.metadata["customer_name"]
            vm = await client.get_call(voicemail.id)
            assert vm.status == CallStatus.VOICEMAIL, dialect

            logs = await client.list_call_logs(limit=20)
            assert [c.id for c in logs.items] == [c.id for c in newest[:20]]

            counted = await client.list_campaign_logs(campaign.id, status="completed", limit=1)
            assert counted.total == campaign.counts[COMPLETED]

            history = await client.get_retries(series.parent_id)
            assert history.call_id == series.parent_id
            assert [a.outcome.value for a in history.attempts] == [
                a.status for a in series.attempts
            ]
            assert [a.called_at for a in history.attempts] == [
                None if a.dial_t is None else world.at(a.dial_t) for a in series.attempts
            ]

            one = await client.get_campaign(campaign.id)
            assert one.id == campaign.id and one.name == campaign.name
            assert one.status in CONTAINER[campaign.status]
            assert one.retry_config is not None
            assert one.retry_config.max_retries == campaign.retry.max_retries
            assert one.total in (None, campaign.total_leads)

            listed = await client.list_campaigns()
            assert {c.id for c in listed.items} == {c.id for c in world.campaigns}

            batches = await client.list_batches()
            assert {b.id for b in batches.items} == {c.id for c in world.campaigns}
            for b in batches.items:
                truth = world.campaign(b.id)
                assert truth is not None and b.status in CONTAINER[truth.status]
                assert b.attempt_stages[0].total == truth.total_leads

            batch = await client.get_batch(campaign.id, limit=50)
            if dialect == "canonical":
                assert batch.batch is not None and batch.batch.id == campaign.id
            else:
                assert batch.calls is not None and len(batch.calls.items) == 50
                assert {c.campaign_id for c in batch.calls.items} == {campaign.id}
