"""``nemoml check-nemo CFG_DIR``: checks of a NEMO configuration built with the plugin.

It builds nothing and changes nothing in the configuration: every run happens in a fresh copy of
its ``EXP00`` (namelists and XML files, the executable linked) under a work directory.

What it reads from the configuration itself (:func:`read_config`): the executable
(``BLD/bin/nemo.exe``), the keys (``cpp_NAME.fcm``: ``key_RK3`` -> RK3, otherwise MLF;
``key_asminc``), the time step ``rn_Dt``, the calendar (``nn_leapy``, ``nn_date0``) and
``nn_GYRE`` from ``EXP00/namelist_cfg`` over ``namelist_ref``, the IAU keys as this NEMO
spells them (5.0 ``nn_itiaustr``, 4.2 ``nitiaustr``, from ``&nam_asminc``), and, from the plain
run, the grid (``ln_meshmask``: the mesh mask NEMO writes, joined over the ranks).

The checks:

1. ``plain``: ``ln_nemoml = .false.``, STEPS steps end normally; writes the mesh mask.
2. ``istate``: the generated initial state from rest (the packaged GYRE generator, or
   ``--generator``), STEPS steps end normally, ocean.output names the hook.
3. ``eos_mismatch_stops``: ``&nameos`` set to another EOS than the generator's: NEMO stops with
   the bridge's message.
4. ``cycle`` (GYRE at 1 degree with ``key_asminc``): 20 days from 135-01-01 in the 360-day
   calendar with 10-day windows, EnOI on the replay case's observations laid on this
   configuration's own grid: the IAU is re-armed at the end of the first window (10 days of
   ``rn_Dt`` steps), and the run ends normally.
5. ``cycle_too_long_stops``: a 30-day window in the 20-day run stops with the reason.

A normal end is NEMO's: exit status 0, ``run.stat``'s last step is the run's last step
(``nn_itend``; the check sets ``sn_cfctl%l_runstat``), ocean.output ending with the
``AAAAAAAA`` flag NEMO writes when its time loop is over (the same flag also follows the
start-up banner: finding it is not enough) and no ``E R R O R`` in it.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from nemoml.devtools import nemo_namelist as nmlio

CYCLE_DAYS = 20  # the cycle runs: days from 135-01-01
CYCLE_WINDOW = 10  # days per window
CYCLE_DATE0 = "01350101"
FLAG = "AAAAAAAA"  # NEMO writes it after the banner, at init, and last when the run ends


class CheckError(RuntimeError):
    """The configuration cannot be checked (not built, not patched...)."""


@dataclass
class NemoConfig:
    path: Path
    exe: Path
    exp: Path
    keys: set[str]
    rn_dt: float
    nn_leapy: int
    nn_date0: int
    nn_gyre: int | None
    version: str  # "5.0" (stprk3.F90 in the tree) or "4.2"
    iau_keys: tuple[str, str] = ("nn_itiaustr", "nn_itiaufin")  # 4.2: nitiaustr, nitiaufin

    @property
    def scheme(self) -> str:
        return "RK3" if "key_RK3" in self.keys else "MLF"

    @property
    def steps_per_day(self) -> int:
        spd = 86400.0 / self.rn_dt
        if abs(spd - round(spd)) > 1e-9:
            raise CheckError(f"rn_Dt = {self.rn_dt} s does not divide a day")
        return int(round(spd))

    def describe(self) -> str:
        return (f"{self.path.name}: NEMO {self.version}, {self.scheme}, rn_Dt = {self.rn_dt:g} s "
                f"({self.steps_per_day} steps a day), nn_leapy = {self.nn_leapy}, "
                f"nn_GYRE = {self.nn_gyre}, keys: {' '.join(sorted(self.keys))}")


def _namelists(exp: Path) -> list[str]:
    texts = [exp / "namelist_cfg", exp / "namelist_ref"]
    return [p.read_text() for p in texts if p.is_file()]


def read_config(cfg: str | os.PathLike, nemo: Path | None = None) -> NemoConfig:
    """What the checks need from the configuration directory; CheckError naming what is missing."""
    cfg = Path(cfg).resolve()
    exe = cfg / "BLD" / "bin" / "nemo.exe"
    exp = cfg / "EXP00"
    if not exe.is_file():
        raise CheckError(f"no executable {exe} (build the configuration first)")
    if not (exp / "namelist_cfg").is_file():
        raise CheckError(f"no {exp / 'namelist_cfg'}")
    if "!! nemoml" not in _read(cfg / "MY_SRC" / "nemogcm.F90"):
        raise CheckError(f"{cfg / 'MY_SRC'} is not patched (run nemoml patch-nemo {cfg})")
    cpp = cfg / f"cpp_{cfg.name}.fcm"
    keys = set(re.findall(r"\bkey_\w+", _read(cpp)))
    texts = _namelists(exp)
    rn_dt = nmlio.lookup(texts, "namdom", "rn_Dt")
    if rn_dt is None:
        rn_dt = nmlio.lookup(texts, "namdom", "rn_rdt")  # before 4.2
    if not isinstance(rn_dt, (int, float)):
        raise CheckError(f"no rn_Dt in &namdom of {exp}/namelist_cfg or namelist_ref")
    nemo = Path(nemo) if nemo else cfg.parent.parent
    version = "5.0" if (nemo / "src" / "OCE" / "stprk3.F90").is_file() else "4.2"
    # the IAU window's keys as this NEMO spells them (namelist_ref's &nam_asminc)
    asm = {k for text in texts for g in nmlio.groups(text.splitlines(), "nam_asminc")
           for _, k, _ in nmlio.assignments(text.splitlines(), g)}
    iau = ("nitiaustr", "nitiaufin") if "nitiaustr" in asm else ("nn_itiaustr", "nn_itiaufin")
    return NemoConfig(cfg, exe, exp, keys, float(rn_dt),
                      int(nmlio.lookup(texts, "namrun", "nn_leapy") or 0),
                      int(nmlio.lookup(texts, "namrun", "nn_date0") or 10101),
                      nmlio.lookup(texts, "namusr_def", "nn_GYRE"), version, iau)


def _read(path: Path) -> str:
    try:
        return path.read_text(errors="replace")
    except OSError:
        return ""


# -- one run --------------------------------------------------------------------------------

@dataclass
class RunResult:
    name: str
    folder: Path
    returncode: int
    nn_itend: int
    output: str = ""  # ocean.output
    last_step: int | None = None  # run.stat's last step

    def normal_end(self) -> tuple[bool, str]:
        """NEMO's normal end: status 0, run.stat up to nn_itend, the closing flag, no error."""
        if self.returncode != 0:
            error = first_error(self.output)
            return False, f"exit status {self.returncode}" + (f": {error}" if error else "")
        if self.last_step != self.nn_itend:
            return False, (f"run.stat ends at step {self.last_step}, not nn_itend = "
                           f"{self.nn_itend}")
        if "E R R O R" in self.output:
            return False, "ocean.output reports E R R O R"
        tail = [ln.strip() for ln in self.output.splitlines() if ln.strip()][-1:]
        if tail != [FLAG]:
            return False, ("ocean.output does not end with NEMO's closing AAAAAAAA flag (the "
                           "banner's does not count)")
        return True, "normal end"


