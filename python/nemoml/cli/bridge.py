"""CLI commands of the bridge room: ``selftest``, ``patch-nemo``, ``check-nemo``, ``config``."""

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
    if args.arch:
        from nemoml.devtools.nemo_arch import ArchError, arch_text

        try:
            print(arch_text(f"-L{libdir()} -Wl,-rpath,{libdir()} -lnemoml", args.xios), end="")
        except ArchError as exc:
            print(f"nemoml config --arch: {exc}")
            return 1
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
    from nemoml.devtools.nemo_patch import PatchError, istate_settings, parse_settings, patch_config

    try:
        settings = istate_settings() if args.istate else {}
        settings.update(parse_settings(args.set))
        for line in patch_config(args.config, args.nemo, settings):
            print(line)
    except PatchError as exc:
        print(f"nemoml patch-nemo: {exc}")
        return 2
    print("done: build with makenemo as usual, with `nemoml config` flags in your arch file")
    return 0


def _check_nemo(args: argparse.Namespace) -> int:
    from nemoml.devtools.check_nemo import CheckError, run_checks

    try:
        report = run_checks(args.config, args.ranks, args.steps, args.generator, args.workdir,
                            args.nemo, echo=lambda line: print(line, flush=True))
    except CheckError as exc:
        print(f"nemoml check-nemo: {exc}")
        return 9
    for note in report.notes:
        print(f"check-nemo: note: {note}")
    n = len(report.outcomes)
    print(f"check-nemo: {n - report.failed}/{n} checks passed; runs kept in {report.work}")
    return report.failed


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
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="set a key of &namnemoml in every experiment's namelist_cfg (the block "
                        "appended or already there), e.g. --set ln_nemoml=.true.; repeatable")
    p.add_argument("--istate", action="store_true",
                   help="switch the generated initial state on: ln_nemoml, ln_nemoml_istate and "
                        "cn_nemoml_generator = the packaged GYRE generator")
    p.set_defaults(func=_patch_nemo)
    p = sub.add_parser("check-nemo", help="run the plugin's checks on a NEMO configuration you "
                                          "built (plain, istate, EOS mismatch, cycling)")
    p.add_argument("config", help="the configuration directory (cfgs/NAME), built with makenemo")
    p.add_argument("--ranks", type=int, default=2, help="MPI ranks of each run")
    p.add_argument("--steps", type=int, default=20,
                   help="time steps of the plain, istate and EOS runs (the cycle runs 20 days)")
    p.add_argument("--generator", default=None,
                   help="generator directory (default: the packaged GYRE generator)")
    p.add_argument("--workdir", default=None, help="runs go here (default: a new temporary one)")
    p.add_argument("--nemo", default=None, help="root of the NEMO tree (default: config/../..)")
    p.set_defaults(func=_check_nemo)
    p = sub.add_parser("config", help="flags for a NEMO arch file (%%USER_INC, %%USER_LIB)")
    p.add_argument("--fflags", action="store_true", help="compile flags")
    p.add_argument("--ldflags", action="store_true", help="link flags")
    p.add_argument("--c", action="store_true", help="compile flags for a C host (nemoml.h)")
    p.add_argument("--arch", action="store_true",
                   help="print a NEMO arch file (gfortran, nf-config's netCDF, nemoml linked)")
    p.add_argument("--xios", default=None, metavar="DIR",
                   help="with --arch: link XIOS from DIR (DIR/inc, DIR/lib)")
    p.add_argument("--generator", action="store_true",
                   help="print the packaged GYRE generator's directory (cn_nemoml_generator)")
    p.add_argument("--solver", action="store_true",
                   help="print the packaged QG 4DVarNet solver (cn_nemoml_da)")
    p.set_defaults(func=_config)
