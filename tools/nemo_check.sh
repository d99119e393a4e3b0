#!/bin/bash
# Checks of a NEMO configuration the user has built with the plugin (nemoml patch-nemo, then
# makenemo with `nemoml config --ldflags` in %USER_LIB). It builds nothing and changes nothing in
# the configuration: each run happens in a fresh copy of its EXP00 under a temporary directory.
#
#   tools/nemo_check.sh [CONFIG_DIR [RANKS [STEPS]]]     e.g. /path/to/nemo/cfgs/GYRE_NML 2 20
#
#   1. plain    : ln_nemoml = .false., STEPS steps end normally
#   2. istate   : generated initial state from rest (NEMOML_GENERATOR, default the packaged GYRE
#                 generator), STEPS steps end normally, ocean.output names the hook
#   3. eos      : &nameos set to another EOS than the generator's: NEMO stops on every rank with
#                 the bridge's message
#   4. cycle    : (GYRE grids, key_asminc) 20 days from 135-01-01 with 10-day windows, EnOI on
#                 the embedded replay case's observations: the IAU is re-armed after day 10
#   5. cycle_too_long : a 30-day window in the 20-day run stops every rank with the reason
# Without CONFIG_DIR it prints "skipped" and exits 0. Exit status: number of failed checks.
set -u
cfg=${1:-}
if [ -z "$cfg" ]; then echo "nemo_check: skipped (no NEMO configuration given)"; exit 0; fi
ranks=${2:-2}; steps=${3:-20}
py=${NEMOML_PYTHON:-$(dirname "$(readlink -f "$0")")/../.venv/bin/python}
exe=$cfg/BLD/bin/nemo.exe
[ -x "$exe" ] || { echo "nemo_check: no executable $exe (build the configuration first)"; exit 9; }
[ -f "$cfg/EXP00/namelist_cfg" ] || { echo "nemo_check: no $cfg/EXP00/namelist_cfg"; exit 9; }
grep -q '!! nemoml' "$cfg/MY_SRC/nemogcm.F90" 2>/dev/null \
  || { echo "nemo_check: $cfg/MY_SRC is not patched (run nemoml patch-nemo $cfg)"; exit 9; }
gen=${NEMOML_GENERATOR:-$("$py" -c "from nemoml._paths import package_subdir as p; print(p('data') / 'generator')")}
geneos=$("$py" -c "import json,sys; print(json.load(open(sys.argv[1] + '/generator.json'))['eos']['name'])" "$gen")
work=$(mktemp -d "${TMPDIR:-/tmp}/nemo_check.XXXXXX")
export OMPI_MCA_btl_vader_single_copy_mechanism=none OMP_NUM_THREADS=1
[ "$ranks" -gt "$(nproc)" ] && export OMPI_MCA_mpi_yield_when_idle=1   # see README
root=$([ "$(id -u)" -eq 0 ] && echo --allow-run-as-root)

