#!/usr/bin/env bash
# Captures the Nsight Compute fixtures lathe's parser tests use, and answers questions about ncu's
# behaviour that lathe's invocation depends on. Run on a GPU machine from the repository root:
#   tools/device/ncu/explore.sh OUT_DIR
set -uo pipefail
out=$1
mkdir -p "$out"
here=$(dirname "$0")
prog="$here/multi_launch.py"
M="sm__throughput.avg.pct_of_peak_sustained_elapsed,launch__grid_size,sm__warps_active.avg.pct_of_peak_sustained_active,dram__throughput.avg.pct_of_peak_sustained_elapsed,lts__t_sector_hit_rate.pct,smsp__warp_issue_stalled_long_scoreboard_per_warp_active.pct,launch__registers_per_thread,gpu__time_duration.sum"
common=(--target-processes all --profile-from-start off --launch-count 64 --print-units base --csv)
timed() {
  local name=$1 t0 rc
  shift
  t0=$(date +%s%N)
  "$@" >"$out/$name.out" 2>"$out/$name.err"
  rc=$?
  echo "$name rc=$rc wall_ms=$((($(date +%s%N) - t0) / 1000000))" | tee -a "$out/summary.txt"
}
ncu --version >"$out/version.txt" 2>&1
timed query_all ncu --query-metrics --query-metrics-mode all --csv
timed query_suffix ncu --query-metrics --query-metrics-mode suffix --metrics sm__throughput,launch__grid_size --csv
timed raw_multi ncu "${common[@]}" --page raw --metrics "$M" python3 "$prog"
timed raw_multi_logfile ncu "${common[@]}" --page raw --metrics "$M" --log-file "$out/raw_multi_logfile.csv" python3 "$prog"
timed details_multi ncu "${common[@]}" --page details --metrics "$M" python3 "$prog"
timed report ncu --target-processes all --profile-from-start off --launch-count 64 --metrics "$M" -o "$out/multi" -f python3 "$prog"
timed import_raw ncu --import "$out/multi.ncu-rep" --csv --page raw --print-units base
timed import_details ncu --import "$out/multi.ncu-rep" --csv --page details --print-units base
timed bad_metric ncu "${common[@]}" --page raw --metrics "foo__bar_baz.sum,$M" python3 "$prog"
timed stall_memdep ncu "${common[@]}" --page raw --metrics "smsp__warp_issue_stalled_memory_dependency_per_warp_active.pct,launch__grid_size" python3 "$prog"
timed no_region ncu --target-processes all --launch-count 64 --print-units base --csv --page raw --metrics launch__grid_size python3 "$prog"
timed crash ncu "${common[@]}" --page raw --metrics "$M" python3 -c "import os; os.abort()"
timed clock_none ncu "${common[@]}" --clock-control none --page raw --metrics "$M" python3 "$prog"
# Counters as a non-root user: ERR_NVGPUCTRPERM where the driver restricts them to admins.
useradd -m lathe-nonroot 2>/dev/null
chmod -R a+rX "$here"
cp "$prog" /tmp/multi_launch.py && chmod a+r /tmp/multi_launch.py
timed nonroot runuser -u lathe-nonroot -- env HOME=/home/lathe-nonroot ncu "${common[@]}" --page raw --metrics "$M" python3 /tmp/multi_launch.py
cat /proc/driver/nvidia/params 2>/dev/null | grep -i prof >"$out/driver_params.txt"
nvidia-smi --query-gpu=name,pci.device_id,driver_version --format=csv,noheader >"$out/nvidia_smi.txt" 2>&1
ls /proc/driver/nvidia/gpus/ >"$out/proc_gpus.txt" 2>&1; cat /proc/driver/nvidia/gpus/*/information >>"$out/proc_gpus.txt" 2>&1
