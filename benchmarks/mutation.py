"""`make mutation`'s report: the score per module and every mutant the tests let live.

mutmut (configured in pyproject's `[tool.mutmut]`) leaves its verdicts in `mutants/**/*.meta`
and every mutant as a function beside the original in `mutants/**/*.py`; this reads both and
writes benchmarks/mutation.md (the report the README cites) and benchmarks/mutation.json (which
`make bench` adds to benchmarks/results beside the other figures).

A mutant that no test can kill because it does not change behaviour (an equivalent mutant) is
listed in EQUIVALENT with why; the score is killed / (all - equivalent). A mutant whose function
no selected test reaches ("no tests") counts as a survivor.
"""

from __future__ import annotations

import ast
import difflib
import json
import subprocess
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
MUTANTS = REPO / "mutants"

KILLED = {1: "killed", 3: "killed", 36: "timeout", -24: "timeout", 24: "timeout", 152: "timeout"}
"""mutmut's exit codes that mean a test noticed (a timeout is a mutant that made a test hang)."""

_ISO_Z = "Python 3.11's `fromisoformat` reads a trailing `Z` itself; only `z` needs the rewrite"
_ERRORS = (
    "only each error's `loc` and `msg` are read: whether pydantic adds the input or a URL to "
    "the error changes nothing shown"
)
_HEADERS = "`httpx.Headers` look names up case-insensitively"
_ZERO_WAIT = "it appends a wait of 0 or less, and 0 is already the least wait"
EQUIVALENT: list[tuple[str, str, str]] = [
    # (function, text in the mutated line, why no test can tell the mutant from the original)
    ("parse_datetime", 'text.endswith(("z", "XXZXX"))', _ISO_Z),
    ("parse_datetime", 'text.endswith(("z", "z"))', _ISO_Z),
    (
        "parse_retry_history",
        'call_id: Any = ""',
        "an empty id falls back to the id asked for, exactly as None does",
    ),
    ("describe_error", "exc.errors(include_url=False)", _ERRORS),
    ("describe_error", "exc.errors(include_input=False, )", _ERRORS),
    ("describe_error", "include_input=True", _ERRORS),
    ("describe_error", "include_url=True", _ERRORS),
    ("server_time", 'headers.get("DATE")', _HEADERS),
    ("parse_rate_limit", '"X-RATELIMIT-', _HEADERS),
    ("parse_rate_limit", '"RETRY-AFTER"', _HEADERS),
    (
        "Budget._refill",
        "if now >= self.updated:",
        "at `now == updated` the refill adds no token and keeps the same instant",
    ),
    ("Budget.wait_s", "if now <= self.paused_until:", _ZERO_WAIT),
    ("Budget.wait_s", "if self.tokens <= 1:", _ZERO_WAIT),
    ("Budget.wait_s", "if self.tokens < 2:", _ZERO_WAIT),
    (
        "Budget.wait_s",
        "min(len(self.sent) + 1,",
        "the other term, `len - max(1, …)`, is never above `len - 1`",
    ),
    ("Paging.done", "self._probing = None", "None and False read alike in `if self._probing`"),
    (
        "Paging.done",
        "self._probing = True",
        "the next page of the same listing can only learn "
        "`honoured = False` again (the probe had rows) or there is none (it had no rows: the end)",
    ),
    ("_ratio", "(math.isfinite(value)) or True", "a ratio of two finite counts is finite"),
]


@dataclass(frozen=True)
class Mutant:
    key: str
    module: str
    function: str
    status: str
    diff: tuple[str, ...]
    equivalent: str | None


def _status(code: int | None) -> str:
    if code in KILLED:
        return "killed"
    return {0: "survived", 5: "no tests", 33: "no tests", None: "not checked"}.get(
        code, "suspicious"
    )


def _functions(source_file: Path) -> dict[str, str]:
    text = source_file.read_text(encoding="utf-8")
    found: dict[str, str] = {}
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and "__mutmut_" in node.name:
            found[node.name] = ast.get_source_segment(text, node) or ""
    return found


def _diff(original: str, mutant: str) -> tuple[str, ...]:
    lines = difflib.unified_diff(original.splitlines(), mutant.splitlines(), lineterm="", n=0)
    return tuple(
        line.strip() if line[0] in "+-" else line
        for line in lines
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    )


def _equivalent(function: str, diff: tuple[str, ...]) -> str | None:
    added = " ".join(line[1:].strip() for line in diff if line.startswith("+"))
    for name, text, why in EQUIVALENT:
        if function == name and text in added:
            return why
    return None


