"""Reading and editing NEMO namelist files (``namelist_cfg``, ``namelist_ref``) as text.

Enough Fortran namelist for patch-nemo and check-nemo: groups ``&name ... /``, ``key = value``
assignments (several on a line, separated by commas), ``!`` comments outside quotes. Edits keep
every other line as it is.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

_GROUP = re.compile(r"^\s*&(\w+)", re.I)
_END = re.compile(r"^\s*/\s*(!.*)?$")
_ASSIGN = re.compile(r"([\w%]+)(\([^)]*\))?\s*=\s*('(?:[^']|'')*'|\"[^\"]*\"|[^,]*)")


@dataclass(frozen=True)
class Group:
    name: str  # lower case
    start: int  # line index of "&name"
    end: int  # line index of "/"


def strip_comment(line: str) -> str:
    """The line without its ``!`` comment (a ``!`` inside quotes is kept)."""
    quote = None
    for k, ch in enumerate(line):
        if quote:
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch == "!":
            return line[:k]
    return line


def groups(lines: list[str], name: str | None = None) -> list[Group]:
    """The groups of a namelist, in order (only those called ``name`` when given)."""
    found = []
    k = 0
    while k < len(lines):
        m = _GROUP.match(strip_comment(lines[k]))
        if m:
            end = next((e for e in range(k + 1, len(lines)) if _END.match(lines[e])), len(lines))
            if name is None or m.group(1).lower() == name.lower():
                found.append(Group(m.group(1).lower(), k, end))
            k = end
        k += 1
    return found


def assignments(lines: list[str], group: Group) -> list[tuple[int, str, str]]:
    """``(line index, key (lower case), value text)`` of every assignment in the group."""
    out = []
    first = _GROUP.sub("", strip_comment(lines[group.start]), count=1)
    for k in range(group.start, min(group.end, len(lines))):
        text = first if k == group.start else strip_comment(lines[k])
        for m in _ASSIGN.finditer(text):
            out.append((k, m.group(1).lower(), m.group(3).strip()))
    return out


def value(text: str, group: str, key: str) -> str | None:
    """The value text of ``key`` in the first ``&group`` (what NEMO reads), or None."""
    lines = text.splitlines()
    found = groups(lines, group)
    if not found:
        return None
    hits = [v for _, k, v in assignments(lines, found[0]) if k == key.lower()]
    return hits[-1] if hits else None


def parse_value(text: str | None):
    """A Fortran value as Python: logical, int, float or str (quotes removed)."""
    if text is None:
        return None
    t = text.strip()
    low = t.lower().strip(".")
    if low in ("true", "t"):
        return True
    if low in ("false", "f"):
        return False
    if len(t) >= 2 and t[0] == t[-1] and t[0] in "'\"":
        return t[1:-1].replace("''", "'") if t[0] == "'" else t[1:-1]
    try:
        return int(t)
    except ValueError:
        pass
    try:
        return float(t.lower().replace("d", "e"))
    except ValueError:
        return t


def lookup(texts: list[str], group: str, key: str):
    """``key`` of ``&group`` from the first text that sets it (``namelist_cfg`` before
    ``namelist_ref``, as NEMO reads them), parsed; None when none sets it."""
    for text in texts:
        v = value(text, group, key)
        if v is not None:
            return parse_value(v)
    return None


def set_keys(text: str, group: str, values: dict[str, str]) -> str:
    """Set ``key = value`` in the first ``&group`` (appended at the end when missing). A key
    alone on its line keeps the line's place and comment; one sharing a line with others is
    taken out of it; a key the group lacks is added after ``&group``."""
    lines = text.splitlines()
    if not groups(lines, group):
        lines += [f"&{group}", "/"]
    g = groups(lines, group)[0]
    todo = {k.lower(): v for k, v in values.items()}
    placed: set[str] = set()
    drop: set[int] = set()
    for k, key, _ in assignments(lines, g):
        if key not in todo:
            continue
        body = strip_comment(lines[k])
        head = _GROUP.match(body).group(0) if k == g.start else ""
        found = list(_ASSIGN.finditer(body[len(head):]))
        others = [m.group(0).strip() for m in found if m.group(1).lower() not in todo]
        if k != g.start and len(found) == 1 and key not in placed:
            m = found[0]
            lines[k] = (body[:m.start(3)] + todo[key]
                        + " " * max(1, len(m.group(3)) - len(todo[key]) + 1)).rstrip() + (
                " " * 3 + lines[k][len(body):].lstrip() if lines[k][len(body):].strip() else "")
            placed.add(key)
        elif k == g.start:
            lines[k] = head + (" " + ", ".join(others) if others else "")
        elif others:
            lines[k] = "   " + ", ".join(others)
        else:
            drop.add(k)
    new = [f"   {key} = {val}" for key, val in todo.items() if key not in placed]
    lines = lines[:g.start + 1] + new + [ln for k, ln in enumerate(lines[g.start + 1:],
                                                                   g.start + 1) if k not in drop]
    return "\n".join(lines) + "\n"


def closest(key: str, known: list[str]) -> str | None:
    hits = difflib.get_close_matches(key.lower(), known, n=1, cutoff=0.6)
    return hits[0] if hits else None
