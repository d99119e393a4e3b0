"""``nemoml io ...``: build databases, collect daily restarts, split/join per-rank files, check
increment files."""

from __future__ import annotations

import argparse


def register(subparsers) -> None:
    io = subparsers.add_parser("io", help="NEMO files: databases, per-rank restarts, increments")
    sub = io.add_subparsers(dest="io_command", required=True)

    p = sub.add_parser("build-db", help="gather restarts/outputs/state files into one database")
    p.add_argument("sources", nargs="+", help="files or directories")
    p.add_argument("--mesh", required=True, help="mesh_mask.nc of the states")
    p.add_argument("--out", required=True, help="database file to write")
    p.add_argument("--variables", nargs="+", default=["T", "S", "U", "V", "SSH"])
    p.set_defaults(func=_build_db)

    p = sub.add_parser("split", help="split a global restart into NEMO per-rank files")
    p.add_argument("path")
    p.add_argument("--out-stem", required=True, help="writes <stem>_NNNN.nc")
    p.add_argument("--jpni", type=int, required=True)
    p.add_argument("--jpnj", type=int, required=True)
    p.set_defaults(func=_split)

    p = sub.add_parser("join", help="join per-rank files into one global file")
    p.add_argument("path", help="any rank file, or <stem>.nc")
    p.add_argument("--out", required=True)
    p.set_defaults(func=_join)

    p = sub.add_parser("collect", help="append a run's daily restarts to one daily-state file, "
                       "deleting each restart once its record is on disk")
    p.add_argument("run_dir", help="the run directory (<exp>_<kt>_restart[_NNNN].nc)")
    p.add_argument("--mesh", required=True, help="mesh_mask.nc of the run")
    p.add_argument("--out", required=True, help="daily file to create or append to")
    p.add_argument("--every", type=float, default=1.0, help="days between restarts")
    p.add_argument("--keep", action="store_true", help="keep the restarts")
    p.set_defaults(func=_collect)

    p = sub.add_parser("check-increments", help="check a file as NEMO's asm_inc_init reads it")
    p.add_argument("path")
    p.add_argument("--mesh", help="mesh_mask.nc: also check the global sizes")
    p.set_defaults(func=_check_increments)


def _build_db(args: argparse.Namespace) -> int:
    from nemoml.grid import Grid
    from nemoml.io import build_database, load_database

    out = build_database(args.sources, args.out, Grid.from_mesh_mask(args.mesh), args.variables)
    db = load_database(out)
    print(f"{out}: {len(db.times)} states, fields {sorted(db.arrays)}")
    return 0


def _collect(args: argparse.Namespace) -> int:
    from nemoml.grid import Grid
    from nemoml.io.collect import collect

    done = collect(args.run_dir, Grid.from_mesh_mask(args.mesh), args.out, every=args.every,
                   keep=args.keep, progress=lambda kt, path: print(f"kt {kt}: {path.name}"))
    print(f"{done.path}: {done.records} states ({done.added} added, {done.deleted} restart "
          "sets deleted)")
    return 0


def _split(args: argparse.Namespace) -> int:
    from nemoml.io import split_ranks

    for path in split_ranks(args.path, args.out_stem, args.jpni, args.jpnj):
        print(path)
    return 0


def _join(args: argparse.Namespace) -> int:
    from nemoml.io import join_ranks

    print(join_ranks(args.path, args.out))
    return 0


def _check_increments(args: argparse.Namespace) -> int:
    from nemoml.grid import Grid
    from nemoml.io import check_increments_file

    grid = Grid.from_mesh_mask(args.mesh) if args.mesh else None
    check_increments_file(args.path, grid)
    print(f"{args.path}: readable by NEMO's asm_inc_init")
    return 0
