import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from nemoml.bridge.exchange import Exchange
from nemoml.devtools.host import mpi_env, mpirun_command
from nemoml.grid.decomp import Decomposition

from .conftest import requires_mpirun


def test_single_rank_round_trip():
    sub = Decomposition.auto(1, 9, 7, 2).subdomains
    ex = Exchange(None, sub, 9, 7)
    local = np.zeros((3, 11, 13))
    local[:, 2:9, 2:11] = np.arange(3 * 7 * 9).reshape(3, 7, 9)
    full = ex.gather(local)
    assert np.array_equal(full, local[:, 2:9, 2:11])
    back = np.full_like(local, 5.0)
    ex.scatter(full, back)
    assert np.array_equal(back[:, 2:9, 2:11], full)
    assert (back[:, :2] == 5.0).all()  # halo outside the domain is left alone


@requires_mpirun
@pytest.mark.mpi
@pytest.mark.parametrize("ranks, grid", [(3, (17, 11, 4, 2)), (4, (32, 22, 3, 1))])
def test_mpi_round_trip(ranks, grid):
    script = Path(__file__).with_name("mpi_exchange.py")
    cmd = mpirun_command(ranks) + [sys.executable, str(script), *map(str, grid)]
    proc = subprocess.run(cmd, env=mpi_env(), capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "EXCHANGE OK" in proc.stdout


@requires_mpirun
@pytest.mark.mpi
def test_root_memory_is_the_field_plus_one_chunk():
    """Gather in the handler's dtype: the global float32 field plus buffers of 1/8 of it (in
    float64, the host's dtype: 1/4); scatter adds only its buffers."""
    script = Path(__file__).with_name("mpi_memory.py")
    proc = subprocess.run(mpirun_command(4) + [sys.executable, str(script)], env=mpi_env(),
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    line = next(ln for ln in proc.stdout.splitlines() if ln.startswith("MEMORY"))
    gather, scatter = float(line.split()[2]), float(line.split()[4])
    assert gather <= 1.35, line  # 1 (field) + 2 * 1/8 (float64 buffer) + the root's own part
    assert scatter <= 0.4, line  # 2 * 1/8 (float64 buffer) + the root's part


@requires_mpirun
@pytest.mark.mpi
@pytest.mark.slow
def test_scale_bench_quick(capsys):
    """``nemoml bench scale --quick``: 8 ranks, a land-only subdomain removed, the generator's
    fields gathered (float32) and scattered, every key present."""
    import json

    from nemoml.cli import main

    assert main(["bench", "scale", "--json", "--quick"]) == 0
    out = json.loads(capsys.readouterr().out)
    for key in ("grid_points", "ranks", "land_domains_removed", "seconds_gather_scatter",
                "root_peak_rss_gb", "root_peak_rss_over_fields", "seconds_per_sampler_step",
                "other_ranks_rss_gb"):
        assert key in out, key
    assert out["ranks"] == 8 and out["land_domains_removed"] >= 1
    assert out["gb_gathered"] * 1e9 == pytest.approx(4 * 120 * 110 * 12, rel=0.01)  # T, SSH
    # ranks that run no model never import torch (its import alone is 0.2 GB resident)
    assert out["other_ranks_rss_gb"] < 0.15, out
    # the tiled denoiser (4 x 4 tiles of 32) samples the same state with less device memory
    assert out["tiles"] == 16 and out["tile_eps_max_rel_diff"] < 1e-5, out
    assert 0 < out["tile_max_abs_diff"] < 1e-3, out  # float32 rounding, amplified by 2 steps
    assert out["device_peak_gb_tile"] < out["device_peak_gb_full"] / 4, out
