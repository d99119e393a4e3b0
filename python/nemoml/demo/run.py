"""The demo: what a user sees first. Today: the bridge's selftest on the stand-in host."""

from __future__ import annotations

import argparse
from pathlib import Path


def run(args: argparse.Namespace) -> int:
    from nemoml.bridge.selftest import selftest

    workdir = Path(args.workdir or "nemoml-demo").resolve()
    print(f"nemoml demo: stand-in NEMO host on {args.ranks} MPI rank(s); outputs in {workdir}")
    ok, text = selftest(args.ranks, [1], workdir)
    print(text)
    return 0 if ok else 1
