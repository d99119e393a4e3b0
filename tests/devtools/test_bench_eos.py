"""``nemoml bench eos --json --quick`` prints one JSON object with the figures the issue names
(no timing asserts: benchmarks hold the targets)."""

from __future__ import annotations

import json
import math
import subprocess
import sys


def test_bench_cli_prints_one_json_object():
    out = subprocess.run(
        [sys.executable, "-m", "nemoml.cli", "bench", "eos", "--json", "--quick"],
        capture_output=True,
        text=True,
        check=True,
    )
    res = json.loads(out.stdout)
    for key in (
        "speedup_vs_gsw_f64",
        "speedup_vs_gsw_f64_1thread",
        "c_f64_p3d_ns",
        "c_f64_p3d_1thread_ns",
        "c_f64_1thread_ns",
        "bandwidth_fraction_f64",
        "gsw_rho_ns",
        "c_f64_ns",
        "c_f32_ns",
        "torch_eager_f64_ns",
        "bandwidth_gbs",
        "floor_f64_ns",
    ):
        assert isinstance(res[key], float) and math.isfinite(res[key]) and res[key] > 0, key
    assert res["floor_f64_ns"] == 2 * res["floor_f32_ns"]
    # like with like: gsw (one thread, 3D depth) against the kernel on the same 3D depth
    assert res["threads_gsw"] == 1
    assert res["speedup_vs_gsw_f64"] == res["gsw_rho_ns"] / res["c_f64_p3d_ns"]
    assert res["speedup_vs_gsw_f64_1thread"] == res["gsw_rho_ns"] / res["c_f64_p3d_1thread_ns"]


def test_one_thread_wrapper_runs_on_one_thread_and_restores():
    from nemoml.devtools.bench.eos import _one_thread
    from nemoml.eos import kernels

    lib = kernels.cpu()[1]
    default = lib.nemoml_eos_threads()
    seen = _one_thread(lib.nemoml_eos_threads)()
    assert seen == 1
    assert lib.nemoml_eos_threads() == default
