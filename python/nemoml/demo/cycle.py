"""Demo part 3: cycled assimilation inside one run, on the replay host (30 GYRE days)."""

from __future__ import annotations

from pathlib import Path

NAME = "cycle"
DAYS = 30
RATIO = 0.7  # the last window's cycled T error at most this fraction of the free run's


def run(workdir: Path, ranks: int) -> bool:
    from nemoml.assimilate.cycling import replay_case as replay
    from nemoml.devtools.replay_host import run_replay

    workdir.mkdir(parents=True, exist_ok=True)
    print(f"== cycled assimilation: {DAYS} GYRE days in 10-day windows, EnOI, IAU over the next "
          "window (replay host) ==", flush=True)
    case = replay.build(workdir / "case", DAYS, shared=False)
    print(f"{'window':>6} {'ends kt':>8} {'obs used':>9}  {'RMSE T free':>11} {'cycled':>7}"
          f"  {'RMSE S free':>11} {'cycled':>7}", flush=True)

    def show(w, a):
        used = "-" if a is None else str(a["observations"])
        print(f"{w['window']:>6} {w['kt']:>8} {used:>9}  {w['rmse_T_free']:>11.3f} "
              f"{w['rmse_T_cycled']:>7.3f}  {w['rmse_S_free']:>11.4f} {w['rmse_S_cycled']:>7.4f}",
              flush=True)

    r = run_replay(case, ranks, workdir / "run", progress=show)
    if r.returncode != 0 or not r.windows:
        print("the replay host stopped: " + "; ".join(r.errors()))
        return False
    last = r.windows[-1]
    ratio = last["rmse_T_cycled"] / last["rmse_T_free"]
    ok = ratio <= RATIO
    print(f"  {'ok  ' if ok else 'FAIL'} last window T error {ratio:.2f} x the free run's "
          f"(<= {RATIO})")
    return ok
