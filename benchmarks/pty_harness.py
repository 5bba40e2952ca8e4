"""Run a terminal program in a real pty and measure what it costs (PERFORMANCE.md §5).

The child gets a pty of a fixed size (TIOCSWINSZ), TERM=xterm-256color and COLORTERM=truecolor,
and state/XDG directories in a private temp dir. The harness reads the master side, counts the
bytes, optionally through a token bucket (an emulated slow link: nothing else reads the pty, so
a monitor that writes faster than the link blocks, exactly as behind a slow SSH connection), and
samples the child's CPU time (to the ns where Linux has schedstat: `benchmarks.cpu_time`) and
RSS. Optionally every byte is fed to a `pyte` screen so a benchmark can wait for something to be
*visible*, not just for bytes.

Every loop is bounded by a deadline, and `close()` always ends the child's process group
(SIGTERM, then SIGKILL).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import pty
import select
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import termios
import time
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

import psutil
import pyte

from benchmarks.cpu_time import cpu_seconds

REPO = Path(__file__).resolve().parents[1]
VENV_BIN = Path(sys.executable).parent


def monitor_argv(*extra: str) -> list[str]:
    """The installed `dialnexa-monitor` entry point (or `python -m monitor` without it).

    DIALNEXA_BENCH_EXE names another executable to measure instead (a wrapper, a branch).
    """
    override = os.environ.get("DIALNEXA_BENCH_EXE")
    if override:
        return [override, *extra]
    script = VENV_BIN / "dialnexa-monitor"
    if script.exists():
        return [str(script), *extra]
    return [sys.executable, "-m", "monitor", *extra]


def isolated_env(tmp: Path) -> dict[str, str]:
    """The environment for a child: a fixed terminal, and all state under `tmp`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TEXTUAL", "DIALNEXA"))}
    env.update(
        TERM="xterm-256color",
        COLORTERM="truecolor",
        DIALNEXA_MONITOR_STATE_DIR=str(tmp / "state"),
        XDG_CONFIG_HOME=str(tmp / "config"),
        XDG_STATE_HOME=str(tmp / "xdg-state"),
        XDG_CACHE_HOME=str(tmp / "cache"),
        XDG_DATA_HOME=str(tmp / "data"),
        HOME=str(tmp / "home"),
        LANG=os.environ.get("LANG", "C.UTF-8") or "C.UTF-8",
    )
    for sub in ("state", "config", "xdg-state", "cache", "data", "home"):
        (tmp / sub).mkdir(parents=True, exist_ok=True)
    return env


class TokenBucket:
    """At most `rate` bytes per second on average, bursts up to `burst` bytes."""

    def __init__(self, rate: float, burst: int | None = None) -> None:
        self.rate = rate
        self.burst = burst if burst is not None else max(256, int(rate / 10))
        self.tokens = float(self.burst)
        self.last = time.monotonic()

    def available(self) -> int:
        now = time.monotonic()
        self.tokens = min(float(self.burst), self.tokens + (now - self.last) * self.rate)
        self.last = now
        return int(self.tokens)

    def take(self, n: int) -> None:
        self.tokens -= n

    def wait_for(self, n: int) -> float:
        """Seconds until `n` tokens are there."""
        return max(0.0, (n - self.tokens) / self.rate)


@dataclass
class Arrival:
    t: float
    n: int


