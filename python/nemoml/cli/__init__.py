"""The ``nemoml`` command line: the top room. One module here per room registers that room's
subcommands; ``bench NAME`` runs a driver of :mod:`nemoml.devtools.bench`."""

from __future__ import annotations

import argparse
import importlib
import json

__all__ = ["build_parser", "main"]

# modules of this package with ``register(subparsers)``, one per room; each keeps heavy imports
# inside its handlers
ROOMS = ("bridge", "eos", "io", "generate", "assimilate", "evaluate", "demo")
# bench name -> module with ``run(args) -> dict``
BENCHES = {
    "bridge": "nemoml.devtools.bench.bridge",
    "scale": "nemoml.devtools.bench.scale",
    "eos": "nemoml.devtools.bench.eos",
    "io": "nemoml.devtools.bench.io",
    "generate": "nemoml.devtools.bench.generate",
    "train": "nemoml.devtools.bench.train",
    "da": "nemoml.devtools.bench.da",
    "da3d": "nemoml.devtools.bench.da3d",
    "cycle": "nemoml.devtools.bench.cycle",
}


def _room_commands(room: str):
    return importlib.import_module(f"nemoml.cli.{room}")


def _bench(args: argparse.Namespace) -> int:
    module = importlib.import_module(BENCHES[args.name])
    result = module.run(args)
    if args.json:
        print(json.dumps(result, sort_keys=True))
    else:
        width = max(len(k) for k in result)
        for key, value in sorted(result.items()):
            print(f"{key:<{width}}  {value}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="nemoml", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    bench = sub.add_parser("bench", help="measure figures and ratios; one JSON object with --json")
    bench.add_argument("name", choices=sorted(BENCHES))
    bench.add_argument("--json", action="store_true", help="print one JSON object")
    bench.add_argument("--quick", action="store_true", help="fewer repetitions (for tests)")
    bench.add_argument("-n", type=int, default=None,
                       help="states per sampler (bench generate; default its own)")
    bench.set_defaults(func=_bench)
    for room in ROOMS:
        module = _room_commands(room)
        if module is not None:
            module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.func(args) or 0)

