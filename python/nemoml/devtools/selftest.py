"""``nemoml selftest``: the Fortran stand-in host under mpirun, through the installed bridge."""

from __future__ import annotations

import tempfile
from pathlib import Path

from nemoml.devtools.host import HostRun, run_host


def _removed(layout: tuple[int, ...]) -> str:
    n = layout[6] if len(layout) > 6 else 0
    return f" ({n} land subdomain(s) removed)" if n else ""


def report(runs: list[HostRun]) -> str:
    """One screen: each check per rank count, and whether results are identical across them."""
    names = list(dict.fromkeys(n for r in runs for n in r.checks))
    head = f"{'check':<22}" + "".join(f"{f'{r.ranks} rank(s)':>12}" for r in runs)
    lines = ["nemoml selftest: Fortran host -> C shim -> embedded Python -> TorchScript -> back"]
    if runs and runs[0].layout:
        # LAYOUT jpni jpnj Ni0glo Nj0glo jpk nn_hls [land subdomains removed]
        _, _, ni, nj, nk, hls = runs[0].layout[:6]
        lines.append(f"global grid {ni}x{nj}x{nk}, halo {hls}; decompositions: " + ", ".join(
            f"{r.ranks} rank(s) {r.layout[0]}x{r.layout[1]}" + _removed(r.layout)
            for r in runs if r.layout))
    lines += ["", head]
    for n in names:
        cells = ("PASS" if r.checks.get(n) else "FAIL" if n in r.checks else "-" for r in runs)
        lines.append(f"{n:<22}" + "".join(f"{c:>12}" for c in cells))
    for r in runs:
        if r.returncode != 0:
            detail = r.error() or r.output[-2000:]
            lines.append(f"\n{r.ranks} rank(s): exit status {r.returncode}\n{detail}")
    if len(runs) > 1:
        same = all(r.checksums == runs[0].checksums and r.checksums for r in runs)
        lines.append(f"\nresults identical for {', '.join(str(r.ranks) for r in runs)} ranks: "
                     f"{'yes' if same else 'NO'} ({len(runs[0].checksums)} global checksums)")
    return "\n".join(lines)


def selftest(ranks: int, compare: list[int], workdir: Path | None = None) -> tuple[bool, str]:
    counts = sorted({ranks, *compare})
    with tempfile.TemporaryDirectory(prefix="nemoml-selftest-") as tmp:
        base = Path(workdir) if workdir else Path(tmp)
        runs = [run_host(n, base) for n in counts]
    ok = all(r.passed for r in runs) and all(r.checksums == runs[0].checksums for r in runs)
    return ok, report(runs)
