"""``nemoml bench cycle``: cycled assimilation on the replay host, 2 ranks, GYRE daily data.

The replay case of :mod:`replay` (truth: year 135 of ``gyre_daily``; free run: the truth plus a
drifting spin-up error; the full simulated observing system), ``DAYS`` days in 10-day windows
(``--quick``: 30), the EnOI method (default), IAU with NEMO's hat (``nn_iaufn = 1``), through
``nemoml_replay`` under mpirun on 2 ranks. RMSE are volume- (SSH: area-) weighted against the
truth over every daily state of the run (root mean square of the windows' figures, each window
holding the same number of days); ``*_from_window_2`` leaves out the two windows before the
first increment is fully in. ``seconds_per_window``: the bridge's analysis time per analysed
window (obs binning, background, EnOI); ``wall_seconds`` the whole run, start-up included. The
same case with ``cn_nemoml_cycle_method = '4dvarnet'`` (the packaged solver) is run too, and
where it stops the message is reported (``4dvarnet_*`` keys, its RMSE when it runs through;
not with ``--quick``).

The background check of the observations (:mod:`qc`, default ``rn_nemoml_qc_k``):
``qc_k``, ``qc_rejected`` (all windows), ``qc_rejected_per_window`` and ``qc_rejected_by``
(per variable/platform, summed over the windows), from the windows' log lines; the same with
``4dvarnet_`` for the 4DVarNet run.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numpy as np

DAYS = 60
RANKS = 2


def _rms(windows: list[dict], key: str, first: int = 0) -> float:
    return float(np.sqrt(np.mean([w[key] ** 2 for w in windows[first:]])))


def _qc(analyses: list[dict], prefix: str = "") -> dict:
    by: dict = {}
    for a in analyses:
        for lab, n in a["qc_rejected_by"].items():
            by[lab] = by.get(lab, 0) + n
    return {f"{prefix}qc_rejected": sum(a["qc_rejected"] for a in analyses),
            f"{prefix}qc_rejected_per_window": [a["qc_rejected"] for a in analyses],
            f"{prefix}qc_rejected_by": by}


def run(args) -> dict:
    from nemoml.assimilate.cycling import replay_case as replay
    from nemoml.bridge.settings import Settings
    from nemoml.devtools.replay_host import run_replay

    days = 30 if getattr(args, "quick", False) else DAYS
    with tempfile.TemporaryDirectory(prefix="nemoml_bench_cycle_") as tmp:
        case = replay.build(Path(tmp) / "case", days)
        t0 = time.perf_counter()
        r = run_replay(case, RANKS, Path(tmp) / "enoi")
        wall = time.perf_counter() - t0
        if r.returncode != 0:
            raise RuntimeError("the replay host failed:\n" + "\n".join(r.errors()))
        other = None if getattr(args, "quick", False) else \
            run_replay(case, RANKS, Path(tmp) / "4dvarnet", method="4dvarnet")
    w = r.windows
    out: dict = {"windows": len(w), "window_days": 10, "days": days, "ranks": RANKS,
                 "method": "enoi", "iaufn": 1, "data": case.source,
                 "analysed_windows": len(r.analyses),
                 "observations_per_window": float(np.mean([a["observations"]
                                                           for a in r.analyses])),
                 "seconds_per_window": float(np.mean([a["seconds"] for a in r.analyses])),
                 "wall_seconds": wall, "per_window": w, "qc_k": Settings().rn_nemoml_qc_k,
                 **_qc(r.analyses)}
    for v in ("T", "S", "SSH"):
        for tag in ("free", "cycled"):
            out[f"rmse_{v}_{tag}"] = _rms(w, f"rmse_{v}_{tag}")
            out[f"rmse_{v}_{tag}_from_window_2"] = _rms(w, f"rmse_{v}_{tag}", 2)
        out[f"rmse_ratio_{v}_cycled_vs_free"] = out[f"rmse_{v}_cycled"] / out[f"rmse_{v}_free"]
        out[f"rmse_ratio_{v}_cycled_vs_free_from_window_2"] = \
            out[f"rmse_{v}_cycled_from_window_2"] / out[f"rmse_{v}_free_from_window_2"]
    if other is not None:
        out["4dvarnet_returncode"] = other.returncode
        out["4dvarnet_analysed_windows"] = len(other.analyses)
        out.update(_qc(other.analyses, "4dvarnet_"))
        out["4dvarnet_per_window_rmse_T_cycled"] = [x["rmse_T_cycled"] for x in other.windows]
        out["4dvarnet_error"] = next((e for e in other.errors() if "failed:" in e), "")
        if other.returncode == 0:  # the same case, windows and free run as EnOI's
            for v in ("T", "S", "SSH"):
                out[f"4dvarnet_rmse_{v}_cycled"] = _rms(other.windows, f"rmse_{v}_cycled")
                out[f"4dvarnet_rmse_{v}_cycled_from_window_2"] = \
                    _rms(other.windows, f"rmse_{v}_cycled", 2)
            out["4dvarnet_seconds_per_window"] = float(np.mean([a["seconds"]
                                                                for a in other.analyses]))
    return out
