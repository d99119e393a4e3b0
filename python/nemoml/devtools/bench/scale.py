"""``nemoml bench scale``: an ORCA1-sized grid through the stand-in host on 8 ranks.

The host's analytic basin at 362 x 332 x 75 with a continent (``rn_land``) whose land-only
subdomains NEMO's removal drops (``ln_landelim``), 8 ranks oversubscribed. Its istate runs the
generator handler: the root gathers the fields the generator reads (SSH, and surface T to
condition on) in float32, samples one state with an untrained generator of that size (a
few sampler steps, no constraints: the time of a sampler step at this size, not a state), and
scatters T, S, U, V, SSH back. Figures come from the hook's profile line on the root
(``bridge.hooks``: phase seconds, peaks of resident memory above the hook's start) and the
sampler's progress lines.

The same generator then samples in this process with its denoiser whole and tiled
(``generate.tiled``, ``TILE`` cells a side): ``seconds_per_sampler_step_full`` /
``_tiled`` (one run each, same seed, 1 thread), ``tile_max_abs_diff`` (their states' largest
difference, normalised units; ``tile_eps_max_rel_diff``: one denoiser call's, over its
largest value) and the compute device's peak for one denoiser call whole and per
tile (``device_peak_gb_full`` / ``_tile``; counted tensor storages on the CPU).

``root_peak_rss_over_fields`` is the root's peak resident memory during gather and scatter,
above its memory when the hook started, over the bytes of the global fields gathered and
returned: what the bridge costs per byte it moves (the formula in ``bridge.hooks`` gives
about 1.1).
"""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path

import numpy as np

from nemoml.devtools.host import run_host

NI, NJ, NK, RANKS, LAND = 362, 332, 75, 8, 0.75
QUICK = (120, 110, 11)  # --quick (tests): the same path on a small grid
STEPS = 3
TILE, QUICK_TILE = 96, 32


def host_tmask(ni: int, nj: int, nk: int, land: float) -> np.ndarray:
    """(z, y, x) bool: the stand-in host's analytic ``tmask_g`` (host_domain.F90)."""
    ig = np.arange(1, ni + 1)[None, None, :]
    jg = np.arange(1, nj + 1)[None, :, None]
    jk = np.arange(1, nk + 1)[:, None, None]
    inner = (ig > 1) & (ig < ni) & (jg > 1) & (jg < nj)
    coast = (ig - 1) / max(ni - 1, 1) + (jg - 1) / max(nj - 1, 1) >= land
    return inner & coast & (jk <= nk - 1 - (ig + 2 * jg) % 4)


def _grid(ni: int, nj: int, nk: int, land: float):
    from nemoml.grid.gridinfo import GridInfo

    tmask = host_tmask(ni, nj, nk, land)
    umask = tmask & np.roll(tmask, -1, axis=2)
    umask[..., -1] = False
    vmask = tmask & np.roll(tmask, -1, axis=1)
    vmask[:, -1] = False
    k = np.arange(1, nk + 1, dtype=np.float64)
    gdept, e3t = 5.0 * k**2, 10.0 * k
    gdepw = np.concatenate([[0.0], gdept[:-1] + 0.5 * np.diff(gdept)])
    e3w = np.diff(np.concatenate([[0.0], gdept]))
    lat = np.linspace(-70, 70, nj)[:, None] * np.ones((1, ni))
    return GridInfo(tmask=tmask, umask=umask, vmask=vmask, gdept=gdept, gdepw=gdepw, e3t=e3t,
                    e3w=e3w, area=np.full((nj, ni), 1e10), lat=lat)


def write_generator(out: Path, ni=NI, nj=NJ, nk=NK, land=LAND) -> Path:
    """An untrained generator of the host's grid (weights random: timing and memory only)."""
    import torch

    from nemoml.eos.density import Density
    from nemoml.generate.export import export
    from nemoml.generate.schedule import Schedule
    from nemoml.generate.start import GaussianStart
    from nemoml.generate.unet import UNet
    from nemoml.grid.layout import Layout

    grid = _grid(ni, nj, nk, land)
    rng = np.random.default_rng(0)
    z = grid.gdept[:, None, None]
    m = grid.tmask
    fields = {"T": ((4 + 16 * np.exp(-z / 150)) + 0.3 * rng.standard_normal((2, *m.shape))) * m,
              "S": (35 + 0.02 * rng.standard_normal((2, *m.shape))) * m,
              "SSH": 0.1 * rng.standard_normal((2, nj, ni)) * m[0]}
    layout = Layout(grid, ("T", "S", "SSH"), None, multiple=2)
    layout.fit(fields)
    x = layout.encode(fields, "scale bench states")
    del fields
    torch.manual_seed(0)
    net = UNet(layout.channels, base=8, mults=(1, 2), blocks=1)
    # UNet starts its output layer at zero (eps = 0 whatever the input): drawn here, so the
    # tiled and whole denoisers have something to disagree on
    torch.nn.init.normal_(net.out.weight, std=0.05)
    density, sched = Density("eos80"), Schedule(1000)
    start = GaussianStart.fit(x, layout.mask_tensor(), sched.snr(sched.t_start))
    config = {"base": 8, "mults": [1, 2], "blocks": 1, "clip": 6.0,
              "parameters": sum(p.numel() for p in net.parameters())}
    # no constraint targets: the bench samples without constraints (their cost is the
    # generator's, measured by ``nemoml bench generate``)
    return export(out, net, layout, density, sched, {}, config, pt2=False, start=start)


