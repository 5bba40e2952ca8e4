"""FAULTS S12: the artefacts we keep or hand around carry no key.

Scanned when present: the committed snapshot SVGs (`tests/**/__snapshots__`), any
`snapshot_report.html` (pytest-textual-snapshot writes one when a snapshot fails; gitignored),
the benchmark results (`benchmarks/results.json` and `results.md`, gitignored, and everything
under `benchmarks/out/`: the scorecard JSON and the benchmarks' logs), and the READMEs whose
figures come from those runs. Each file is read as written and, for SVG and HTML, as the text a
viewer shows (entities undone, tags dropped, so a key split over two styled spans is whole
again); JSON also as its decoded strings (no `\\u` escape hides anything).

What counts: anything shaped like a key (the vendor's `dnx_live_`/`dnx_test_` keys, the canary
`dnx_live_CANARY…`, a `Bearer` token, an `Authorization` value, URL userinfo with a password, a
credential-like query parameter) and any 6-character window or the first 12 characters of the
canary's fixed prefix (what a truncated repr leaves, FAULTS H6). The canary's random tail differs
on every run, so a fragment of the tail alone cannot be recognised afterwards: the runs that
make these artefacts scan for their own canary as they go (`test_fault_screen_more.py` S12 and
S14, `benchmarks/reliability.py`).

`detect-secrets` is not used here (see tests/faults/README.md): over the tracked files it takes
about 7 s and reports 29 deliberate test keys and masking patterns; it skips `.svg` files, and
on the SVGs' text its entropy plugins flag thousands of font and style lines; it does not know
the `dnx_` key shape.
"""

from __future__ import annotations

import html
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path

from rich.console import Console
from rich.text import Text

from tests.leakscan import CANARY_PREFIX, find_leaks, make_canary

REPO = Path(__file__).resolve().parents[2]

KEY_SHAPES = {
    "vendor key": re.compile(r"\bdnx_(?:live|test)_[A-Za-z0-9]{4,}"),
    "canary": re.compile(r"CANARY[A-Za-z0-9]{4,}"),
    "Bearer token": re.compile(r"(?i)\bbearer\s+(?!\[redacted\])[A-Za-z0-9._~+/=\-]{8,}"),
    "Authorization value": re.compile(
        r"(?i)\bauthorization[\"']?\s*[:=]\s*[\"']?(?!\[redacted\]|\[secure\]|bearer\b)"
        r"[^\s\"',;}\]]{8,}"
    ),
    "URL userinfo": re.compile(r"(?i)\b[a-z][a-z0-9+.\-]*://[^/\s@:]+:[^/\s@]+@"),
    "credential parameter": re.compile(
        r"(?i)[?&;](?:api[_-]?key|access[_-]?token|token|secret|password)="
        r"(?!\[redacted\])[^&\s#\"']{4,}"
    ),
}
"""Independent of `monitor.config.logs`'s masking patterns: the scan must not share the code it
checks."""

SKIP_DIRS = {".venv", ".git", "node_modules", ".mypy_cache", ".ruff_cache", ".pytest_cache"}


def artefacts(root: Path = REPO) -> list[Path]:
    """Every artefact present under `root` (committed or generated)."""
    found: set[Path] = set()
    found.update(root.glob("tests/**/__snapshots__/**/*.svg"))
    found.update(p for p in root.rglob("snapshot_report.html") if not SKIP_DIRS & set(p.parts))
    for name in ("results.json", "results.md", "README.md"):
        path = root / "benchmarks" / name
        if path.is_file():
            found.add(path)
    found.update(p for p in (root / "benchmarks" / "out").rglob("*") if p.is_file())
    found.update(p for p in root.glob("*.md") if p.is_file())
    found.update(p for p in (root / "docs").rglob("*") if p.is_file())
    return sorted(found)


def readings(path: Path) -> Iterator[tuple[str, str]]:
    """The file's text as written, and as a reader sees it (SVG/HTML: the visible text; JSON:
    its decoded strings)."""
    raw = path.read_text(encoding="utf-8", errors="replace")
    yield "raw", raw
    if path.suffix in {".svg", ".html"}:
        visible = html.unescape(re.sub(r"<[^>]*>", "", raw)).replace("\xa0", " ")
        yield "visible text", visible
    if path.suffix == ".json":
        try:
            decoded = json.loads(raw)
        except ValueError:
            return
        yield "decoded JSON", "\n".join(_strings(decoded))


def _strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield str(k)
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def findings(text: str) -> list[str]:
    """What in `text` looks like a key: shape names and prefix fragments (never the match
    itself, so a failure message is not a leak of its own)."""
    hits = [name for name, pattern in KEY_SHAPES.items() if pattern.search(text)]
    fragments = find_leaks(text, CANARY_PREFIX, allow_last4=True)
    if fragments:
        hits.append(f"{len(fragments)} fragment(s) of {CANARY_PREFIX[:4]}…")
    return hits


def scan(paths: list[Path]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for path in paths:
        for how, text in readings(path):
            hits = findings(text)
            if hits:
                name = path.relative_to(REPO) if path.is_relative_to(REPO) else path
                out[f"{name} ({how})"] = hits
    return out


def test_S12_committed_and_generated_artefacts_carry_no_key() -> None:
    paths = artefacts()
    svgs = [p for p in paths if p.suffix == ".svg"]
    assert len(svgs) >= 10, f"the snapshot SVGs were not found: {svgs}"
    assert (REPO / "README.md") in paths
    assert scan(paths) == {}


PLANTS = {
    # Five characters a span: no 6-character window is whole in the SVG's source.
    "split over styled spans": lambda key: Text.assemble(
        *((key[i : i + 5], ("red", "blue")[i // 5 % 2]) for i in range(0, len(key), 5))
    ),
    "truncated as pydantic does (H6)": lambda key: Text(f"'{key[:9]}...{key[-4:]}'"),
}


def test_S12_the_scan_sees_a_canary_in_an_svg(tmp_path: Path) -> None:
    """The scan itself: a canary drawn into a Rich SVG export (as the snapshots are made) is
    found, split over styled spans or truncated."""
    for n, (how, plant) in enumerate(PLANTS.items()):
        console = Console(record=True, width=60, file=io.StringIO())
        console.print(plant(make_canary()))
        svg = tmp_path / f"planted{n}.svg"
        svg.write_text(console.export_svg(title="planted"), encoding="utf-8")
        assert scan([svg]), f"a canary {how} went unseen"
        if how.startswith("split"):
            raw = svg.read_text(encoding="utf-8")
            assert findings(raw) == [], "the source alone shows it: the split test is moot"


CREDENTIALS = (
    'GET /v1/calls?api_key=abcdef123456 "200"',
    "Authorization: Bearer sk_abcdefghijkl",
    "https://user:hunter22@api.example.com/v1",
    '{"authorization": "abcdefghijklmnop"}',
)
MASKED = (
    "Authorization: [redacted]",
    "'authorization': '[secure]'",
    "GET /v1/calls?page=1&limit=100",
    "BearerAuth(key=**********)",
)


def test_S12_the_scan_sees_credentials_in_logs_and_json(tmp_path: Path) -> None:
    for n, line in enumerate(CREDENTIALS):
        log = tmp_path / f"bench{n}.log"
        log.write_text(f"10:00:01 INFO {line}\n", encoding="utf-8")
        report = tmp_path / f"results{n}.json"
        report.write_text(json.dumps({"note": line}), encoding="utf-8")
        assert scan([log]), line
        assert scan([report]), line
    for line in MASKED:
        assert findings(line) == [], line
