"""``nemoml train-generator`` and ``nemoml generate``."""

from __future__ import annotations

import argparse
import json


def _ints(text: str) -> tuple[int, ...]:
    return tuple(int(v) for v in text.split(",") if v)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("train-generator", help="train the diffusion generator on NEMO states")
    p.add_argument("--database", required=True, help="netCDF file of states (time, z, y, x)")
    p.add_argument("--mesh-mask", required=True)
    p.add_argument("--out", required=True, help="output directory (checkpoint + export)")
    p.add_argument("--variables", default="T,S,SSH", help="comma list of T,S,SSH,U,V")
    p.add_argument("--levels", type=_ints, default=None, help="comma list of level indices")
    p.add_argument("--min-year", type=int, default=None)
    p.add_argument("--max-year", type=int, default=None)
    p.add_argument("--val-fraction", type=float, default=0.1)
    p.add_argument("--eos", default=None, choices=("eos80", "teos10", "seos"),
                   help="equation of state of the database (default eos80, or --nameos's)")
    p.add_argument("--nameos", default=None, metavar="NAMELIST",
                   help="the run's NEMO namelist: its &nameos sets the EOS and the S-EOS "
                        "coefficients (rn_a0, rn_lambda1, ...) the generator is trained with")
    p.add_argument("--seos-params", default="", metavar="LIST",
                   help="S-EOS coefficients, e.g. 'rn_a0=0.2,rn_lambda1=0' (after --nameos)")
    p.add_argument("--base", type=int, default=32, help="UNet width of the first stage")
    p.add_argument("--mults", type=_ints, default=(1, 2, 2))
    p.add_argument("--blocks", type=int, default=1)
    p.add_argument("--steps", type=int, default=4000)
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=None)
    p.add_argument("--device", default="cpu",
                   help="cpu, cuda, cuda:N or auto (CUDA if visible, else the CPU)")
    p.add_argument("--ddp", action="store_true",
                   help="data-parallel over the MPI ranks (mpirun -n N nemoml train-generator "
                        "--ddp ...): gloo on the CPU, NCCL on GPUs; --batch is the global batch")
    p.add_argument("--resume", action="store_true", help="continue from OUT/checkpoint.pt")
    p.add_argument("--no-pt2", action="store_true", help="export TorchScript only")
    p.add_argument("--calibrate", default="", metavar="SETS",
                   help="constraint sets to calibrate duals for after training, e.g. "
                        "'c1;c2;ts;c1+ts+stability'")
    p.add_argument("--calibrate-steps", type=int, default=50, help="DDIM steps for calibration")
    p.add_argument("--no-progress", action="store_true")
    p.set_defaults(func=_train)

    g = sub.add_parser("generate", help="sample states and write NEMO restarts")
    g.add_argument("--model", required=True, help="exported generator directory")
    g.add_argument("-n", type=int, default=1, help="ensemble size")
    g.add_argument("--seed", type=int, default=0)
    g.add_argument("--sampler", default="ddim", choices=("ddim", "ddpm"))
    g.add_argument("--steps", type=int, default=None)
    g.add_argument("--eta", type=float, default=None)
    g.add_argument("--constraints", default="",
                   help="e.g. c1+ts+stability (stability ends with a projection onto all of them)")
    g.add_argument("--condition-sst", default=None, metavar="FILE",
                   help="netCDF state whose surface temperature conditions the samples")
    g.add_argument("--tile", type=int, default=0, metavar="N",
                   help="evaluate the denoiser in N x N tiles, exactly (generate/tiled.py)")
    g.add_argument("--out", required=True, help="ensemble file (netCDF, time = member)")
    g.add_argument("--restart-template", default=None,
                   help="NEMO restart to copy; one restart per member is written beside OUT")
    g.set_defaults(func=_generate)


def _train(args) -> int:
    from nemoml.generate.export import load_generator, update_duals
    from nemoml.generate.train import TrainConfig, train

    eos, eos_params = _eos_choice(args)
    cfg = TrainConfig(
        database=args.database, mesh_mask=args.mesh_mask, out=args.out,
        variables=tuple(v.strip().upper() for v in args.variables.split(",")),
        levels=list(args.levels) if args.levels else None, min_year=args.min_year,
        max_year=args.max_year, val_fraction=args.val_fraction, eos=eos, eos_params=eos_params,
        base=args.base, mults=tuple(args.mults), blocks=args.blocks, steps=args.steps,
        batch=args.batch, lr=args.lr, seed=args.seed, threads=args.threads,
        pt2=not args.no_pt2, device=args.device, ddp=args.ddp,
    )
    summary = train(cfg, resume=args.resume, progress=not args.no_progress)
    if args.calibrate and summary.get("ddp", {}).get("rank", 0) == 0:  # rank 0 alone
        gen = load_generator(args.out)
        for spec in args.calibrate.split(";"):
            names = [n for n in spec.split("+") if n]
            gen.calibrate(names, steps=args.calibrate_steps, progress=not args.no_progress)
        update_duals(args.out, gen.duals)
    last = summary["history"][-1] if summary["history"] else {}
    print(json.dumps({"export": summary["export"], "steps": summary["steps"],
                      "parameters": summary["parameters"], "last": last,
                      **({"ddp": summary["ddp"]} if "ddp" in summary else {})}))
    return 0


def _eos_choice(args) -> tuple[str, dict]:
    """``--eos``, ``--nameos`` and ``--seos-params`` -> (kind, S-EOS ``rn_*`` parameters)."""
    from dataclasses import fields, replace

    from nemoml.eos import EOS

    e = EOS.from_namelist(args.nameos) if args.nameos else EOS(args.eos or "eos80")
    if args.nameos and args.eos and args.eos != e.kind:
        raise SystemExit(f"train-generator: --eos {args.eos} but &nameos of {args.nameos} "
                         f"chooses {e.kind}")
    names = {f.name.lower(): f.name for f in fields(EOS)[1:-1]}
    given = {}
    for item in filter(None, (t.strip() for t in args.seos_params.split(","))):
        key, sep, value = item.partition("=")
        name = names.get(key.strip().lower().removeprefix("rn_"))
        if not sep or name is None:
            raise SystemExit(f"train-generator: --seos-params: expected rn_NAME=value with NAME "
                             f"one of {', '.join(names.values())}, got {item!r}")
        given[name] = float(value)
    if given and e.kind != "seos":
        raise SystemExit(f"train-generator: --seos-params given but the EOS is {e.kind}")
    e = replace(e, **given)
    if e.kind != "seos":
        return e.kind, {}
    return e.kind, {f"rn_{n}": getattr(e, n) for n in names.values()}


def _generate(args) -> int:
    from nemoml.generate.sampling_io import generate_to_files

    paths = generate_to_files(args)
    print(json.dumps({"written": [str(p) for p in paths]}))
    return 0
