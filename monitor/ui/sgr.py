"""SGR (style) sequences read as attributes, and the shortest change from one style to another.

Used by `monitor.ui.compact`. A style is kept two ways: `Raw`, the parameter lists applied since
the last reset as written (always exact), and `Attrs`, the same read as attributes when every
parameter is one this module knows (then two spellings of one style compare equal, and a
change can be written as the difference instead of a reset and the whole style).
"""

from __future__ import annotations

Raw = tuple[str, ...]
"""SGR parameter lists applied since the last reset, as written (always exact)."""
Attrs = dict[str, str]
"""The same style read as attributes (`bold`, `fg`, ...), when every parameter is known."""

_FLAGS = {
    "1": "bold",
    "2": "dim",
    "3": "italic",
    "4": "underline",
    "5": "blink",
    "7": "reverse",
    "8": "conceal",
    "9": "strike",
    "53": "overline",
}
_OFF = {
    "23": ("italic",),
    "24": ("underline",),
    "25": ("blink",),
    "27": ("reverse",),
    "28": ("conceal",),
    "29": ("strike",),
    "55": ("overline",),
    "22": ("bold", "dim"),
    "39": ("fg",),
    "49": ("bg",),
}
_ON_CODE = {name: code for code, name in _FLAGS.items()}
_OFF_CODE = {
    "italic": "23",
    "underline": "24",
    "blink": "25",
    "reverse": "27",
    "conceal": "28",
    "strike": "29",
    "overline": "55",
}
_BASIC_FG = frozenset(str(n) for n in [*range(30, 38), *range(90, 98)])
_BASIC_BG = frozenset(str(n) for n in [*range(40, 48), *range(100, 108)])


def read_sgr(attrs: Attrs, params: str) -> Attrs | None:
    """`attrs` after the SGR `params`; None when a parameter is not one this module knows."""
    out = dict(attrs)
    parts = params.split(";")
    i = 0
    while i < len(parts):
        p = parts[i]
        if p in ("", "0"):
            out.clear()
        elif p in _FLAGS:
            out[_FLAGS[p]] = "1"
        elif p in _OFF:
            for name in _OFF[p]:
                out.pop(name, None)
        elif p in _BASIC_FG:
            out["fg"] = p
        elif p in _BASIC_BG:
            out["bg"] = p
        elif p in ("38", "48"):
            mode = parts[i + 1] if i + 1 < len(parts) else ""
            n = {"5": 1, "2": 3}.get(mode)
            values = parts[i + 2 : i + 2 + n] if n else []
            if n is None or len(values) != n or not all(v.isdigit() for v in values):
                return None
            out["fg" if p == "38" else "bg"] = ";".join([p, mode, *values])
            i += 1 + n
        else:
            return None
        i += 1
    return out


def codes_of(attrs: Attrs) -> list[str]:
    """The parameters that set `attrs` from the default style."""
    codes = [_ON_CODE[k] for k in _ON_CODE if k in attrs]
    return codes + [attrs[k] for k in ("fg", "bg") if k in attrs]


def diff_codes(have: Attrs, want: Attrs) -> list[str]:
    """The parameters that take `have` to `want` without a reset."""
    codes: list[str] = []
    if any(k in have and k not in want for k in ("bold", "dim")):
        codes.append("22")
        codes += [_ON_CODE[k] for k in ("bold", "dim") if k in want]
    else:
        codes += [_ON_CODE[k] for k in ("bold", "dim") if k in want and k not in have]
    for name, off in _OFF_CODE.items():
        if name in have and name not in want:
            codes.append(off)
        elif name in want and name not in have:
            codes.append(_ON_CODE[name])
    for key, default in (("fg", "39"), ("bg", "49")):
        if have.get(key) != want.get(key):
            codes.append(want.get(key, default))
    return codes


def style_key(raw: Raw, attrs: Attrs | None) -> tuple[tuple[str, str], ...]:
    """One value per distinct look (cells drawn in equal keys look the same)."""
    if attrs is None:
        return (("raw", ";".join(raw)),)
    return tuple(sorted(attrs.items()))


def transition(have_raw: Raw | None, have: Attrs | None, want_raw: Raw, want: Attrs | None) -> str:
    """The shortest SGR found that takes the terminal from `have` to `want` ("" if none)."""
    codes = list(want_raw) if want is None else codes_of(want)
    full = f"\x1b[0;{';'.join(codes)}m" if codes else "\x1b[0m"
    if have_raw is None:
        return full
    if have_raw == want_raw:
        return ""
    best = full
    if want_raw[: len(have_raw)] == have_raw:  # only parameters added since
        best = f"\x1b[{';'.join(want_raw[len(have_raw) :])}m"
    if have is not None and want is not None:
        if have == want:
            return ""
        diff = f"\x1b[{';'.join(diff_codes(have, want))}m"
        if len(diff) < len(best):
            best = diff
    return best if len(best) < len(full) else full


__all__ = ["Attrs", "Raw", "read_sgr", "style_key", "transition"]
