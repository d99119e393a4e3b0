"""CLI of the assimilate room: ``nemoml train-da``, ``nemoml assimilate``, ``nemoml simulate-obs``
and ``nemoml l96-twin``. Heavy imports stay inside the handlers."""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def _train_da_gyre(args: argparse.Namespace) -> int:
    import torch

    from nemoml.assimilate.fourdvarnet.multivariate import StateSolverConfig
    from nemoml.assimilate.gyre.checkpoint import load_checkpoint
    from nemoml.assimilate.gyre.export import export_state_solver
    from nemoml.assimilate.gyre.train import Train3DConfig, train
    from nemoml.base import distributed

    if args.threads:
        torch.set_num_threads(args.threads)
    solver = StateSolverConfig(n_days=args.window or 10, hidden_prior=args.hidden_prior or 16,
                               hidden_lstm=args.hidden_lstm or 16, n_step=args.n_step or 4,
                               subspace_rank=args.subspace_rank)
    cfg = Train3DConfig(solver=solver, steps=args.steps, batch=args.batch or 3,
                        lr=args.lr or 2e-3, argo_per_day=args.argo_per_day,
                        val_every=args.val_every, prior_steps=args.prior_steps, seed=args.seed)
    out = Path(args.out)
    ranks = distributed.start(args.device) if args.ddp else distributed.Ranks()
    try:
        result = train(cfg, out, resume=args.resume, device=ranks.device if args.ddp
                       else args.device, progress=not args.quiet and ranks.root, ranks=ranks)
    finally:
        ranks.close()
    if args.export and ranks.root:
        model, ckpt = load_checkpoint(out / "best.pt")
        result["export"] = export_state_solver(model, ckpt, args.export).get("pt2")
    print(json.dumps({"out": str(out), **{k: v for k, v in result.items() if k != "history"}}))
    return 0


def _train_da(args: argparse.Namespace) -> int:
    if args.case == "gyre":
        return _train_da_gyre(args)
    from nemoml.assimilate.fourdvarnet.solver import SolverConfig
    from nemoml.assimilate.qg import osse
    from nemoml.assimilate.qg import truth as qg
    from nemoml.assimilate.qg.train import TrainConfig, train

    scn = osse.build(args.truth, n=args.grid, n_sat=args.satellites, noise_m=args.noise,
                     seed=args.seed)
    solver = SolverConfig(channels=args.window or 15, hidden_prior=args.hidden_prior or 32,
                          hidden_lstm=args.hidden_lstm or 32, n_step=args.n_step or 8,
                          lstm_downsample=args.lstm_downsample)
    cfg = TrainConfig(solver=solver, epochs=args.epochs or TrainConfig.epochs,
                      batch=args.batch or 4, lr=args.lr or 1e-3, lr_prior=(args.lr or 1e-3) / 2)
    meta = {"norm": {"mean": scn.mean, "std": scn.std}, "grid": list(scn.truth.ssh.shape[1:]),
            "dx_km": scn.truth.dx, "noise_m": args.noise, "satellites": args.satellites,
            "obs_seed": args.seed, "variables": ["ssh"]}
    result = train(scn.windows(qg.TRAIN_DAYS), scn.windows(qg.VAL_DAYS), cfg, Path(args.out),
                   meta, progress=not args.quiet)
    print(json.dumps({"out": str(args.out), **result}))
    return 0


def _assimilate(args: argparse.Namespace) -> int:
    from nemoml.assimilate.qg.analysis import assimilate_file

    out = assimilate_file(args.model, args.obs, args.background, args.out, args.day,
                          background_var=args.background_var, mesh_mask=args.mesh_mask,
                          levels=args.levels, qc_k=args.qc_k, qc_maxrej=args.qc_maxrej)
    print(f"wrote {out}")
    return 0


def _simulate_obs(args: argparse.Namespace) -> int:
    from nemoml.assimilate.obs.nadir import constellation, simulate
    from nemoml.assimilate.obs.obsfile import write_obs
    from nemoml.assimilate.qg import truth as qg

    truth = qg.load_truth(args.truth, args.grid)
    if args.days:
        truth = truth.days(*args.days)
    pts = simulate(truth, constellation(args.satellites), noise_m=args.noise, seed=args.seed)
    print(f"wrote {write_obs(args.out, pts)} ({len(pts)} observations)")
    return 0


