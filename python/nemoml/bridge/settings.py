"""The settings string the host passes at init: ``key = value`` lines from its namelist.

Values follow Fortran namelist spelling (``.true.``, ``'text'``, ``1.5d0``). Unknown keys are an
error, as a misspelled variable is in NEMO's namelists.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields

Value = bool | int | float | str


def parse_value(text: str) -> Value:
    t = text.strip()
    low = t.lower()
    if low in (".true.", "t", ".t.", "true"):
        return True
    if low in (".false.", "f", ".f.", "false"):
        return False
    if len(t) >= 2 and t[0] == t[-1] and t[0] in "'\"":
        return t[1:-1].strip()
    try:
        return int(t)
    except ValueError:
        pass
    try:
        return float(low.replace("d", "e"))
    except ValueError:
        return t


def parse_settings(text: str) -> dict[str, Value]:
    out: dict[str, Value] = {}
    for n, raw in enumerate(text.replace(";", "\n").splitlines(), 1):
        line = raw.split("!", 1)[0].strip()
        if not line:
            continue
        if "=" not in line:
            raise ValueError(f"settings line {n}: expected 'key = value', got {raw.strip()!r}")
        key, value = line.split("=", 1)
        out[key.strip().lower()] = parse_value(value)
    return out


@dataclass
class Settings:
    """What the bridge itself reads; hook-specific keys are kept in ``extra``."""

    nn_nemoml_threads: int = 1          # torch threads per rank (one MPI rank per core)
    cn_nemoml_models: str = ""          # "name=path, name=path": loaded once at init
    cn_nemoml_istate: str = ""          # istate handler: "model:NAME" (or "" to leave the state)
    cn_nemoml_increments: str = ""      # increments handler: "model:NAME"
    ln_nemoml_check_land: bool = True   # fields must be zero on land points
    extra: dict[str, Value] = field(default_factory=dict)

    @classmethod
    def from_text(cls, text: str, known_extra: frozenset[str] = frozenset()) -> Settings:
        values = parse_settings(text)
        names = {f.name for f in fields(cls)} - {"extra"}
        kwargs, extra = {}, {}
        for key, value in values.items():
            if key in names:
                kwargs[key] = value
            elif key in known_extra:
                extra[key] = value
            else:
                raise ValueError(f"unknown nemoml setting {key!r} (known: "
                                 f"{', '.join(sorted(names | known_extra))})")
        s = cls(**kwargs, extra=extra)
        s.validate()
        return s

    def validate(self) -> None:
        if not isinstance(self.nn_nemoml_threads, int) or self.nn_nemoml_threads < 1:
            raise ValueError(f"nn_nemoml_threads must be an integer >= 1, "
                             f"got {self.nn_nemoml_threads!r}")
        for name in ("cn_nemoml_models", "cn_nemoml_istate", "cn_nemoml_increments"):
            if not isinstance(getattr(self, name), str):
                raise ValueError(f"{name} must be a quoted string, got {getattr(self, name)!r}")
        self.models()  # parse errors surface at init

    def models(self) -> dict[str, str]:
        out = {}
        for item in filter(None, (s.strip() for s in self.cn_nemoml_models.split(","))):
            name, sep, path = item.partition("=")
            if not sep or not name.strip() or not path.strip():
                raise ValueError(f"cn_nemoml_models: expected 'name=path', got {item!r}")
            out[name.strip()] = os.path.expanduser(path.strip())
        return out
