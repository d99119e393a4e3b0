"""CLI commands of the bridge room: ``selftest`` and ``config``."""

from __future__ import annotations

import argparse


def _selftest(args: argparse.Namespace) -> int:
    from nemoml.devtools.selftest import selftest

    compare = [int(n) for n in args.compare.split(",") if n.strip()] if args.compare else []
    ok, text = selftest(args.ranks, compare, args.workdir)
    print(text)
    print("\nselftest " + ("PASSED" if ok else "FAILED"))
    return 0 if ok else 1


def _config(args: argparse.Namespace) -> int:
    from nemoml.base import packaged
    from nemoml.base.paths import includedir, libdir

    # the packaged models: what the namelist's paths point at
    for name, path in (("generator", packaged.GENERATOR), ("solver", packaged.QG_SOLVER)):
        if getattr(args, name):
            if not path.exists():
                print(f"nemoml config: the packaged {name} is not installed ({path})")
                return 1
            print(path)
            return 0
    lib = libdir()
    parts = []
    if args.fflags or not args.ldflags:
        # NEMO compiles nemoml.F90 from MY_SRC with its own compiler: no module path needed,
        # only the directory of nemoml.h for C users
        parts.append(f"-I{includedir()}" if args.c else "")
    if args.ldflags or not args.fflags:
        parts.append(f"-L{lib} -Wl,-rpath,{lib} -lnemoml")
    print(" ".join(p for p in parts if p))
    return 0


def _patch_nemo(args: argparse.Namespace) -> int:
    from nemoml.devtools.nemo_patch import PatchError, patch_config

    try:
        for line in patch_config(args.config, args.nemo):
            print(line)
    except PatchError as exc:
        print(f"nemoml patch-nemo: {exc}")
        return 2
    print("done: build with makenemo as usual, with `nemoml config` flags in your arch file")
    return 0


def register(sub) -> None:
    p = sub.add_parser("selftest", help="run the Fortran stand-in host under mpirun")
    p.add_argument("--ranks", type=int, default=2, help="MPI ranks of the main run")
    p.add_argument("--compare", default="1,2,4",
                   help="rank counts whose results must be identical to it ('' for none)")
    p.add_argument("--workdir", default=None, help="keep models, namelists and output here")
    p.set_defaults(func=_selftest)
    p = sub.add_parser("patch-nemo", help="insert nemoml's calls into a configuration's MY_SRC")
    p.add_argument("config", help="the configuration directory (cfgs/NAME or tests/NAME)")
    p.add_argument("--nemo", default=None, help="root of the NEMO tree (default: config/../..)")
    p.set_defaults(func=_patch_nemo)
    p = sub.add_parser("config", help="flags for a NEMO arch file (%%USER_INC, %%USER_LIB)")
    p.add_argument("--fflags", action="store_true", help="compile flags")
    p.add_argument("--ldflags", action="store_true", help="link flags")
    p.add_argument("--c", action="store_true", help="compile flags for a C host (nemoml.h)")
    p.add_argument("--generator", action="store_true",
                   help="print the packaged GYRE generator's directory (cn_nemoml_generator)")
    p.add_argument("--solver", action="store_true",
                   help="print the packaged QG 4DVarNet solver (cn_nemoml_da)")
    p.set_defaults(func=_config)
