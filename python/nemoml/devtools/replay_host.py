"""Run the replay host (``nemoml_replay``) on a :class:`replay.ReplayCase` under mpirun.

The host prints ``WINDOW`` lines (per-window RMSE of the free and cycled states against the
truth), ``IAU`` lines (each re-armed IAU and the sum of its weights) and the bridge's one log
line per window (``nemoml_cycle window ...``); :class:`ReplayRun` holds them parsed.
"""

from __future__ import annotations

import re
import subprocess
import threading
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from nemoml.assimilate.cycling import replay_case as replay
from nemoml.base import packaged

PACKAGED_DA = packaged.GYRE_SOLVER
KEYS = ("rmse_T_free", "rmse_T_cycled", "rmse_S_free", "rmse_S_cycled", "rmse_SSH_free",
        "rmse_SSH_cycled")
_LOG = re.compile(r"nemoml_cycle window (\d+): .*?(\d+) observation\(s\).*?([\d.]+) s, IAU over "
                  r"(\d+) steps from kt (\d+), \|increment\| sum (\S+)")
# the window's background check, after the checksum: "QC (k 5): 200 of 12000 rejected
# (T/argo 200)"; "QC off" (k = 0) and "QC none" (no observation) count nothing
_QC = re.compile(r"QC \(k [^)]*\): (\d+) of (\d+) rejected(?: \((.*)\))?\s*$")


@dataclass
class ReplayRun:
    ranks: int
    returncode: int
    output: str
    windows: list[dict] = field(default_factory=list)
    iau: list[tuple[int, int, float]] = field(default_factory=list)
    analyses: list[dict] = field(default_factory=list)

    def errors(self) -> list[str]:
        return [ln[ln.index("nemoml_replay:"):] for ln in self.output.splitlines()
                if "nemoml_replay:" in ln]


def settings(case: replay.ReplayCase, window: int = 10, method: str = "enoi",
             **extra) -> dict:
    return {"ln_nemoml": True, "nn_nemoml_threads": 1, "nn_nemoml_cycle": window,
            "cn_nemoml_cycle_method": method, "cn_nemoml_da": str(PACKAGED_DA),
            "cn_nemoml_obs": str(case.obs), "cn_nemoml_enoi_ens": str(case.ensemble), **extra}


def run_replay(case: replay.ReplayCase, ranks: int, workdir: Path, window: int = 10,
               method: str = "enoi", iaufn: int = 1, days: int | None = None,
               nemoml: dict | None = None, run: dict | None = None,
               timeout: float = 600, progress=None) -> ReplayRun:
    """``days`` of the case (default all) on ``ranks`` ranks; ``nemoml``/``run`` override
    &namnemoml/&namreplay entries; ``progress(window, analysis)`` is called as each window's
    ``WINDOW`` line arrives (analysis: the bridge's figures of the window, or None)."""
    from nemoml.base.paths import bindir
    from nemoml.devtools.host import HOST_DEFAULTS, mpi_env, mpirun_command, namelist

    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    steps = round((days or case.days) * 86400 / replay.RDT)
    host = {**HOST_DEFAULTS, "ln_selftest": False, "cn_meshmask": str(case.mesh)}
    rep = {"cn_free": str(case.free), "cn_truth": str(case.truth), "nn_date0": replay.DATE0,
           "nn_leapy": replay.LEAPY, "nn_it000": 1, "nn_itend": steps, "nn_iaufn": iaufn,
           "rn_Dt": replay.RDT, **(run or {})}
    nml = workdir / f"namelist_replay_{ranks}"
    nml.write_text(namelist(host, {**settings(case, window, method), **(nemoml or {})},
                            {"namreplay": rep}))
    cmd = mpirun_command(ranks) + [str(bindir() / "nemoml_replay"), str(nml)]
    proc = subprocess.Popen(cmd, cwd=workdir, env=mpi_env(ranks), text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL)
    lines: list[str] = []
    out = ReplayRun(ranks, 0, "")
    timer = threading.Timer(timeout, proc.kill)  # never a hang: a stuck run is an error
    timer.start()
    try:
        for line in proc.stdout:
            lines.append(line)
            _parse(out, line, progress)
        proc.wait()
    finally:
        timer.cancel()
    out.returncode, out.output = proc.returncode, "".join(lines)
    return out