def first_error(output: str) -> str | None:
    """The first message after an ``E R R O R`` banner of ocean.output, or None."""
    lines = output.splitlines()
    for k, line in enumerate(lines):
        if "E R R O R" in line:
            for text in lines[k + 1:k + 8]:
                if text.strip() and set(text.strip()) != {"="}:
                    return text.strip()
    return None


def last_step(run_stat: str) -> int | None:
    """The last time step ``run.stat`` records (lines ``it :      N  |ssh|_max ...``)."""
    steps = re.findall(r"^\s*it\s*:\s*(\d+)", run_stat, flags=re.M)
    return int(steps[-1]) if steps else None


def prepare(cfg: NemoConfig, work: Path, name: str, steps: int,
            edits: dict[str, dict[str, str]]) -> tuple[Path, int]:
    """A copy of EXP00 in ``work/name``, ``steps`` steps from rest, ``edits`` applied."""
    d = work / name
    d.mkdir(parents=True, exist_ok=True)
    for f in cfg.exp.iterdir():
        if f.is_file() and ("namelist" in f.name or f.suffix == ".xml"):
            shutil.copy(f, d / f.name)
    link = d / "nemo"
    if link.is_symlink() or link.exists():
        link.unlink()
    link.symlink_to(cfg.exe)
    groups = {"namrun": {"nn_it000": "1", "nn_itend": str(steps), "nn_stock": str(steps),
                         "ln_rstart": ".false."},
              "namctl": {"sn_cfctl%l_runstat": ".true."}}  # run.stat: the last step done
    for group, values in edits.items():
        groups.setdefault(group, {}).update(values)
    nml = d / "namelist_cfg"
    text = nml.read_text()
    for group, values in groups.items():
        text = nmlio.set_keys(text, group, values)
    nml.write_text(text)
    itend = int(groups["namrun"]["nn_itend"])
    return d, itend


