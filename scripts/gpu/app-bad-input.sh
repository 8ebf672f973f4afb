#!/usr/bin/env bash
# Run ON THE GPU MACHINE (device tool), from the repository root, after scripts/gpu/prepare-app.sh here:
#   run(command="scripts/gpu/app-bad-input.sh", carry=[".deps", ".gl", ".app-deps"])
# Issue 23's bad input, the app on CUDA with the SD 1.5-shaped random model (app-session.sh's build and model),
# one case after another. CASES (default "large squeeze toolarge") names them:
#   large     a new 2048² document (Ctrl+N): the live picture at its reduced size, then the export at full
#             size (bench/app-session/large-canvas.json)
#   squeeze   the app streams; once its first picture has settled, another process takes all but
#             SQUEEZE_LEAVE_GB (default 0.3) of the GPU's free memory for 60 s, so recordings and frames run out
#             of memory mid-stream: the app must say so, keep the document, fall back (a smaller live picture)
#             and paint on, then grow back once the memory is free (bench/app-session/memory-squeeze.json,
#             which checks the settled picture after the squeeze and again 90 s later, at the full size)
#   toolarge  another process holds all but HOG_LEAVE_GB (default 1) of the GPU before the app starts, so the
#             model (about 2 GB in fp16) cannot load there: the app must say so and paint on the CPU
#             (bench/app-session/model-too-large.json)
# Each case's app log, metrics and screenshots go to $OUT/<case>.tar.gz (without the export when that would
# pass 15 MB); what each app said (its errors and fallback notices, stderr) is printed. The memory hog is PyTorch
# in Python, which the GPU machine has. All three cases do not fit one 600-s call with a cold build: run
#   CASES="large squeeze" first, then CASES=toolarge on the same warm machine (its build is kept).
# CALL_SECONDS (default 580) bounds the whole script: each case's app gets what is left of it.
set -uo pipefail
start=$(date +%s)
call_seconds="${CALL_SECONDS:-580}"
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
out="${OUT:?set OUT}"
read -r -a cases <<< "${CASES:-large squeeze toolarge}"
for c in "${cases[@]}"; do
  case "$c" in large|squeeze|toolarge) ;; *) echo "unknown case '$c' (large, squeeze, toolarge)" >&2; exit 2 ;; esac
done
runs=/tmp/app-bad-input && rm -rf "$runs" && mkdir -p "$runs"
APP=0 OUT="$runs/build" scripts/gpu/app-session.sh custom || exit 1

# Holds all but LEAVE GB of the GPU's free memory for SECONDS, then exits; prints what it took. Call it in a
# subshell, "(hog …)": it becomes the Python process, so that killing the subshell's PID frees the memory.
hog() {
  exec python3 - "$1" "$2" <<'PY'
import sys, time, torch
leave, seconds = float(sys.argv[1]), float(sys.argv[2])
free, total = torch.cuda.mem_get_info()
take = max(0, int(free - leave * 2**30))
block = torch.empty(take, dtype=torch.uint8, device="cuda")
print(f"hog: took {take / 2**30:.1f} GiB of {free / 2**30:.1f} GiB free, for {seconds:.0f} s", flush=True)
time.sleep(seconds)
PY
}

# What is left of the call for one app session (app-session.sh keeps 90 s of it for itself).
left() { echo $(( call_seconds - ($(date +%s) - start) - 15 )); }
for c in "${cases[@]}"; do
  echo "== $c"
  dir="$runs/$c"
  mkdir -p "$dir"
  [ "$(left)" -gt 150 ] || { echo "no time left for $c"; break; }
  case "$c" in
    large)
      SESSION_FILE=bench/app-session/large-canvas.json OUT="$dir" WORK=/tmp/bad-large SECONDS_LEFT="$(left)" \
        scripts/gpu/app-session.sh custom > "$dir/session.txt" 2>&1
      ;;
    squeeze)
      SESSION_FILE=bench/app-session/memory-squeeze.json OUT="$dir" WORK=/tmp/bad-squeeze SECONDS_LEFT="$(left)" \
        scripts/gpu/app-session.sh custom > "$dir/session.txt" 2>&1 &
      app=$!
      # The hog starts once the first picture has settled (the metrics' first line is that action's).
      for _ in $(seq 600); do [ -s "$dir/metrics.jsonl" ] && break; sleep 0.5; done
      sleep 5
      (hog "${SQUEEZE_LEAVE_GB:-0.3}" 60) > "$dir/hog.txt" 2>&1
      wait "$app"
      ;;
    toolarge)
      (hog "${HOG_LEAVE_GB:-1}" 400) > "$dir/hog.txt" 2>&1 &
      hogpid=$!
      # The app starts once the memory is taken (importing torch and starting CUDA take a while).
      for _ in $(seq 240); do grep -q "^hog: took" "$dir/hog.txt" && break; sleep 0.5; done
      SESSION_FILE=bench/app-session/model-too-large.json OUT="$dir" WORK=/tmp/bad-toolarge SECONDS_LEFT="$(left)" \
        scripts/gpu/app-session.sh custom > "$dir/session.txt" 2>&1
      kill "$hogpid" 2>/dev/null
      ;;
  esac
  cat "$dir/hog.txt" 2>/dev/null
  tail -4 "$dir/session.txt"
  grep -v "^semantic-palette: stroke to picture" "$dir/app.log" | head -20
  tail -1 "$dir/metrics.jsonl"
  tar -C "$runs" -czf "$out/$c.tar.gz" "$c"
  if [ "$(stat -c %s "$out/$c.tar.gz")" -gt 15000000 ]; then  # a 2048² export of random weights is mostly noise
    tar -tvf "$dir/screens.tar" | sed "s/^/left out: /"
    tar -C "$runs" -czf "$out/$c.tar.gz" --exclude=screens.tar "$c"
  fi
done
ls -la "$out"