def _l96(args: argparse.Namespace) -> int:
    from nemoml.assimilate.l96_twin import run_twin

    print(json.dumps(run_twin(quick=args.quick), indent=1))
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser("train-da", help="train 4DVarNet: the QG altimetry OSSE or the "
                                               "3D multivariate GYRE twin (--case gyre)")
    p.add_argument("--case", choices=("qg", "gyre"), default="qg")
    p.add_argument("--truth", default=None, help="QG truth file (default: ../shared or sample)")
    p.add_argument("--out", default="out/da", help="checkpoint folder (last.pt, best.pt)")
    p.add_argument("--grid", type=int, default=64, help="grid size after block-averaging")
    p.add_argument("--window", type=int, default=None, help="window length (days; 15, gyre 10)")
    p.add_argument("--hidden-prior", type=int, default=None, help="default 32 (gyre 16)")
    p.add_argument("--hidden-lstm", type=int, default=None, help="default 32 (gyre 16)")
    p.add_argument("--lstm-downsample", type=int, default=2, help="ConvLSTM grid coarsening")
    p.add_argument("--n-step", type=int, default=None, help="solver iterations (8, gyre 4)")
    p.add_argument("--epochs", type=int, default=None, help="default: TrainConfig's (8)")
    p.add_argument("--batch", type=int, default=None, help="default 4 (gyre 3)")
    p.add_argument("--lr", type=float, default=None,
                   help="Adam rate (default 1e-3, the prior gets half; gyre 2e-3)")
    p.add_argument("--steps", type=int, default=1200, help="gyre: optimiser steps")
    p.add_argument("--resume", action="store_true", help="gyre: continue from OUT/last.pt")
    p.add_argument("--device", default="cpu", help="gyre: torch device (cpu, cuda)")
    p.add_argument("--threads", type=int, default=0, help="gyre: torch threads (0: default)")
    p.add_argument("--ddp", action="store_true",
                   help="gyre: data-parallel over the MPI ranks (mpirun -n N; --batch is the "
                        "global batch)")
    p.add_argument("--argo-per-day", type=int, default=5, help="gyre: Argo profiles a day")
    p.add_argument("--subspace-rank", type=int, default=16,
                   help="gyre: EOFs of the training truth in the exact first step (0: none)")
    p.add_argument("--prior-steps", type=int, default=300,
                   help="gyre: auto-encoder steps of the prior before the solver's")
    p.add_argument("--val-every", type=int, default=100, help="gyre: steps between validations")
    p.add_argument("--export", default=None, help="gyre: export best.pt to this folder")
    p.add_argument("--satellites", type=int, default=4)
    p.add_argument("--noise", type=float, default=0.02, help="nadir noise std (m)")
    p.add_argument("--seed", type=int, default=0, help="seed of the simulated observations")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_train_da)

    p = subparsers.add_parser("assimilate", help="4DVarNet analysis -> NEMO increments file")
    p.add_argument("--model", default=None, help="checkpoint or exported solver (default: demo)")
    p.add_argument("--obs", required=True, help="observation file (nemoml-obs-1 netCDF)")
    p.add_argument("--background", required=True,
                   help="netCDF with the background SSH window (time, y, x)")
    p.add_argument("--background-var", default="zos")
    p.add_argument("--day", type=float, required=True, help="analysis day (window centre)")
    p.add_argument("--out", default="assim_background_increments.nc")
    grid = p.add_mutually_exclusive_group(required=True)
    grid.add_argument("--mesh-mask", default=None,
                      help="the model's mesh_mask.nc: the file gets its jpk levels and masks")
    grid.add_argument("--levels", type=int, default=None,
                      help="without a mesh mask: jpk, on an all-ocean grid of the background")
    p.add_argument("--qc-k", type=float, default=12.0,
                   help="background check: leave out |O - B| > K expected spreads (0: off)")
    p.add_argument("--qc-maxrej", type=float, default=0.25,
                   help="background check: more than this fraction left out is an error")
    p.set_defaults(func=_assimilate)

    p = subparsers.add_parser("simulate-obs", help="fly nadir altimeters over the QG truth")
    p.add_argument("--truth", default=None)
    p.add_argument("--grid", type=int, default=64)
    p.add_argument("--days", type=int, nargs=2, default=None, metavar=("START", "STOP"))
    p.add_argument("--satellites", type=int, default=4)
    p.add_argument("--noise", type=float, default=0.02)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out", required=True)
    p.set_defaults(func=_simulate_obs)

    p = subparsers.add_parser("l96-twin", help="Lorenz-96 twin: interpolation, 4DVar, 4DVarNet")
    p.add_argument("--quick", action="store_true", help="a tiny run (for tests)")
    p.set_defaults(func=_l96)
