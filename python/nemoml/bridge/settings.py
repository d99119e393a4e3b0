"""The settings string the host passes at init: ``key = value`` lines from its namelist.

Values follow Fortran namelist spelling (``.true.``, ``'text'``, ``1.5d0``). Unknown keys are an
error, as a misspelled variable is in NEMO's namelists.
"""

from __future__ import annotations

import difflib
import os
import tempfile
from dataclasses import dataclass, fields

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


EOS_PARAMS = ("T0", "S0", "a0", "b0", "lambda1", "lambda2", "mu1", "mu2", "nu")

CHOICES = {
    "cn_nemoml_sampler": ("ddim", "ddpm"),
    "cn_nemoml_condition": ("", "sst"),
    "cn_nemoml_uv": ("zero", "generated", "thermal_wind"),
    "cn_nemoml_device": ("cpu", "cuda", "auto"),
    "cn_nemoml_cycle_method": ("enoi", "4dvarnet"),
}


KIND_NAMES = {bool: ".true./.false.", int: "an integer", str: "a quoted string", float: "a real"}


def _suggest(key: str, names: list[str]) -> str:
    close = difflib.get_close_matches(key, names, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _check_writable(name: str, path: str) -> None:
    """Raise naming the setting and the path unless a file can be written there (a probe file
    is created and removed: permissions alone do not tell, e.g. for root or read-only mounts)."""
    where = f"{name} = {path!r}"
    parent = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path):
        raise ValueError(f"{where} is a directory, not a file to write")
    if not os.path.isdir(parent):
        raise ValueError(f"{where}: its directory {parent} does not exist")
    try:
        if os.path.exists(path):
            with open(path, "ab"):  # appending nothing: the file is left as it is
                pass
        else:
            with tempfile.NamedTemporaryFile(dir=parent, prefix=".nemoml_probe_"):
                pass
    except OSError as err:
        raise ValueError(f"{where} cannot be written: {err.strerror or err}") from None