def _profile(output: str) -> dict:
    found = re.findall(r"nemoml_istate profile (\{.*\})", output)
    if not found:
        raise RuntimeError(f"no profile line in the host's output:\n{output[-3000:]}")
    return json.loads(found[-1])


def _step_seconds(output: str) -> float:
    """Seconds per sampler step from the progress lines (first to last step of one run)."""
    lines = re.findall(r"sampling step (\d+) of (\d+), ([\d.]+) s", output)
    if not lines:
        raise RuntimeError("no sampling progress lines in the host's output")
    steps = [(int(k), float(s)) for k, _, s in lines]
    (k0, s0), (k1, s1) = steps[0], steps[-1]
    return (s1 - s0) / (k1 - k0) if k1 > k0 else s1 / k1


def tiled_figures(path: Path, steps: int, tile: int) -> dict:
    """The generator at ``path`` sampling whole and tiled in this process (one run each)."""
    import time

    import torch

    from nemoml.generate import load_generator
    from nemoml.generate.tiled import TiledUNet, eager_unet, peak_bytes, tile_generator

    torch.set_num_threads(1)
    gen = load_generator(path)
    t0 = time.perf_counter()
    full = gen.run(1, 0, steps)
    t1 = time.perf_counter()
    tiled = tile_generator(load_generator(path), tile)
    t2 = time.perf_counter()
    cut = tiled.run(1, 0, steps)
    t3 = time.perf_counter()
    net = eager_unet(gen.net, gen.meta["model"], gen.layout.channels)
    x, t, mask = full, torch.tensor([gen.schedule.t_start]), gen.mask
    with torch.no_grad():
        eps, whole = peak_bytes(lambda: net(x.clone(), t, mask))
    meter = TiledUNet(net, tile, meter=True)
    eps_tiled = meter(x, t, mask)
    return {"tile": f"{tile}x{tile}", "tiles": meter.tiles_last,
            "seconds_per_sampler_step_full": round((t1 - t0) / steps, 3),
            "seconds_per_sampler_step_tiled": round((t3 - t2) / steps, 3),
            "tile_max_abs_diff": float((cut - full).abs().max()),
            "tile_eps_max_rel_diff": float((eps_tiled - eps).abs().max() / eps.abs().max()),
            "device_peak_gb_full": round(whole / 1e9, 4),
            "device_peak_gb_tile": round(meter.peak / 1e9, 4)}


def run(args) -> dict:
    steps = 2 if args.quick else STEPS
    ni, nj, nk = QUICK if args.quick else (NI, NJ, NK)
    with tempfile.TemporaryDirectory(prefix="nemoml-bench-scale-") as tmp:
        work = Path(tmp)
        write_generator(work / "generator", ni, nj, nk)
        host = {"nn_ni0glo": ni, "nn_nj0glo": nj, "nn_jpk": nk, "rn_land": LAND,
                "ln_landelim": True, "ln_selftest": False}
        settings = {"ln_nemoml": True, "ln_nemoml_istate": True,
                    "cn_nemoml_generator": str(work / "generator"),
                    "nn_nemoml_steps": steps, "cn_nemoml_condition": "sst",
                    "ln_nemoml_c1": False, "ln_nemoml_c2": False, "ln_nemoml_ts": False,
                    "ln_nemoml_stab": False}
        r = run_host(RANKS, work, host=host, settings=settings, timeout=1500)
        if r.returncode != 0:
            raise RuntimeError(f"the host failed ({r.returncode}):\n{r.output[-3000:]}")
        tiles = tiled_figures(work / "generator", steps, QUICK_TILE if args.quick else TILE)
    p = _profile(r.output)
    moved = (p["gather_bytes"] + p["scatter_bytes"]) / 1e9
    over = max(p["gather_peak_over_start_gb"], p["scatter_peak_over_start_gb"])
    jpni, jpnj = r.layout[:2]
    return {
        "grid": f"{ni}x{nj}x{nk}", "grid_points": ni * nj * nk, "ranks": RANKS,
        "layout": f"{jpni}x{jpnj}",
        "land_domains_removed": r.layout[-1],
        "seconds_gather": p["gather_s"], "seconds_scatter": p["scatter_s"],
        "seconds_gather_scatter": p["gather_s"] + p["scatter_s"],
        "gb_gathered": p["gather_bytes"] / 1e9, "gb_scattered": p["scatter_bytes"] / 1e9,
        "root_rss_at_hook_start_gb": p["rss_start_gb"],
        "root_peak_rss_gb": p["rss_peak_gb"],
        "root_peak_rss_over_fields": round(over / moved, 3) if moved else None,
        "root_generator_peak_over_start_gb": p["handler_peak_over_start_gb"],
        "seconds_generator_call": p["handler_s"], "sampler_steps": steps,
        "seconds_per_sampler_step": round(_step_seconds(r.output), 3),
        "other_ranks_rss_gb": p["other_ranks_rss_peak_gb"],
        **tiles,
    }
