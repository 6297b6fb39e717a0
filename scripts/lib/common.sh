# Shared shell helpers for scripts/test and scripts/demo (sourced, not executed).

# The wasm-bindgen version pinned in Cargo.lock (the CLI must match it exactly).
wasm_bindgen_locked_version() {
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' "$ROOT/Cargo.lock"
}

# Starts target/debug/passerelle-fakes (or $PASSERELLE_FAKE_BIN) in the background; sets FAKE_PID and FAKE_URL.
# Its stdout/stderr go to $1 (a log file prefix). Fails if no URL within 30 s.
start_fake() {
  local log="$1"
  : > "$log.out"
  "${PASSERELLE_FAKE_BIN:-$ROOT/target/debug/passerelle-fakes}" > "$log.out" 2> "$log.err" &
  FAKE_PID=$!
  local i
  for i in $(seq 1 300); do
    if [[ -s "$log.out" ]] && FAKE_URL="$(head -n 1 "$log.out")" && [[ "$FAKE_URL" == http://* ]]; then
      export PASSERELLE_FAKE_URL="$FAKE_URL"
      return 0
    fi
    if ! kill -0 "$FAKE_PID" 2> /dev/null; then
      echo "passerelle-fakes exited before printing its URL:" >&2
      cat "$log.err" >&2 || true
      FAKE_PID=""
      return 1
    fi
    sleep 0.1
  done
  echo "passerelle-fakes printed no URL within 30 s" >&2
  return 1
}

# Stops the fake started by start_fake (SIGTERM, then SIGKILL after 5 s). Idempotent.
stop_fake() {
  [[ -n "${FAKE_PID:-}" ]] || return 0
  if kill -0 "$FAKE_PID" 2> /dev/null; then
    kill -TERM "$FAKE_PID" 2> /dev/null || true
    local i
    for i in $(seq 1 50); do
      kill -0 "$FAKE_PID" 2> /dev/null || break
      sleep 0.1
    done
    kill -KILL "$FAKE_PID" 2> /dev/null || true
  fi
  wait "$FAKE_PID" 2> /dev/null || true
  FAKE_PID=""
}

# npm_ci_in DIR: installs DIR's packages from its committed lock file. `npm ci` refuses a lock
# that lists optional platform packages the registry here does not serve (rollup's); then the
# same lock is installed with `npm install --no-save`, which leaves it unchanged.
npm_ci_in() {
  local dir="$1"
  if ! (cd "$dir" && npm ci --no-audit --no-fund); then
    echo "npm ci refused the lock file in $dir; installing from it with npm install --no-save"
    (cd "$dir" && npm install --no-save --no-audit --no-fund)
  fi
}
