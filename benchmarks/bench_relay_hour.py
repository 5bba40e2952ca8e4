"""Redis's memory after an hour of the relay (issue 18): bounded by the stream's MAXLEN.

Not part of `make bench` (its 5-minute budget): `make bench-relay-hour` (about 61 minutes).
A real `dialnexa-monitor relay --demo --scenario busy` process (the simulator in-process, as in
`bench_relay`) publishes for `minutes` real minutes to a real redis-server on a free loopback
port. A stand-in viewer writes intents as a monitor does (a heartbeat every 10 s, a new
selected call every minute), so the parts hash churns as it does on a desk: each selection's
part is written, then deleted when no viewer looks at it any more. Every minute `INFO memory`
(used_memory) and the two streams' lengths are sampled and appended, one JSON line each, to
`--out` (default `benchmarks/relay_hour.jsonl`), so a run that is cut short still has its
curve. The figure: used_memory at the end, against its value when the stream first held MAXLEN
entries (flat = bounded).

    .venv/bin/python -m benchmarks.bench_relay_hour [MINUTES] [--out FILE]
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.bench_relay import REPO, free_port
from benchmarks.pty_harness import metric

NAMESPACE = "hour"
SAMPLE_S = 60.0
HEARTBEAT_S = 10.0


def _info_memory(client: Any) -> int:
    return int(client.info("memory")["used_memory"])


def _active_ids(client: Any, parts_key: str) -> list[str]:
    """The active calls in the relay's published data part (`"<serial> <json>"`)."""
    raw = client.hget(parts_key, "data")
    if not raw:
        return []
    _serial, _, body = raw.decode().partition(" ")
    data = json.loads(body)
    return [str(row["id"]) for row in data.get("active", []) if "id" in row]


def run(minutes: float = 60.0, out: Path | None = None) -> list[dict[str, object]]:
    import redis

    from monitor.feeds.redis_link import STREAM_MAXLEN, RedisTarget
    from monitor.feeds.relay_viewers import intent_fields

    out = out or REPO / "benchmarks" / "relay_hour.jsonl"
    binary = shutil.which("redis-server")
    if binary is None:
        return [metric("relay.redis_memory_1h", None, "MB", note="redis-server missing")]
    port = free_port()
    workdir = tempfile.mkdtemp(prefix="bench-relay-hour-")
    server = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", workdir],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"redis://127.0.0.1:{port}/0"
    target = RedisTarget(url, NAMESPACE)
    relay = None
    samples: list[dict[str, Any]] = []
    out.write_text("")
    try:
        time.sleep(0.5)
        client: Any = redis.Redis.from_url(url)
        start_memory = _info_memory(client)
        env = {**os.environ, "DIALNEXA_MONITOR_LOG_DIR": workdir,
               "DIALNEXA_MONITOR_CONFIG": os.devnull}  # fmt: skip
        relay = subprocess.Popen(
            [sys.executable, "-m", "monitor", "relay", "--demo", "--scenario", "busy",
             "--redis", url, "--namespace", NAMESPACE],
            cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        t0 = time.monotonic()
        end = t0 + minutes * 60
        next_sample = t0 + SAMPLE_S
        next_beat = t0
        selected: str | None = None
        picks = 0
        while time.monotonic() < end:
            now = time.monotonic()
            if now >= next_beat:
                ids = _active_ids(client, target.parts)
                if ids and (selected is None or selected not in ids or
                            now - t0 >= (picks + 1) * SAMPLE_S):  # fmt: skip
                    selected = ids[picks % len(ids)]
                    picks += 1
                fields = intent_fields("bench-hour-viewer", "hello", selected, None, None)
                client.xadd(target.intents, fields, maxlen=1000, approximate=True)
                next_beat += HEARTBEAT_S
            if now >= next_sample:
                row = {
                    "minute": round((now - t0) / 60, 2),
                    "used_memory": _info_memory(client),
                    "xlen": int(client.xlen(target.snapshots)),
                    "intents": int(client.xlen(target.intents)),
                    "parts": int(client.hlen(target.parts)),
                    "relay_alive": relay.poll() is None,
                    # Where the bytes are: the stream (bounded by MAXLEN), the parts hash (the
                    # data part lists every call the store knows: it grows with the store's
                    # hour of ended calls), the intents (bounded at 1,000).
                    "stream_bytes": client.memory_usage(target.snapshots),
                    "parts_bytes": client.memory_usage(target.parts),
                    "intents_bytes": client.memory_usage(target.intents),
                    "data_part_chars": int(client.hstrlen(target.parts, "data")),
                }
                samples.append(row)
                with out.open("a") as fh:
                    fh.write(json.dumps(row) + "\n")
                next_sample += SAMPLE_S
            time.sleep(max(0.0, min(next_beat, next_sample, end) - time.monotonic()))
        client.close()
    finally:
        if relay is not None:
            relay.send_signal(signal.SIGTERM)
            relay.wait(15)
        server.terminate()
        server.wait(10)
        shutil.rmtree(workdir, ignore_errors=True)
    if not samples:
        raise RuntimeError("no sample")
    full = next((s for s in samples if s["xlen"] >= STREAM_MAXLEN), samples[-1])
    last = samples[-1]
    growth = (last["used_memory"] - full["used_memory"]) / max(full["used_memory"], 1)
    stream = [s.get("stream_bytes") or 0 for s in samples if s["xlen"] >= STREAM_MAXLEN]
    every = max(len(samples) // 12, 1)
    curve = ", ".join(f"{s['used_memory'] / 1e6:.2f}" for s in samples[::every])
    return [
        metric(
            "relay.redis_memory_1h",
            last["used_memory"] / 1e6,
            "MB",
            scenario=f"busy, one relay, one viewer changing call every minute, {minutes:g} min",
            target=f"bounded by MAXLEN {STREAM_MAXLEN} (flat once the stream is full)",
            note=(
                f"empty Redis {start_memory / 1e6:.2f} MB; at minute {full['minute']:g} (the "
                f"stream first at {full['xlen']} entries) {full['used_memory'] / 1e6:.2f} MB; "
                "at the end "
                f"{last['used_memory'] / 1e6:.2f} MB ({100 * growth:+.1f}%), stream {last['xlen']}"
                f", intents {last['intents']}, parts {last['parts']}; the stream itself "
                f"{min(stream, default=0) / 1e3:.0f}-{max(stream, default=0) / 1e3:.0f} kB once "
                f"full, the data part {last['data_part_chars'] / 1e3:.0f} kB at the end; MB every "
                f"~5 min: {curve}"
            ),
        )
    ]


if __name__ == "__main__":
    args = [a for a in sys.argv[1:]]
    out_path = None
    if "--out" in args:
        i = args.index("--out")
        out_path = Path(args[i + 1])
        del args[i : i + 2]
    print(json.dumps(run(float(args[0]) if args else 60.0, out_path), indent=1))
