#!/usr/bin/env bash
# Runs one fuzz target for N minutes at low priority, one job, corpus in fuzz/corpus/<target>.
# Usage: fuzz/run.sh <target> [minutes=10] [extra libFuzzer flags…]
#   (targets: zip_reader paths echange_parsers ped_parsers)
# The libFuzzer log goes to fuzz/logs/<target>.log; a crash lands in fuzz/artifacts/<target>/.
set -euo pipefail
cd "$(dirname "$0")"
target="$1"
minutes="${2:-10}"
case "$target" in
  zip_reader) max_len=70000 ;;
  *) max_len=8192 ;;
esac
mkdir -p logs
nice -n 19 cargo +nightly fuzz run "$target" -O -- \
  -max_total_time=$((minutes * 60)) -jobs=1 -workers=1 -max_len="$max_len" -print_final_stats=1 "${@:3}" \
  > "logs/$target${FUZZ_LOG_SUFFIX:-}.log" 2>&1 || { echo "$target: FAILED, see fuzz/logs/$target.log" >&2; exit 1; }
mv -f fuzz-0.log "logs/$target${FUZZ_LOG_SUFFIX:-}.worker.log" 2>/dev/null || true
echo "$target: done, see fuzz/logs/$target.worker.log"