def collect() -> list[Mutant]:
    mutants: list[Mutant] = []
    for meta in sorted(MUTANTS.rglob("*.py.meta")):
        codes: dict[str, int | None] = json.loads(meta.read_text())["exit_code_by_key"]
        functions = _functions(meta.with_suffix(""))
        for key, code in codes.items():
            module, _, name = key.rpartition(".x")
            name = "x" + name
            function = name.rsplit("__mutmut_", 1)[0]
            original = functions.get(f"{function}__mutmut_orig", "")
            mutated = functions.get(name, "").replace(name, f"{function}__mutmut_orig", 1)
            diff = _diff(original, mutated)
            bare = function.removeprefix("x_").replace("xǁ", "").replace("ǁ", ".")
            mutants.append(Mutant(key, module, bare, _status(code), diff, _equivalent(bare, diff)))
    return mutants


def summarise(mutants: list[Mutant]) -> dict[str, object]:
    per_module: dict[str, Counter[str]] = defaultdict(Counter)
    for m in mutants:
        counts = per_module[m.module]
        counts["total"] += 1
        counts["equivalent" if m.equivalent and m.status != "killed" else m.status] += 1
    modules = {}
    for module, c in sorted(per_module.items()):
        scored = c["total"] - c["equivalent"]
        modules[module] = {**c, "score": round(c["killed"] / scored, 4) if scored else None}
    total: Counter[str] = sum(per_module.values(), Counter())
    scored = total["total"] - total["equivalent"]
    return {
        "score": round(total["killed"] / scored, 4) if scored else None,
        **total,
        "modules": modules,
    }


def _pct(value: object) -> str:
    return f"{value:.1%}" if isinstance(value, float) else "–"


def markdown(summary: dict[str, object], mutants: list[Mutant]) -> str:
    modules = summary["modules"]
    assert isinstance(modules, dict)
    out = [
        "# Mutation testing (`make mutation`)",
        "",
        "Generated by `benchmarks/mutation.py` from mutmut's run over the pure layers, killed by",
        "the unit tests listed in pyproject's `[tool.mutmut]`. Score = killed / (mutants -",
        "equivalent); a mutant no selected test reaches counts against the score.",
        "",
        f"Run {summary.get('date', '')} at commit {summary.get('commit', '?')}.",
        "",
        f"**Score: {_pct(summary['score'])}** ({summary.get('killed', 0)} killed of "
        f"{summary.get('total', 0)} mutants, {summary.get('equivalent', 0)} equivalent, "
        f"{summary.get('survived', 0)} survived, {summary.get('no tests', 0)} not reached).",
        "",
        "| module | mutants | killed | survived | not reached | equivalent | score |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for module, c in modules.items():
        out.append(
            f"| `{module}` | {c['total']} | {c.get('killed', 0)} | {c.get('survived', 0)} | "
            f"{c.get('no tests', 0)} | {c.get('equivalent', 0)} | {_pct(c['score'])} |"
        )
    for title, pick in (
        ("Surviving mutants", lambda m: m.status != "killed" and not m.equivalent),
        ("Equivalent mutants (survive by design)", lambda m: m.status != "killed" and m.equivalent),
    ):
        chosen = [m for m in mutants if pick(m)]
        out += ["", f"## {title}: {len(chosen)}", ""]
        for m in chosen:
            why = f" — {m.equivalent}" if m.equivalent else ""
            out.append(f"- `{m.key.rsplit('.', 1)[-1]}` ({m.status}){why}")
            out += [f"  - `{line}`" for line in m.diff[:6]]
    return "\n".join(out) + "\n"


def _commit() -> str:
    try:
        out = subprocess.run(
            ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
            capture_output=True, text=True, timeout=10, check=False,
        )  # fmt: skip
    except OSError:
        return "?"
    return out.stdout.strip() or "?"


def metric_row() -> dict[str, object] | None:
    """The last `make mutation`'s score as a `make bench` result row (None if never run)."""
    path = HERE / "mutation.json"
    if not path.is_file():
        return None
    s = json.loads(path.read_text())
    score = s.get("score")
    return {
        "metric": "mutation.score",
        "value": None if score is None else round(100 * score, 1),
        "unit": "%",
        "target": ">= 90 %",
        "baseline": None,
        "baseline_value": None,
        "scenario": "pure layers",
        "date": s.get("date", ""),
        "note": f"`make mutation` at commit {s.get('commit', '?')}: {s.get('killed', 0)} killed "
        f"of {s.get('total', 0)} mutants, {s.get('equivalent', 0)} equivalent, "
        f"{s.get('survived', 0)} survived (benchmarks/mutation.md)",
    }


def main() -> int:
    if not MUTANTS.is_dir():
        print("no mutants/ folder: run `make mutation`", file=sys.stderr)
        return 2
    mutants = collect()
    summary = summarise(mutants)
    summary["date"] = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    summary["commit"] = _commit()
    (HERE / "mutation.json").write_text(json.dumps(summary, indent=1) + "\n")
    (HERE / "mutation.md").write_text(markdown(summary, mutants), encoding="utf-8")
    print(f"mutation score {_pct(summary['score'])}: see benchmarks/mutation.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
