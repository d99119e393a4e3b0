"""``nemoml evaluate``: the physics report card of sets of states."""

from __future__ import annotations

import argparse
import json


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("evaluate", help="physics report card of sets of NEMO states")
    p.add_argument("--mesh-mask", required=True)
    p.add_argument("--eos", default="eos80", choices=("eos80", "teos10", "seos"),
                   help="the model's own equation of state")
    p.add_argument("--reference", required=True,
                   help="reference (training) states; their mean profiles are the targets")
    p.add_argument("--reference-name", default="Data")
    p.add_argument("--min-year", type=int, default=None, help="reference: first model year")
    p.add_argument("--max-year", type=int, default=None, help="reference: last model year")
    p.add_argument("--set", action="append", default=[], metavar="NAME=FILE",
                   help="a set of states to compare (repeatable)")
    p.add_argument("--depth-box", type=float, default=1500.0, help="BW/DW boundary (m)")
    p.add_argument("--out", required=True, help="directory for report.md/json and PNGs")
    p.add_argument("--no-plots", action="store_true")
    p.set_defaults(func=_evaluate)


def _evaluate(args) -> int:
    from nemoml.evaluate.physics import ReportCard
    from nemoml.evaluate.report import write_report
    from nemoml.generate.data import load_states
    from nemoml.generate.gridinfo import GridInfo

    grid = GridInfo.from_mesh_mask(args.mesh_mask)
    nz = grid.shape[0]
    ref = load_states(args.reference, ("T", "S"), nz=nz, min_year=args.min_year,
                      max_year=args.max_year)
    sets = {args.reference_name: ref.fields}
    for spec in args.set:
        name, sep, path = spec.partition("=")
        if not sep:
            raise ValueError(f"--set expects NAME=FILE, got {spec!r}")
        sets[name] = load_states(path, ("T", "S"), nz=nz).fields
    card = ReportCard(grid, args.eos, ref.fields, args.depth_box)
    result = write_report(card, sets, args.out, plots=not args.no_plots)
    print(result["table"])
    print(json.dumps({"files": result["files"]}))
    return 0
