"""PNG figures of the report card: T-S diagram, zonal-mean stratification, spread maps and
per-level spread against each set's reference."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from nemoml.evaluate.card.physics import ReportCard, SetMetrics


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(fig, path: Path) -> Path:
    from nemoml.base.files import atomic_write

    atomic_write(path, lambda p: fig.savefig(p, dpi=110, bbox_inches="tight", format="png"))
    return path


def ts_diagram(card: ReportCard, sets: dict, path, max_points: int = 20000, seed: int = 0):
    """Scatter of (S, T) over ocean points per set, with sigma0 contours."""
    import torch

    plt = _pyplot()
    rng = np.random.default_rng(seed)
    fig, ax = plt.subplots(figsize=(6, 5))
    tm = card.grid.tmask
    s_all, t_all = [], []
    for name, fields in sets.items():
        t = np.asarray(fields["T"])[:, tm].ravel()
        s = np.asarray(fields["S"])[:, tm].ravel()
        pick = rng.choice(t.size, min(max_points, t.size), replace=False)
        ax.scatter(s[pick], t[pick], s=1, alpha=0.3, label=name, rasterized=True)
        s_all.append(s[pick])
        t_all.append(t[pick])
    s_all, t_all = np.concatenate(s_all), np.concatenate(t_all)
    lo_s, hi_s = np.percentile(s_all, [0.1, 99.9])
    lo_t, hi_t = np.percentile(t_all, [0.1, 99.9])
    sg, tg = np.meshgrid(np.linspace(lo_s, hi_s, 60), np.linspace(lo_t, hi_t, 60))
    with torch.no_grad():
        sig = card.density.sigma0(torch.as_tensor(tg), torch.as_tensor(sg)).numpy()
    cs = ax.contour(sg, tg, sig, colors="grey", linewidths=0.5)
    ax.clabel(cs, fontsize=7)
    ax.set(xlabel="salinity", ylabel="temperature (degC)", xlim=(lo_s, hi_s),
           ylim=(lo_t, hi_t), title=f"T-S diagram, sigma0 ({card.density.eos}) contours")
    ax.legend(markerscale=8, fontsize=8)
    out = _save(fig, Path(path))
    plt.close(fig)
    return out


def stratification(card: ReportCard, metrics: list[SetMetrics], path):
    """Zonal-mean sigma0 sections (depth vs y) of each set's ensemble mean."""
    plt = _pyplot()
    n = len(metrics)
    fig, axes = plt.subplots(1, n, figsize=(3.2 * n, 3.6), sharey=True, squeeze=False)
    depth = card.grid.gdept
    y = np.arange(card.grid.shape[1])
    secs = [m.maps["zonal_sigma0"] for m in metrics]
    finite = np.concatenate([s[np.isfinite(s)] for s in secs])
    levels = np.linspace(*np.percentile(finite, [1, 99]), 15)
    for ax, m, sec in zip(axes[0], metrics, secs, strict=True):
        cf = ax.contourf(y, depth, sec, levels=levels, extend="both", cmap="viridis_r")
        ax.contour(y, depth, sec, levels=levels, colors="k", linewidths=0.3)
        ax.set(title=m.name, xlabel="j (grid row)")
        ax.invert_yaxis()
    axes[0, 0].set_ylabel("depth (m)")
    fig.colorbar(cf, ax=axes[0].tolist(), label="zonal-mean sigma0 (kg m-3)")
    out = _save(fig, Path(path))
    plt.close(fig)
    return out


def spread_maps(card: ReportCard, metrics: list[SetMetrics], path):
    """Per-gridpoint standard deviation of SST and SSS across each set (diversity)."""
    plt = _pyplot()
    n = len(metrics)
    fig, axes = plt.subplots(2, n, figsize=(3.2 * n, 5), squeeze=False)
    land = ~card.grid.tmask[0]
    for row, key, label in ((0, "std_sst", "std SST (degC)"), (1, "std_sss", "std SSS")):
        vmax = max(np.nanmax(m.maps[key]) for m in metrics) or 1.0
        for ax, m in zip(axes[row], metrics, strict=True):
            im = ax.imshow(np.ma.masked_where(land, m.maps[key]), origin="lower", vmin=0,
                           vmax=vmax, cmap="magma")
            ax.set(title=f"{m.name}", xticks=[], yticks=[])
        fig.colorbar(im, ax=axes[row].tolist(), label=label)
    out = _save(fig, Path(path))
    plt.close(fig)
    return out


def level_spread(card: ReportCard, ratios: dict, bounds: tuple[float, float], path):
    """Per-level spread of T and S of each set over that of its reference (``ratios``: set ->
    {T, S: per-level ratio}, the reference being the data moved onto the set's constraints,
    else the data) against depth, with the check's ``bounds``: collapse of the deep levels
    under guidance, or noise, shows as a profile leaving the band."""
    plt = _pyplot()
    levels = np.flatnonzero(card.grid.tmask.any((1, 2)))
    depth = card.grid.gdept[levels]
    fig, axes = plt.subplots(1, 2, figsize=(9, 5), sharey=True)
    for ax, var in zip(axes, ("T", "S"), strict=True):
        for name, ratio in ratios.items():
            ax.semilogx(ratio[var], depth, label=name)
        for bound in bounds:
            ax.axvline(bound, color="k", ls="--", lw=0.8)
        ax.set(xlabel=f"level spread of {var} / reference", title=var)
    axes[0].set(ylabel="depth (m)")
    axes[0].invert_yaxis()
    axes[1].legend(fontsize=7)
    out = _save(fig, Path(path))
    plt.close(fig)
    return out
