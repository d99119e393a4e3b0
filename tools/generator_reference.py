"""Recompute an exported generator's reference card from its own training database.

The reference card (``reference``: each figure's mean over the training states;
``reference_std``: the std over states of each per-state figure) is what a generated state is
judged against (``nemoml demo``'s GYRE verdict). ``train-generator`` writes it; this refreshes
it in a package exported before a figure was added, from the database and split recorded in
the package's ``training.config`` (or ``--database``/``--mesh-mask`` where they moved).

    .venv/bin/python tools/generator_reference.py python/nemoml/data/generator \
        --database ../shared/data/gyre/gyre_states.nc --mesh-mask ../shared/data/gyre/mesh_mask.nc
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def main() -> int:
    from nemoml.base.files import atomic_write
    from nemoml.eos.density import Density
    from nemoml.generate.train import TrainConfig, reference_card, training_states
    from nemoml.grid.gridinfo import GridInfo

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("generator", help="exported generator directory")
    p.add_argument("--database", help="the training database (default: as recorded)")
    p.add_argument("--mesh-mask", help="its mesh mask (default: as recorded)")
    args = p.parse_args()
    path = Path(args.generator) / "generator.json"
    meta = json.loads(path.read_text())
    config = dict(meta["training"]["config"])
    config.update({k: v for k, v in (("database", args.database),
                                     ("mesh_mask", args.mesh_mask)) if v})
    known = TrainConfig.__dataclass_fields__
    cfg = TrainConfig(**{k: v for k, v in config.items() if k in known})
    train_set = training_states(cfg)
    if len(train_set) != meta["training"]["n_train_states"]:
        raise SystemExit(f"{cfg.database}: the training split has {len(train_set)} states, the "
                         f"package was trained on {meta['training']['n_train_states']}")
    grid = GridInfo.from_mesh_mask(cfg.mesh_mask)
    means, stds = reference_card(grid, Density(cfg.eos, cfg.eos_params), train_set)
    meta["reference"], meta["reference_std"] = means, stds
    atomic_write(path, lambda p: Path(p).write_text(json.dumps(meta)))
    print(json.dumps({"n_states": means["n_states"],
                      **{k: [means[k], stds[k]] for k in ("bw_T", "dw_T", "pattern_T")}}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