def mpirun_command(ranks: int) -> list[str]:
    from nemoml.devtools.host import mpirun_command as base

    return base(ranks)


def run_nemo(folder: Path, ranks: int, itend: int, timeout: float = 1800.0,
             command: list[str] | None = None) -> RunResult:
    """``mpirun -n ranks ./nemo`` in ``folder``; ``command`` replaces ``./nemo`` (tests)."""
    from nemoml.devtools.host import mpi_env

    env = mpi_env(ranks)
    cmd = [*mpirun_command(ranks), *(command or ["./nemo"])]
    with open(folder / "run.log", "w") as log:
        try:
            rc = subprocess.run(cmd, cwd=folder, env=env, stdout=log, stderr=subprocess.STDOUT,
                                timeout=timeout).returncode
        except subprocess.TimeoutExpired:
            rc = 124
    return RunResult(folder.name, folder, rc, itend, _read(folder / "ocean.output"),
                     last_step(_read(folder / "run.stat")))


# -- the checks -----------------------------------------------------------------------------

@dataclass
class Outcome:
    name: str
    passed: bool
    why: str

    def line(self) -> str:
        return f"CHECK {self.name} {'PASS' if self.passed else 'FAIL'} ({self.why})"


@dataclass
class Report:
    config: NemoConfig
    work: Path
    outcomes: list[Outcome] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def failed(self) -> int:
        return sum(not o.passed for o in self.outcomes)


def generator_eos(generator: Path) -> str:
    import json

    return json.loads((Path(generator) / "generator.json").read_text())["eos"]["name"]


def mesh_grid(folder: Path):
    """The configuration's T grid from the mesh mask NEMO wrote in ``folder`` (rank files
    joined); None when there is none."""
    from nemoml.assimilate.obs.ocean_grid import OceanGrid

    files = sorted(folder.glob("mesh_mask*.nc"))
    if not files:
        return None
    path = folder / "mesh_mask.nc"
    if not path.is_file():
        from nemoml.io.ranks import join

        join(files[0], path)
    return OceanGrid.from_mesh_mask(path)


def cycle_case(folder: Path, grid) -> tuple[Path, Path, str]:
    """The replay case's observation and ensemble files, the observations simulated on
    ``grid`` (this configuration's own lon/lat, mask and levels); returns (obs, ens, note)."""
    import numpy as np

    from nemoml.assimilate.cycling import replay_case
    from nemoml.assimilate.obs import simulators as simobs

    box = {}

    def on_this_grid(_obs):
        data = replay_case.load(CYCLE_DAYS, shared=False)
        t = data.truth
        if tuple(t.T.shape[1:]) != grid.shape:
            raise CheckError(f"the replay case is {t.T.shape[1:]}, this grid {grid.shape}")
        box["obs"] = simobs.simulate_all(grid, t.SSH, t.T, t.S, t.days - 1.0, 5, 0.3, 0)
        return box["obs"]

    case = replay_case.build(folder, CYCLE_DAYS, shared=False, obs_filter=on_this_grid)
    obs = box["obs"]
    _, _, inside = grid.locate(obs.lon, obs.lat)
    note = (f"{len(obs)} observations laid on this grid (lon {np.min(grid.lon):.1f} to "
            f"{np.max(grid.lon):.1f}, lat {np.min(grid.lat):.1f} to {np.max(grid.lat):.1f}), "
            f"{int(np.count_nonzero(~inside))} outside it")
    return case.obs, case.ensemble, note