setnml() {  # setnml FILE GROUP key=value...: set keys of &GROUP (added when missing)
  "$py" - "$@" <<'PY'
import re, sys
path, group, *pairs = sys.argv[1:]
lines = open(path).read().splitlines()
start = next((i for i, ln in enumerate(lines) if re.match(rf"\s*&{group}\b", ln, re.I)), None)
if start is None:
    lines += [f"&{group}", "/"]; start = len(lines) - 2
end = next(i for i in range(start + 1, len(lines)) if re.match(r"\s*/\s*$", lines[i]))
for key, value in (p.split("=", 1) for p in pairs):
    hit = [i for i in range(start + 1, end) if re.match(rf"\s*{key}\s*=", lines[i], re.I)]
    for i in hit:
        lines[i] = ""
    lines.insert(start + 1, f"   {key} = {value}"); end += 1
open(path, "w").write("\n".join(lines) + "\n")
PY
}
run() {  # run NAME: a copy of EXP00 in $work/NAME, STEPS steps on RANKS ranks; echo its status
  local d=$work/$1
  mkdir -p "$d" && cp -L "$cfg"/EXP00/*namelist* "$cfg"/EXP00/*.xml "$d"/ 2>/dev/null
  ln -sf "$exe" "$d/nemo"
  setnml "$d/namelist_cfg" namrun nn_it000=1 "nn_itend=$steps" "nn_stock=$steps" ln_rstart=.false.
  echo "$d"
}
fails=0
check() { if [ "$2" = 0 ]; then echo "CHECK $1 PASS"; else echo "CHECK $1 FAIL ($3)"; fails=$((fails+1)); fi; }
go() { (cd "$1" && timeout 1800 mpirun $root --oversubscribe -n "$ranks" ./nemo > run.log 2>&1); }

d=$(run plain); setnml "$d/namelist_cfg" namnemoml ln_nemoml=.false.
go "$d"; rc=$?; grep -q 'AAAAAAAA' "$d/ocean.output" 2>/dev/null; check plain $((rc + $?)) "status $rc, see $d"

d=$(run istate)
setnml "$d/namelist_cfg" namnemoml ln_nemoml=.true. ln_nemoml_istate=.true. "cn_nemoml_generator='$gen'" nn_nemoml_steps=10
go "$d"; rc=$?; grep -q 'nemoml_hooks_istate : generated initial state' "$d/ocean.output" 2>/dev/null
check istate $((rc + $?)) "status $rc, see $d/ocean.output"

other=$([ "$geneos" = teos10 ] && echo ln_eos80 || echo ln_teos10)
d=$(run eos)
setnml "$d/namelist_cfg" namnemoml ln_nemoml=.true. ln_nemoml_istate=.true. "cn_nemoml_generator='$gen'"
setnml "$d/namelist_cfg" nameos ln_teos10=.false. ln_eos80=.false. ln_seos=.false. "$other=.true."
go "$d"; rc=$?; grep -q "but this run's &nameos sets" "$d/ocean.output" 2>/dev/null; found=$?
check eos_mismatch_stops $([ "$rc" -ne 0 ] && [ "$found" = 0 ] && echo 0 || echo 1) "status $rc, see $d/ocean.output"

if grep -qiE '^\s*nn_GYRE\s*=\s*1\b' "$cfg/EXP00/namelist_cfg"; then   # GYRE at 1 degree: 32 x 22
  case=$work/cycle_case
  "$py" -c "import sys; from nemoml.assimilate import replay; replay.build(sys.argv[1], 20, shared=False)" "$case"
  cyc() {  # cyc NAME WINDOW: 20 days from 135-01-01, cycling with WINDOW-day windows
    local d; d=$(run "$1")
    setnml "$d/namelist_cfg" namrun nn_itend=120 nn_stock=120 nn_date0=01350101 nn_leapy=30
    setnml "$d/namelist_cfg" namnemoml ln_nemoml=.true. "nn_nemoml_cycle=$2" "cn_nemoml_obs='$case/obs.nc'" \
      "cn_nemoml_enoi_ens='$case/ens.nc'"
    setnml "$d/namelist_cfg" nam_asminc ln_asmiau=.true. ln_asmdin=.false. ln_trainc=.true. ln_sshinc=.true. \
      ln_dyninc=.false. nn_itiaustr=1 nn_itiaufin=6
    echo "$d"
  }
  d=$(cyc cycle 10); go "$d"; rc=$?
  grep -q 'nemoml_asmcycle : increment of the window ending at kt = *60' "$d/ocean.output" 2>/dev/null; found=$?
  grep -q 'AAAAAAAA' "$d/ocean.output" 2>/dev/null
  check cycle $((rc + found + $?)) "status $rc, see $d/ocean.output"
  d=$(cyc cycle_too_long 30); go "$d"; rc=$?
  grep -q 'longer than the run' "$d/ocean.output" 2>/dev/null; found=$?
  check cycle_too_long_stops $([ "$rc" -ne 0 ] && [ "$found" = 0 ] && echo 0 || echo 1) "status $rc, see $d/ocean.output"
else
  echo "nemo_check: cycle checks skipped (not GYRE at 1 degree, nn_GYRE = 1)"
fi

echo "nemo_check: $fails check(s) failed; runs kept in $work"
exit $fails
