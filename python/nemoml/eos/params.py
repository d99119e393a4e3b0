"""The equation-of-state choice and its parameters, as NEMO's ``&nameos`` sets them."""

from __future__ import annotations

import dataclasses
import functools
import json
import re
from pathlib import Path

_JSON = Path(__file__).resolve().parent / "coefficients.json"
KINDS = ("teos10", "eos80", "seos")
# NEMO's bn2 gravity (phycst: grav = 9.80665)
GRAV = 9.80665


@functools.cache
def coefficients() -> dict:
    """The NEMO eosbn2 coefficient tables (``coefficients.json``)."""
    with open(_JSON) as fh:
        return json.load(fh)


def _seos_default(name: str) -> float:
    return coefficients()["SEOS"]["namelist_ref_values"][name]


@dataclasses.dataclass(frozen=True)
class EOS:
    """NEMO equation of state: ``EOS("teos10")``, ``EOS("eos80")`` or ``EOS("seos", ...)``.

    S-EOS parameters default to NEMO's ``namelist_ref`` (which overrides the Fortran
    declaration defaults, e.g. ``lambda2 = 7.4914e-4``); they are ignored by the polynomial
    options. ``rho0`` is NEMO's reference density (1026 in ``eos_init``).
    """

    kind: str = "teos10"
    a0: float = _seos_default("rn_a0")
    b0: float = _seos_default("rn_b0")
    lambda1: float = _seos_default("rn_lambda1")
    lambda2: float = _seos_default("rn_lambda2")
    mu1: float = _seos_default("rn_mu1")
    mu2: float = _seos_default("rn_mu2")
    nu: float = _seos_default("rn_nu")
    T0: float = _seos_default("rn_T0")
    S0: float = _seos_default("rn_S0")
    rho0: float = 1026.0

    def __post_init__(self) -> None:
        kind = str(self.kind).lower().replace("-", "")
        if kind not in KINDS:
            raise ValueError(f"unknown equation of state {self.kind!r}; expected one of {KINDS}")
        object.__setattr__(self, "kind", kind)
        for f in dataclasses.fields(self)[1:]:
            value = float(getattr(self, f.name))
            if value != value or value in (float("inf"), float("-inf")):
                raise ValueError(f"EOS parameter {f.name} must be finite, got {value}")
            object.__setattr__(self, f.name, value)
        if self.rho0 <= 0:
            raise ValueError(f"EOS rho0 must be positive, got {self.rho0}")

    @property
    def table(self) -> dict:
        """The polynomial block of ``coefficients.json`` (TEOS10 or EOS80)."""
        if self.kind == "seos":
            raise ValueError("S-EOS has no coefficient table")
        return coefficients()["TEOS10" if self.kind == "teos10" else "EOS80"]

    @classmethod
    def from_namelist(cls, text_or_path: str | Path, rho0: float = 1026.0) -> EOS:
        """Read NEMO's ``&nameos`` group (``ln_teos10/ln_eos80/ln_seos`` and ``rn_*``).

        ``text_or_path`` is namelist text or a file path. Values absent from the group keep
        the ``namelist_ref`` defaults. Exactly one ``ln_*`` flag must be true, as NEMO requires.
        """
        src = str(text_or_path)
        if "&" not in src and Path(src).is_file():
            src = Path(src).read_text()
        elif "&" not in src:
            raise FileNotFoundError(f"namelist file not found: {text_or_path}")
        group = _namelist_group(src, "nameos")
        if group is None:
            raise ValueError(f"no &nameos group in {_label(text_or_path)}")
        flags = [
            k for k in ("teos10", "eos80", "seos") if _logical(group.get(f"ln_{k}", ".false."))
        ]
        if len(flags) != 1:
            raise ValueError(
                f"&nameos in {_label(text_or_path)} must set exactly one of "
                f"ln_teos10/ln_eos80/ln_seos to .true., got {flags or 'none'}"
            )
        kw = {}
        for f in dataclasses.fields(cls)[1:-1]:
            key = f"rn_{f.name}"
            if key in group:
                try:
                    kw[f.name] = float(group[key].lower().replace("d", "e"))
                except ValueError as err:
                    raise ValueError(f"&nameos {key} = {group[key]!r} is not a number") from err
        return cls(flags[0], rho0=rho0, **kw)


def _label(text_or_path: str | Path) -> str:
    s = str(text_or_path)
    return "the namelist text" if "&" in s else s


def _logical(value: str) -> bool:
    v = value.strip().lower().strip(".")
    if v in ("true", "t"):
        return True
    if v in ("false", "f"):
        return False
    raise ValueError(f"not a Fortran logical: {value!r}")


def _namelist_group(text: str, name: str) -> dict[str, str] | None:
    """Key/value strings of the last ``&name ... /`` group (comments removed)."""
    lines = [re.sub(r"!.*", "", line) for line in text.splitlines()]
    body = "\n".join(lines)
    groups = re.findall(rf"&{name}\b(.*?)^\s*/", body, flags=re.I | re.S | re.M)
    if not groups:
        return None
    pairs = re.findall(r"(\w+)\s*=\s*([^,\n]+)", groups[-1])
    return {k.lower(): v.strip() for k, v in pairs}