def run_checks(cfg_dir: str | os.PathLike, ranks: int = 2, steps: int = 20,
               generator: str | os.PathLike | None = None, work: str | os.PathLike | None = None,
               nemo: Path | None = None, echo: Callable[[str], None] = print,
               command: list[str] | None = None, timeout: float = 1800.0) -> Report:
    """Run the five checks; ``echo`` gets each line as it comes. ``command`` replaces NEMO's
    executable (tests: a stand-in that writes NEMO's outputs)."""
    from nemoml.base.packaged import GENERATOR

    cfg = read_config(cfg_dir, nemo)
    gen = Path(generator) if generator else GENERATOR
    work = Path(work) if work else Path(tempfile.mkdtemp(prefix="check_nemo."))
    work.mkdir(parents=True, exist_ok=True)
    report = Report(cfg, work)
    echo(f"check-nemo: {cfg.describe()}")
    echo(f"check-nemo: {ranks} ranks, runs in {work}")

    def go(name, nsteps, edits):
        d, itend = prepare(cfg, work, name, nsteps, edits)
        return run_nemo(d, ranks, itend, timeout, command)

    def record(name, passed, why):
        o = Outcome(name, passed, why)
        report.outcomes.append(o)
        echo(o.line())

    # 1. plain, writing the mesh mask
    r = go("plain", steps, {"namnemoml": {"ln_nemoml": ".false."},
                            "namdom": {"ln_meshmask": ".true."}})
    ok, why = r.normal_end()
    record("plain", ok, f"{why}, see {r.folder}")
    grid = None
    try:
        grid = mesh_grid(r.folder)
    except Exception as exc:  # a missing or odd mesh mask only disables the cycle checks
        report.notes.append(f"no grid from the plain run's mesh mask: {exc}")

    # 2. generated initial state
    on = {"ln_nemoml": ".true.", "ln_nemoml_istate": ".true.", "cn_nemoml_generator": f"'{gen}'"}
    r = go("istate", steps, {"namnemoml": {**on, "nn_nemoml_steps": "10"}})
    ok, why = r.normal_end()
    hook = "nemoml_hooks_istate : generated initial state" in r.output
    record("istate", ok and hook, (why if not ok else "normal end, hook in ocean.output" if hook
                                   else "the hook's line is not in ocean.output")
           + f", see {r.folder}")

    # 3. EOS mismatch stops
    other = "ln_eos80" if generator_eos(gen) == "teos10" else "ln_teos10"
    eos = {"ln_teos10": ".false.", "ln_eos80": ".false.", "ln_seos": ".false.", other: ".true."}
    r = go("eos", steps, {"namnemoml": on, "nameos": eos})
    found = "but this run's &nameos sets" in r.output
    record("eos_mismatch_stops", r.returncode != 0 and found,
           f"exit status {r.returncode}, message {'found' if found else 'missing'}, see {r.folder}")

    # 4-5. cycled assimilation, on GYRE at 1 degree with key_asminc
    skip = None
    if cfg.nn_gyre != 1:
        skip = f"not GYRE at 1 degree (nn_GYRE = {cfg.nn_gyre})"
    elif "key_asminc" not in cfg.keys:
        skip = "key_asminc is not among the configuration's keys"
    elif grid is None:
        skip = "no mesh mask from the plain run (" + "; ".join(report.notes) + ")"
    if skip:
        for name in ("cycle", "cycle_too_long_stops"):
            record(name, False, f"not run: {skip}")
        return report
    spd = cfg.steps_per_day
    try:
        obs, ens, note = cycle_case(work / "cycle_case", grid)
    except CheckError as exc:
        for name in ("cycle", "cycle_too_long_stops"):
            record(name, False, f"not run: {exc}")
        return report
    echo(f"check-nemo: cycle: {CYCLE_DAYS} days of {spd} steps from {CYCLE_DATE0} (360-day "
         f"calendar), {CYCLE_WINDOW}-day windows; {note}")

    def cyc(name, window):
        edits = {
            "namrun": {"nn_itend": str(CYCLE_DAYS * spd), "nn_stock": str(CYCLE_DAYS * spd),
                       "nn_date0": CYCLE_DATE0, "nn_leapy": "30"},
            "namnemoml": {"ln_nemoml": ".true.", "nn_nemoml_cycle": str(window),
                          "cn_nemoml_obs": f"'{obs}'", "cn_nemoml_enoi_ens": f"'{ens}'"},
            "nam_asminc": {"ln_asmiau": ".true.", "ln_asmdin": ".false.", "ln_trainc": ".true.",
                           "ln_sshinc": ".true.", "ln_dyninc": ".false.",
                           cfg.iau_keys[0]: "1", cfg.iau_keys[1]: str(spd)}}
        return go(name, CYCLE_DAYS * spd, edits)

    r = cyc("cycle", CYCLE_WINDOW)
    ok, why = r.normal_end()
    kt = CYCLE_WINDOW * spd
    rearmed = re.search(rf"nemoml_asmcycle : increment of the window ending at kt =\s*{kt}\b",
                        r.output) is not None
    record("cycle", ok and rearmed,
           (why if not ok else f"normal end, IAU re-armed at kt = {kt}" if rearmed
            else f"no increment for the window ending at kt = {kt}") + f", see {r.folder}")
    r = cyc("cycle_too_long", 30)
    found = "longer than the run" in r.output
    record("cycle_too_long_stops", r.returncode != 0 and found,
           f"exit status {r.returncode}, message {'found' if found else 'missing'}, see {r.folder}")
    return report
