"""Run the replay host (``nemoml_replay``) on a :class:`replay.ReplayCase` under mpirun.

The host prints ``WINDOW`` lines (per-window RMSE of the free and cycled states against the
truth), ``IAU`` lines (each re-armed IAU and the sum of its weights) and the bridge's one log
line per window (``nemoml_cycle window ...``); :class:`ReplayRun` holds them parsed.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from nemoml.assimilate import replay

PACKAGED_DA = Path(__file__).resolve().parents[1] / "data/gyre/4dvarnet3d"
KEYS = ("rmse_T_free", "rmse_T_cycled", "rmse_S_free", "rmse_S_cycled", "rmse_SSH_free",
        "rmse_SSH_cycled")
_LOG = re.compile(r"nemoml_cycle window (\d+): .*?(\d+) observation\(s\).*?([\d.]+) s, IAU over "
                  r"(\d+) steps from kt (\d+), \|increment\| sum (\S+)")


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


def settings(case: replay.ReplayCase, window: int = 10, method: str = "4dvarnet",
             **extra) -> dict:
    return {"ln_nemoml": True, "nn_nemoml_threads": 1, "nn_nemoml_cycle": window,
            "cn_nemoml_cycle_method": method, "cn_nemoml_da": str(PACKAGED_DA),
            "cn_nemoml_obs": str(case.obs), "cn_nemoml_enoi_ens": str(case.ensemble), **extra}


def run_replay(case: replay.ReplayCase, ranks: int, workdir: Path, window: int = 10,
               method: str = "4dvarnet", iaufn: int = 1, days: int | None = None,
               nemoml: dict | None = None, run: dict | None = None,
               timeout: float = 600) -> ReplayRun:
    """``days`` of the case (default all) on ``ranks`` ranks; ``nemoml``/``run`` override
    &namnemoml/&namreplay entries."""
    from nemoml._paths import bindir
    from nemoml.bridge.host import HOST_DEFAULTS, mpi_env, mpirun_command, namelist

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
    proc = subprocess.run(cmd, cwd=workdir, env=mpi_env(ranks), text=True, timeout=timeout,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          stdin=subprocess.DEVNULL)
    out = ReplayRun(ranks, proc.returncode, proc.stdout)
    for line in proc.stdout.splitlines():
        parts = line.split()
        if parts[:1] == ["WINDOW"] and len(parts) == 10:
            out.windows.append({"window": int(parts[1]), "kt": int(parts[2]),
                                "samples": int(parts[3]),
                                **{k: float(v) for k, v in zip(KEYS, parts[4:], strict=True)}})
        elif parts[:1] == ["IAU"] and len(parts) == 4:
            out.iau.append((int(parts[1]), int(parts[2]), float(parts[3])))
        m = _LOG.search(line)
        if m:
            out.analyses.append({"window": int(m[1]), "observations": int(m[2]),
                                 "seconds": float(m[3]), "iau_steps": int(m[4]),
                                 "iau_from": int(m[5]), "checksum": m[6]})
    return out
