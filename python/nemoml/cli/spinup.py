"""``nemoml spinup-report RUN...``: how far NEMO runs are from equilibrium, year by year."""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def register_spinup(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("spinup-report", help="per-year drift, KE, gyre strength of NEMO runs; "
                       "years until equilibrium")
    p.add_argument("runs", nargs="+", metavar="[NAME=]RUN",
                   help="a directory of restarts (global or per-rank) or *_grid_T/U/V outputs, "
                   "a state file such as gyre_states.nc, or one restart")
    p.add_argument("--mesh-mask", default=None,
                   help="the runs' mesh mask (default: mesh_mask.nc beside each run)")
    p.add_argument("--eos", default="eos80", choices=("eos80", "teos10", "seos"),
                   help="the model's own equation of state (box and density metrics)")
    p.add_argument("--reference", default=None, metavar="NAME",
                   help="run whose last year is the RMS and KE reference (default: the first)")
    p.add_argument("--from-rest", default=None, metavar="NAME",
                   help="run started from rest: the others get the spin-up years they save")
    p.add_argument("--band", type=float, default=0.5e-3,
                   help="drift band on abs(dT), degC per year (default 0.5e-3)")
    p.add_argument("--ke-tolerance", type=float, default=0.05,
                   help="relative KE band around the reference's (default 0.05)")
    p.add_argument("--annual", default="auto", choices=("auto", "mean", "fit"),
                   help="annual means: plain means or the seasonal fit (auto: plain when every "
                   "year is sampled on the same days)")
    p.add_argument("--days-per-year", type=float, default=None,
                   help="model year length (default: from the calendar; restarts: 360 or 365)")
    p.add_argument("--plot", default=None, metavar="PNG", help="write the time-series figure")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=_spinup_report)


def _spinup_report(args) -> int:
    from nemoml.evaluate.card.physics import ReportCard
    from nemoml.evaluate.spinup.drift import Diagnostics
    from nemoml.evaluate.spinup.report import figure, summarise, table
    from nemoml.evaluate.spinup.runs import find_mesh_mask, read_run
    from nemoml.grid import Grid, NemoFileError
    from nemoml.grid.gridinfo import GridInfo

    runs, shape = [], None
    for spec in args.runs:
        name, sep, path = spec.partition("=")
        if not sep:
            name, path = Path(spec).name.removesuffix(".nc"), spec
        if any(r.name == name for r in runs):
            raise ValueError(f"two runs are named {name!r}; name them NAME=RUN")
        mesh = find_mesh_mask(Path(path), args.mesh_mask)
        grid = Grid.from_mesh_mask(mesh)
        if shape is not None and grid.shape != shape:
            raise NemoFileError(mesh, f"grid {grid.shape} differs from the first run's {shape}: "
                                "runs of different configurations cannot share one table")
        shape = grid.shape
        card = ReportCard(GridInfo.from_mesh_mask(mesh), args.eos)
        diagnose = Diagnostics(grid, card)
        runs.append(read_run(name, path, diagnose, grid, mesh, args.days_per_year))
    summary = summarise(runs, diagnose.vol, args.reference, args.band, args.ke_tolerance,
                        args.annual, args.from_rest)
    if args.plot:
        summary["figure"] = str(figure(summary, args.plot))
    if args.json:
        print(json.dumps(summary))
    else:
        print(table(summary))
    return 0