def _parse(out: ReplayRun, line: str, progress) -> None:
    parts = line.split()
    if parts[:1] == ["WINDOW"] and len(parts) == 10:
        w = {"window": int(parts[1]), "kt": int(parts[2]), "samples": int(parts[3]),
             **{k: float(v) for k, v in zip(KEYS, parts[4:], strict=True)}}
        out.windows.append(w)
        if progress is not None:
            progress(w, next((a for a in out.analyses if a["window"] == w["window"]), None))
    elif parts[:1] == ["IAU"] and len(parts) == 4:
        out.iau.append((int(parts[1]), int(parts[2]), float(parts[3])))
    m = _LOG.search(line)
    if m:
        q = _QC.search(line)
        by = dict((lab, int(n)) for lab, n in (p.rsplit(" ", 1) for p in q[3].split(", "))) \
            if q and q[3] else {}
        out.analyses.append({"window": int(m[1]), "observations": int(m[2]),
                             "seconds": float(m[3]), "iau_steps": int(m[4]),
                             "iau_from": int(m[5]), "checksum": m[6],
                             "qc_rejected": int(q[1]) if q else 0,
                             "qc_checked": int(q[2]) if q else 0, "qc_rejected_by": by})


def run_serial(case: replay.ReplayCase, window: int = 10, method: str = "enoi",
               iaufn: int = 1, days: int | None = None) -> list[dict]:
    """The replay host's loop in one Python process, no MPI: the reference the host must match
    (same samples, same handler; per-window RMSE as the host's ``WINDOW`` lines)."""
    from nemoml.assimilate.baselines.ensemble_file import read_fields
    from nemoml.assimilate.cycling.clock import iau_weights
    from nemoml.assimilate.obs.ocean_grid import OceanGrid
    from nemoml.bridge.handlers.cycle import advance, build_state
    from nemoml.bridge.settings import Settings

    grid = OceanGrid.from_mesh_mask(case.mesh)
    steps = round((days or case.days) * 86400 / replay.RDT)
    s = Settings(**settings(case, window, method), nn_nemoml_date0=replay.DATE0,
                 nn_nemoml_leapy=replay.LEAPY, rn_nemoml_rdt=replay.RDT, nn_nemoml_itend=steps,
                 nn_nemoml_iaufn=iaufn)
    s.validate()
    state = build_state(s, grid, method)
    clock = state.clock
    free, truth = read_fields(case.free), read_fields(case.truth)
    m = {"T": grid.tmask, "S": grid.tmask, "SSH": grid.tmask[0]}
    w3 = grid.volume()
    wt = {"T": w3, "S": w3, "SSH": grid.area * grid.tmask[0]}
    applied = {v: np.zeros(a.shape[1:]) for v, a in free.items()}
    inc, k0, wgt = None, 0, None
    sq, n, out = {}, 0, []
    for kt in range(clock.it000, clock.itend + 1):
        if inc is not None and k0 < kt <= k0 + wgt.size:
            for v in applied:
                applied[v] += wgt[kt - k0 - 1] * inc[v]
        if clock.is_sample(kt):
            r = round(clock.days(kt)) - 1
            sample = {v: (free[v][r] + applied[v]) * m[v] for v in free}
            for v in free:
                for tag, a in (("free", free[v][r]), ("cycled", sample[v])):
                    key = f"rmse_{v}_{tag}"
                    sq[key] = sq.get(key, 0.0) + float((wt[v] * (a - truth[v][r]) ** 2).sum())
            n += 1
            steps_iau, new = advance(state, kt, {v: a.astype(np.float32)
                                                 for v, a in sample.items()}, s)
            if steps_iau:
                inc = {v: np.zeros_like(applied[v]) for v in applied}
                for v in inc:
                    inc[v][: new[v].shape[0]] = new[v] * m[v][: new[v].shape[0]]
                k0, wgt = kt, iau_weights(steps_iau, iaufn)
        if (kt - clock.it000 + 1) % clock.window_steps == 0 or kt == clock.itend:
            out.append({"window": len(out), "kt": kt, "samples": n,
                        **{k: float(np.sqrt(sq[k] / (n * wt[k.split("_")[1]].sum())))
                           for k in KEYS}})
            sq, n = {}, 0
    return out