@dataclass
class PtyChild:
    """A child process on a pty; the harness is the only reader of the master side."""

    argv: Sequence[str]
    cols: int = 80
    rows: int = 24
    link_rate: float | None = None
    """Bytes per second the harness reads at most (None: as fast as it comes)."""
    emulate: bool = False
    """Feed every byte to a pyte screen (`self.screen`)."""
    answer_queries: bool = False
    """Answer the DEC mode 2026 (synchronized output) query, as modern terminals do."""
    answer_status: bool = True
    """Answer device status queries (`ESC[5n` → `ESC[0n`) when they are read, as every
    terminal does: the monitor paces its output by them (issue 21)."""
    env_extra: dict[str, str] = field(default_factory=dict)
    """Added to the child's (isolated) environment."""
    pid: int = 0
    fd: int = -1
    started: float = 0.0
    total_bytes: int = 0
    arrivals: list[Arrival] = field(default_factory=list)
    screen: pyte.Screen | None = None
    _stream: pyte.ByteStream | None = None
    _bucket: TokenBucket | None = None
    _tail: bytes = b""
    _tmp: tempfile.TemporaryDirectory[str] | None = None
    _proc: psutil.Process | None = None
    exited: bool = False

    # -- lifecycle ----------------------------------------------------------------------------

    def start(self) -> PtyChild:
        self._tmp = tempfile.TemporaryDirectory(prefix="dnx-bench-")
        env = isolated_env(Path(self._tmp.name))
        env.update(self.env_extra)
        if self.emulate:
            self.screen = pyte.Screen(self.cols, self.rows)
            self._stream = pyte.ByteStream(self.screen)
        if self.link_rate is not None:
            self._bucket = TokenBucket(self.link_rate)
        argv = list(self.argv)
        self.started = time.monotonic()
        pid, fd = pty.fork()
        if pid == 0:  # child: own process group is already set up by setsid in pty.fork
            try:
                os.chdir(REPO)
                os.execve(argv[0], argv, env)
            except BaseException:
                os._exit(127)
        self.pid, self.fd = pid, fd
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", self.rows, self.cols, 0, 0))
        os.set_blocking(fd, False)
        try:
            self._proc = psutil.Process(pid)
        except psutil.Error:
            self._proc = None
        return self

    def __enter__(self) -> PtyChild:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self, quit_key: bytes | None = b"q", grace_s: float = 2.0) -> None:
        """Ask the program to quit, then SIGTERM and SIGKILL its process group."""
        if self.pid <= 0:
            return
        if quit_key and not self._reap():
            with contextlib.suppress(OSError):
                self.write(quit_key)
            self._drain_until(self._reap, grace_s)
        for sig, wait_s in ((signal.SIGTERM, 2.0), (signal.SIGKILL, 2.0)):
            if self._reap():
                break
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.pid, sig)
            self._drain_until(self._reap, wait_s)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pid, signal.SIGKILL)  # stragglers in the group, if any
        if self.fd >= 0:
            with contextlib.suppress(OSError):
                os.close(self.fd)
            self.fd = -1
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None
        self.pid = 0

    def _reap(self) -> bool:
        if self.exited:
            return True
        try:
            pid, _status = os.waitpid(self.pid, os.WNOHANG)
        except ChildProcessError:
            self.exited = True
            return True
        if pid != 0:
            self.exited = True
        return self.exited

    # -- I/O ----------------------------------------------------------------------------------

    def write(self, data: bytes) -> float:
        """Send keys; return the monotonic time just before the write."""
        t = time.monotonic()
        os.write(self.fd, data)
        return t

    def pump(self, timeout: float) -> int:
        """Read what may be read within `timeout` seconds (link-limited); return bytes read."""
        if self.fd < 0:
            return 0
        limit = 65536
        if self._bucket is not None:
            avail = self._bucket.available()
            if avail < 64:
                time.sleep(min(timeout, self._bucket.wait_for(64)))
                avail = self._bucket.available()
                if avail < 1:
                    return 0
                timeout = 0.0
            limit = max(1, min(limit, avail))
        try:
            ready, _, _ = select.select([self.fd], [], [], max(0.0, timeout))
        except (OSError, ValueError):
            return 0
        if not ready:
            return 0
        try:
            data = os.read(self.fd, limit)
        except BlockingIOError:
            return 0
        except OSError:  # EIO: the child closed the pty
            self.exited = self._reap() or self.exited
            time.sleep(min(timeout, 0.05))
            return 0
        if not data:
            return 0
        now = time.monotonic()
        if self._bucket is not None:
            self._bucket.take(len(data))
        self.total_bytes += len(data)
        self.arrivals.append(Arrival(now, len(data)))
        if self._stream is not None:
            self._stream.feed(data)
        if self.answer_status:
            seen = self._tail + data  # a query split between two reads counts once
            self._tail = seen[-3:]
            n = seen.count(b"\x1b[5n")
            if n:
                with contextlib.suppress(OSError):
                    os.write(self.fd, b"\x1b[0n" * n)
        if self.answer_queries and b"\x1b[?2026$p" in data:
            with contextlib.suppress(OSError):
                os.write(self.fd, b"\x1b[?2026;2$y")
        return len(data)

    def pump_for(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            self.pump(min(left, 0.05))

    def _drain_until(self, done: Callable[[], bool], timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if done():
                return True
            self.pump(0.02)
        return done()

    def wait_until(self, done: Callable[[], bool], timeout: float) -> float | None:
        """Read until `done()`; the monotonic time it first held, or None on timeout."""
        deadline = time.monotonic() + timeout
        while True:
            if done():
                return time.monotonic()
            if time.monotonic() >= deadline or (self.exited and self.fd < 0):
                return None
            self.pump(min(0.02, max(0.0, deadline - time.monotonic())))

    def wait_quiet(self, quiet_s: float, timeout: float) -> bool:
        """Read until no byte arrived for `quiet_s` seconds (or `timeout`)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            last = self.arrivals[-1].t if self.arrivals else self.started
            if time.monotonic() - last >= quiet_s:
                return True
            self.pump(0.01)
        return False

    def pending_bytes(self) -> int:
        """Bytes written by the child and not yet read (FIONREAD on the master)."""
        try:
            raw = fcntl.ioctl(self.fd, termios.FIONREAD, b"\0\0\0\0")
        except OSError:
            return 0
        return int(struct.unpack("i", raw)[0])

    # -- readings -----------------------------------------------------------------------------

    def cpu_seconds(self) -> float:
        """User + system CPU of the child and its descendants so far."""
        if self._proc is None:
            return 0.0
        total = 0.0
        try:
            procs = [self._proc, *self._proc.children(recursive=True)]
        except psutil.Error:
            return 0.0
        for p in procs:
            exact = cpu_seconds(p.pid)
            if exact is not None:
                total += exact
                continue
            try:
                t = p.cpu_times()
                total += t.user + t.system
            except psutil.Error:
                pass
        return total

    def rss(self) -> int | None:
        if self._proc is None:
            return None
        try:
            return int(self._proc.memory_info().rss)
        except psutil.Error:
            return None

    def screen_text(self) -> list[str]:
        return list(self.screen.display) if self.screen is not None else []


@dataclass
class WindowResult:
    seconds: float
    bytes: int
    cpu_s: float
    rss_start: int | None
    rss_end: int | None
    rss_max: int | None

    @property
    def bytes_per_s(self) -> float:
        return self.bytes / self.seconds if self.seconds > 0 else 0.0

    @property
    def cpu_percent(self) -> float:
        return 100.0 * self.cpu_s / self.seconds if self.seconds > 0 else 0.0


def measure_window(child: PtyChild, warmup_s: float, window_s: float) -> WindowResult:
    """Skip `warmup_s` (still reading), then count bytes and CPU over `window_s`."""
    child.pump_for(warmup_s)
    bytes0 = child.total_bytes
    cpu0 = child.cpu_seconds()
    rss0 = child.rss()
    rss_max = rss0 or 0
    t0 = time.monotonic()
    deadline = t0 + window_s
    next_sample = t0 + 1.0
    while (now := time.monotonic()) < deadline:
        child.pump(min(deadline - now, 0.05))
        if time.monotonic() >= next_sample:
            next_sample += 1.0
            r = child.rss()
            if r is not None:
                rss_max = max(rss_max, r)
    elapsed = time.monotonic() - t0
    cpu1 = child.cpu_seconds()
    rss1 = child.rss()
    return WindowResult(
        seconds=elapsed,
        bytes=child.total_bytes - bytes0,
        cpu_s=cpu1 - cpu0,
        rss_start=rss0,
        rss_end=rss1,
        rss_max=max(rss_max, rss1 or 0) or None,
    )


SIM_KEY = "demo"
"""The key a loopback simulator is started with (through DIALNEXA_API_KEY, never argv)."""


class LoopbackSim:
    """`dialnexa-monitor sim` on 127.0.0.1 in its own process group, so a monitor pointed at it
    (`--base-url`, key in DIALNEXA_API_KEY) is measured alone: with `--demo` the simulator's
    world lives and works in the monitor's own process."""

    def __init__(self, scenario: str = "busy", speed: float = 1.0) -> None:
        self.scenario = scenario
        self.speed = speed
        self.proc: subprocess.Popen[str] | None = None
        self.url: str | None = None
        self._ps: psutil.Process | None = None
        self._tmp = tempfile.TemporaryDirectory(prefix="dnx-bench-sim-")

    def start(self, timeout_s: float = 20.0) -> str | None:
        """Start it; its base URL (the first line it prints), or None if it did not start."""
        env = isolated_env(Path(self._tmp.name))
        env["DIALNEXA_API_KEY"] = SIM_KEY
        argv = monitor_argv(
            "sim", "--port", "0", "--scenario", self.scenario, "--speed", f"{self.speed:g}"
        )
        self.proc = subprocess.Popen(
            argv,
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            start_new_session=True,
        )
        assert self.proc.stdout is not None
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout_s)
        line = self.proc.stdout.readline().strip() if ready else ""
        self.url = line if line.startswith("http") else None
        with contextlib.suppress(psutil.Error):
            self._ps = psutil.Process(self.proc.pid)
        return self.url

    def monitor_env(self, cap: int | None = None) -> dict[str, str]:
        """What a monitor needs beside `--base-url`: the key, and the plan cap `--demo` would
        take from the simulated world (so both runs poll the same way)."""
        env = {"DIALNEXA_API_KEY": SIM_KEY}
        if cap is not None:
            env["DIALNEXA_CONCURRENCY_CAP"] = str(cap)
        return env

    def requests(self, limit: int = 500) -> tuple[int, list[int | None]]:
        """The simulator's request count so far and the statuses of the last `limit` answers
        (its `/_sim/requests` control path, which is neither logged nor rate limited)."""
        if self.url is None:
            return 0, []
        url = self.url.removesuffix("/v1") + f"/_sim/requests?limit={limit}"
        req = urllib.request.Request(url, headers={"Authorization": f"Bearer {SIM_KEY}"})
        try:
            with urllib.request.urlopen(req, timeout=5) as resp:
                body = json.loads(resp.read())
        except (OSError, ValueError):
            return 0, []
        return int(body.get("total", 0)), [row.get("status") for row in body.get("data", [])]

    def rss(self) -> int | None:
        try:
            return None if self._ps is None else int(self._ps.memory_info().rss)
        except psutil.Error:
            return None

    def cpu_seconds(self) -> float | None:
        exact = None if self._ps is None else cpu_seconds(self._ps.pid)
        if exact is not None:
            return exact
        try:
            t = None if self._ps is None else self._ps.cpu_times()
        except psutil.Error:
            return None
        return None if t is None else t.user + t.system

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            for sig in (signal.SIGTERM, signal.SIGKILL):
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, sig)
                try:
                    self.proc.wait(timeout=3.0)
                    break
                except subprocess.TimeoutExpired:
                    continue
        if self.proc is not None and self.proc.stdout is not None:
            self.proc.stdout.close()
        self._tmp.cleanup()

    def __enter__(self) -> LoopbackSim:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def percentile(values: Sequence[float], q: float) -> float | None:
    """Nearest-rank-with-interpolation percentile (q in 0..100); None when empty."""
    if not values:
        return None
    s = sorted(values)
    if len(s) == 1:
        return s[0]
    pos = (len(s) - 1) * q / 100.0
    lo = int(pos)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (pos - lo)


def htop_path() -> str | None:
    return shutil.which("htop")


def metric(
    name: str,
    value: float | None,
    unit: str,
    *,
    target: str | None = None,
    baseline: str | None = None,
    baseline_value: float | None = None,
    scenario: str = "",
    note: str = "",
) -> dict[str, object]:
    """One result row, in the shape `benchmarks.run` aggregates."""
    return {
        "metric": name,
        "value": None if value is None else round(float(value), 3),
        "unit": unit,
        "target": target,
        "baseline": baseline,
        "baseline_value": None if baseline_value is None else round(float(baseline_value), 3),
        "scenario": scenario,
        "note": note,
    }
