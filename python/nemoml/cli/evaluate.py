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
    p.add_argument("--targets", default=None, metavar="GENERATOR",
                   help="measure the C1/C2/T-S residuals against the target profiles of this "
                        "exported generator (the profiles it was trained to meet) instead of "
                        "the reference's mean profiles")
    p.add_argument("--min-year", type=int, default=None, help="reference: first model year")
    p.add_argument("--max-year", type=int, default=None, help="reference: last model year")
    p.add_argument("--holdout", default=None, metavar="FILE",
                   help="real states of model years the model was not trained on (e.g. the "
                        "database's later years): the memorisation reference, and every set "
                        "is checked against them too")
    p.add_argument("--holdout-name", default="Unseen")
    p.add_argument("--holdout-min-year", type=int, default=None)
    p.add_argument("--holdout-max-year", type=int, default=None)
    p.add_argument("--holdout-every", type=int, default=1, metavar="K",
                   help="keep every K-th held-out state (daily files: 30 for monthly)")
    p.add_argument("--set", action="append", default=[], metavar="NAME=FILE",
                   help="a set of states to compare (repeatable); FILE may be a quoted glob, "
                   "e.g. the ensemble's restarts 'run/*_m*.nc'")
    p.add_argument("--generator", default=None, metavar="DIR",
                   help="exported generator to sample the --generate sets from")
    p.add_argument("--generate", action="append", default=[], metavar="NAME=CONSTRAINTS",
                   help="sample a set with these constraints ('' = none, 'c1+ts'); repeatable")
    p.add_argument("-n", type=int, default=32, help="states per generated set")
    p.add_argument("--steps", type=int, default=50, help="DDIM steps of generated sets")
    p.add_argument("--seed", type=int, default=123)
    p.add_argument("--depth-box", type=float, default=1500.0, help="BW/DW boundary (m)")
    p.add_argument("--unconstrained", default="Unconstrained",
                   help="name of the unconstrained set (the C1 check compares with it)")
    p.add_argument("--out", required=True, help="directory for report.md/json and PNGs")
    p.add_argument("--no-plots", action="store_true")
    p.set_defaults(func=_evaluate)
    from nemoml.cli.spinup import register_spinup

    register_spinup(sub)


def _evaluate(args) -> int:
    from nemoml.evaluate.card.physics import ReportCard
    from nemoml.evaluate.card.report import write_report
    from nemoml.generate.data import load_states
    from nemoml.grid.gridinfo import GridInfo

    grid = GridInfo.from_mesh_mask(args.mesh_mask)
    nz = grid.shape[0]
    ref = load_states(args.reference, ("T", "S"), nz=nz, min_year=args.min_year,
                      max_year=args.max_year)
    sets, under, raw, unseen_under = {args.reference_name: ref.fields}, {}, {}, {}
    unseen = None
    if args.holdout:
        if args.holdout_every < 1:
            raise ValueError(f"--holdout-every must be >= 1, got {args.holdout_every}")
        held = load_states(args.holdout, ("T", "S"), nz=nz, min_year=args.holdout_min_year,
                           max_year=args.holdout_max_year).fields
        unseen = args.holdout_name
        sets[unseen] = {k: v[:: args.holdout_every] for k, v in held.items()}
    for spec in args.set:
        name, sep, path = spec.partition("=")
        if not sep:
            raise ValueError(f"--set expects NAME=FILE, got {spec!r}")
        sets[name] = _load_set(path, nz)
    if args.generate:
        generated, raw, under, unseen_under = _generated(args)
        sets.update(generated)
    targets = None
    if args.targets:
        from nemoml.generate.export import read_metadata

        targets = read_metadata(args.targets)["targets"]
    card = ReportCard(grid, args.eos, ref.fields, args.depth_box, targets=targets)
    result = write_report(card, sets, args.out, plots=not args.no_plots,
                          free=args.unconstrained, data_under=under, raw=raw, unseen=unseen,
                          unseen_under=unseen_under)
    print(result["table"])
    print(json.dumps({"files": result["files"]}))
    return 0


def _load_set(path: str, nz: int) -> dict:
    """One file of states, or a glob of files (e.g. the restarts ``*_m*.nc`` of an ensemble
    from ``nn_nemoml_members`` or of the members of an ensemble of NEMO runs)."""
    import glob

    import numpy as np

    from nemoml.generate.data import load_states

    files = sorted(glob.glob(path)) if glob.has_magic(path) else [path]
    if not files:
        raise FileNotFoundError(f"--set: no file matches {path!r}")
    parts = [load_states(f, ("T", "S"), nz=nz).fields for f in files]
    return {k: np.concatenate([p[k] for p in parts]) for k in ("T", "S")}


def _generated(args) -> tuple[dict, dict, dict, dict]:
    """Sample each ``--generate`` set and keep it as an ensemble file beside the report; also
    each constrained set's states before the final projection, and the reference (and
    held-out) states moved onto each set's constraints (the spread each set can keep)."""
    from pathlib import Path

    from nemoml.generate import load_generator
    from nemoml.generate.data import load_states
    from nemoml.generate.sampling_io import write_ensemble

    if args.generator is None:
        raise ValueError("--generate needs --generator DIR")
    gen = load_generator(args.generator)
    if gen.density.eos != args.eos:
        raise ValueError(f"generator uses EOS {gen.density.eos!r}, --eos is {args.eos!r}")
    reference = load_states(args.reference, gen.layout.variables, nz=gen.layout.grid.shape[0],
                            min_year=args.min_year, max_year=args.max_year).fields
    held = None
    if args.holdout:
        held = load_states(args.holdout, gen.layout.variables, nz=gen.layout.grid.shape[0],
                           min_year=args.holdout_min_year, max_year=args.holdout_max_year).fields
        held = {k: v[:: args.holdout_every] for k, v in held.items()}
    sets, raw, under, unseen_under = {}, {}, {}, {}
    for spec in args.generate:
        name, sep, cons = spec.partition("=")
        if not sep:
            raise ValueError(f"--generate expects NAME=CONSTRAINTS, got {spec!r}")
        names = [c for c in cons.split("+") if c]
        fields = gen.sample(args.n, seed=args.seed, constraints=names, steps=args.steps)
        safe = "".join(ch if ch.isalnum() else "_" for ch in name)
        write_ensemble(Path(args.out) / f"set_{safe}.nc", fields,
                       {"constraints": cons or "none", "seed": args.seed})
        sets[name] = fields
        if names:
            raw[name] = gen.last_raw  # before constrain() below overwrites it
            under[name] = gen.constrain(reference, names)
            if held is not None:
                unseen_under[name] = gen.constrain(held, names)
    return sets, raw, under, unseen_under
