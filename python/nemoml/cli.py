"""The ``nemoml`` command line. Each room registers its own subcommands."""

from __future__ import annotations

import argparse
import importlib
import json
import sys

# room -> module with ``register(subparsers)``; each keeps heavy imports inside its handlers
ROOMS = ("bridge", "eos", "io", "generate", "assimilate", "evaluate", "demo")
# bench name -> module with ``run(args) -> dict``
BENCHES = {
    "bridge": "nemoml.bridge.bench",
    "scale": "nemoml.bridge.bench_scale",
    "eos": "nemoml.eos.bench",
    "io": "nemoml.io.bench",
    "generate": "nemoml.generate.bench",
    "train": "nemoml.generate.bench_train",
    "da": "nemoml.assimilate.bench",
    "da3d": "nemoml.assimilate.bench3d",
    "cycle": "nemoml.assimilate.bench_cycle",
}


def _room_commands(room: str):
    name = f"nemoml.{room}.commands"
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as err:
        if err.name in (name, f"nemoml.{room}"):
            return None  # that room has no commands yet
        raise


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


if __name__ == "__main__":
    sys.exit(main())