@dataclass
class Settings:
    """&namnemoml (nemo_patches/namelist_nemoml) plus the bridge's own keys."""

    ln_nemoml: bool = True                # the host only calls us when on
    ln_nemoml_istate: bool = False        # generated initial state at istate
    ln_nemoml_asm: bool = False           # 4DVarNet increments at asm_inc_init
    cn_nemoml_generator: str = ""         # exported generator directory
    cn_nemoml_da: str = ""                # exported 4DVarNet solver directory
    cn_nemoml_obs: str = ""               # observation file of the window
    cn_nemoml_sampler: str = "ddim"
    nn_nemoml_steps: int = 50
    nn_nemoml_seed: int = 0
    nn_nemoml_members: int = 1            # states sampled in one call (restarts ..._mNNN)
    nn_nemoml_member: int = -1            # this run's ensemble member (seed + member); -1: none
    ln_nemoml_c1: bool = True
    ln_nemoml_c2: bool = True
    ln_nemoml_ts: bool = True
    ln_nemoml_stab: bool = True
    cn_nemoml_condition: str = ""         # "" or "sst": condition on the host's surface T
    cn_nemoml_uv: str = "zero"            # initial velocities: "zero", "generated", "thermal_wind"
    cn_nemoml_device: str = "cpu"
    cn_nemoml_rstout: str = ""            # also write the generated state as a NEMO restart
    cn_nemoml_incout: str = ""            # also write the increments as NEMO's increments file
    nn_nemoml_date0: int = 20000101       # the host's initial date (NEMO: nn_date0)
    nn_nemoml_leapy: int = 1              # the host's calendar (NEMO: nn_leapy; 30 = 360-day)
    nn_nemoml_threads: int = 1            # torch threads per rank (one MPI rank per core)
    cn_nemoml_models: str = ""            # "name=path, name=path": loaded once at init
    cn_nemoml_istate: str = ""            # istate handler "kind:arg" (default: generator)
    cn_nemoml_increments: str = ""        # increments handler "kind:arg" (default: 4dvarnet)
    ln_nemoml_check_land: bool = True     # fields must be zero on land points
    cn_nemoml_eos: str = ""               # the host's &nameos, set by the host (not a namelist
    #                                       key): 'eos80', 'teos10', 'seos rn_a0=... ...'
    ln_asm_trainc: bool = True            # &nam_asminc ln_trainc (T/S increments applied)
    ln_asm_sshinc: bool = True            # &nam_asminc ln_sshinc (SSH increment applied)
    nn_nemoml_cycle: int = 0              # cycled assimilation: window length (days), 0 = off
    nn_nemoml_freq: int = 0               # steps between state samples (0: once a model day)
    cn_nemoml_cycle_method: str = "enoi"  # cycle handler: "enoi" or "4dvarnet"
    cn_nemoml_enoi_ens: str = ""          # EnOI: ensemble file of background-error anomalies
    rn_nemoml_enoi_alpha: float = 0.1     # EnOI: B = alpha x the ensemble's covariance (cycled)
    rn_nemoml_rdt: float = 0.0            # set by the host: rn_Dt (s)
    nn_nemoml_iaufn: int = 0              # cycled IAU weights (0 flat, 1 hat), as nn_iaufn
    nn_nemoml_it000: int = 1              # set by the host: nit000, first step of the run
    nn_nemoml_itend: int = 0              # set by the host: nitend, last step of the run
    rn_nemoml_qc_k: float = 12.0          # background check: reject |O - B| > k x spread; 0 off
    rn_nemoml_qc_maxrej: float = 0.25     # a window losing a larger fraction stops the run

    @classmethod
    def from_text(cls, text: str) -> Settings:
        values = parse_settings(text)
        names = [f.name for f in fields(cls)]
        unknown = sorted(set(values) - set(names))
        if unknown:
            raise ValueError("unknown nemoml setting(s) " + ", ".join(
                f"{key!r} = {values[key]!r}{_suggest(key, names)}" for key in unknown))
        s = cls(**values)
        s.validate()
        return s

    def check_outputs(self) -> None:
        """The files the handlers will write can be written: checked at init, on the rank that
        writes them, rather than found out after the sampling or analysis they record."""
        for name in ("cn_nemoml_rstout", "cn_nemoml_incout"):
            path = getattr(self, name)
            if path:
                _check_writable(name, os.path.expanduser(path))

    def validate(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            kind = {"ln": bool, "nn": int, "cn": str, "rn": float}[f.name[:2]]
            if kind is float and type(value) is int:
                value = float(value)
                setattr(self, f.name, value)
            if type(value) is not kind:
                raise ValueError(f"{f.name} must be {KIND_NAMES[kind]}, got {value!r} "
                                 f"({KIND_NAMES.get(type(value), type(value).__name__)})")
        for name in ("nn_nemoml_threads", "nn_nemoml_steps"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be an integer >= 1, got {getattr(self, name)}")
        if self.nn_nemoml_seed < 0:
            raise ValueError(f"nn_nemoml_seed must be >= 0, got {self.nn_nemoml_seed}")
        if self.cn_nemoml_incout:  # its dates: a bad calendar stops NEMO at init, not later
            from nemoml.io import nemo_add_days

            nemo_add_days(self.nn_nemoml_date0, 0.0, self.nn_nemoml_leapy)
        self._check_members()
        for name, allowed in CHOICES.items():
            if getattr(self, name) not in allowed:
                raise ValueError(f"{name} = {getattr(self, name)!r}: choose one of "
                                 f"{', '.join(map(repr, allowed))}")
        if self.ln_nemoml_istate and not (self.cn_nemoml_generator or self.cn_nemoml_istate):
            raise ValueError("ln_nemoml_istate = .true. needs cn_nemoml_generator")
        if self.ln_nemoml_asm and not self.cn_nemoml_increments and not (
                self.cn_nemoml_da and self.cn_nemoml_obs):
            raise ValueError("ln_nemoml_asm = .true. needs cn_nemoml_da and cn_nemoml_obs")
        self.models()  # parse errors surface at init
        self.host_eos()
        if self.nn_nemoml_cycle:
            self._check_cycle()

    def clock(self):
        """The cycling clock (:class:`nemoml.assimilate.cycling.clock.Clock`) of these settings."""
        from nemoml.assimilate.cycling.clock import Clock

        return Clock(self.nn_nemoml_date0, self.nn_nemoml_leapy, self.rn_nemoml_rdt,
                     self.nn_nemoml_it000, self.nn_nemoml_itend, self.nn_nemoml_cycle,
                     self.nn_nemoml_freq)

    def _check_cycle(self) -> None:
        if self.nn_nemoml_cycle < 0:
            raise ValueError(f"nn_nemoml_cycle = {self.nn_nemoml_cycle}: the window length in "
                             "days, 0 = off")
        if self.ln_nemoml_asm:
            raise ValueError("ln_nemoml_asm = .true. and nn_nemoml_cycle > 0 both arm asminc's "
                             "IAU: choose one")
        if self.nn_nemoml_iaufn not in (0, 1):
            raise ValueError(f"nn_nemoml_iaufn = {self.nn_nemoml_iaufn}: NEMO's nn_iaufn is 0 "
                             "(constant) or 1 (triangular hat)")
        if not self.rn_nemoml_enoi_alpha > 0:
            raise ValueError(f"rn_nemoml_enoi_alpha = {self.rn_nemoml_enoi_alpha}: the scaling "
                             "of EnOI's B must be > 0")
        need = {"4dvarnet": ("cn_nemoml_da", self.cn_nemoml_da),
                "enoi": ("cn_nemoml_enoi_ens", self.cn_nemoml_enoi_ens)}
        key, value = need[self.cn_nemoml_cycle_method]
        if not value:
            raise ValueError(f"nn_nemoml_cycle = {self.nn_nemoml_cycle} with "
                             f"cn_nemoml_cycle_method = '{self.cn_nemoml_cycle_method}' needs "
                             f"{key}: no analysis handler is configured")
        if not self.cn_nemoml_obs:
            raise ValueError(f"nn_nemoml_cycle = {self.nn_nemoml_cycle} needs cn_nemoml_obs, "
                             "the observation file of the whole run")
        self.clock()

    def host_eos(self):
        """The host's equation of state (:class:`nemoml.eos.EOS`), or None if it did not say."""
        from nemoml.eos import EOS

        words = self.cn_nemoml_eos.split()
        if not words:
            return None
        params = {}
        for word in words[1:]:
            key, sep, value = word.partition("=")
            name = {n.lower(): n for n in EOS_PARAMS}.get(key.lower().removeprefix("rn_"), "")
            try:
                params[name] = float(value.lower().replace("d", "e"))
            except ValueError:
                sep = ""
            if not sep or not name:
                raise ValueError(f"cn_nemoml_eos: expected 'rn_NAME=value' with NAME one of "
                                 f"{', '.join(EOS_PARAMS)}, got {word!r}")
        try:
            return EOS(words[0], **params)
        except ValueError as err:
            raise ValueError(f"cn_nemoml_eos = {self.cn_nemoml_eos!r}: {err}") from None

    def _check_members(self) -> None:
        n, m = self.nn_nemoml_members, self.nn_nemoml_member
        if n < 1:
            raise ValueError(f"nn_nemoml_members must be an integer >= 1, got {n}")
        if m < -1:
            raise ValueError(f"nn_nemoml_member must be -1 (no ensemble) or >= 0, got {m}")
        if n > 1 and not self.cn_nemoml_rstout:
            raise ValueError(f"nn_nemoml_members = {n} needs cn_nemoml_rstout: the members are "
                             "written as restarts <cn_nemoml_rstout>_mNNN.nc")
        if n > 1 and m >= n:
            raise ValueError(f"nn_nemoml_member = {m} is not one of the {n} members 0..{n - 1}")

    def hook_spec(self, hook: str) -> str:
        """The handler ("kind:argument") a hook runs, or "" when its switch is off."""
        if hook == "nemoml_istate":
            return (self.cn_nemoml_istate or "generator") if self.ln_nemoml_istate else ""
        if hook == "nemoml_cycle":
            return f"cycle:{self.cn_nemoml_cycle_method}" if self.nn_nemoml_cycle else ""
        return (self.cn_nemoml_increments or "4dvarnet") if self.ln_nemoml_asm else ""

    def models(self) -> dict[str, str]:
        out = {}
        for item in filter(None, (s.strip() for s in self.cn_nemoml_models.split(","))):
            name, sep, path = item.partition("=")
            if not sep or not name.strip() or not path.strip():
                raise ValueError(f"cn_nemoml_models: expected 'name=path', got {item!r}")
            out[name.strip()] = os.path.expanduser(path.strip())
        return out
