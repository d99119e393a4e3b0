"""``nemoml demo``."""

from __future__ import annotations

import argparse


def _demo(args: argparse.Namespace) -> int:
    from nemoml.demo.run import run

    return run(args)


def register(sub) -> None:
    p = sub.add_parser("demo", help="the main job: the stand-in host under mpirun, end to end")
    p.add_argument("--ranks", type=int, default=2, help="MPI ranks")
    p.add_argument("--workdir", default=None, help="keep outputs here (default: ./nemoml-demo)")
    p.set_defaults(func=_demo)
