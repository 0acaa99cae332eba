#!/usr/bin/env bash
# Runs README.md's two set-up commands exactly as written, the way a newcomer would paste them
# on a fresh clone: first the test suite, then the main command (`trt sandbox`), which must
# print its "Sandbox ready" line and then stop cleanly on SIGTERM. Used by .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."

command_after() {  # the first line of the fenced block after <!-- readme-command: NAME -->
  awk -v tag="<!-- readme-command: $1 -->" '
    $0 == tag {found=1; next}
    found && /^```/ {if (inside) exit; inside=1; next}
    found && inside {print; exit}' README.md
}

tests=$(command_after tests)
main=$(command_after main)
[ -n "$tests" ] && [ -n "$main" ] || { echo "check-readme: commands not found in README.md" >&2; exit 1; }

echo "== README test command: $tests"
bash -c "$tests"

echo "== README main command: $main"
log=$(mktemp)
setsid bash -c "$main" >"$log" 2>&1 </dev/null &
pid=$!
trap 'kill -KILL -- -"$pid" 2>/dev/null || true' EXIT  # never leave it running
ready=""
for _ in $(seq 1 600); do
  if grep -q "Sandbox ready: http" "$log"; then ready=yes; break; fi
  if ! kill -0 "$pid" 2>/dev/null; then break; fi
  sleep 0.5
done
if [ -z "$ready" ]; then
  echo "check-readme: the main command never became ready; its output:" >&2
  cat "$log" >&2
  kill -KILL -- -"$pid" 2>/dev/null || true
  exit 1
fi
url=$(grep -o "Sandbox ready: http[^ ]*" "$log" | head -n 1 | cut -d' ' -f3)
curl -fsS --max-time 10 "$url" >/dev/null || { echo "check-readme: $url did not answer" >&2; cat "$log" >&2; exit 1; }
# The Python process (bash may have exec'd it, or still be its parent), as a service manager
# would signal it; the shell, if any, then exits with its status.
sandbox=$(pgrep -g "$pid" -f "python.*trt sandbox" | head -n 1 || true)
[ -n "$sandbox" ] || { echo "check-readme: no sandbox process found" >&2; cat "$log" >&2; exit 1; }
kill -TERM "$sandbox"
status=0
wait "$pid" || status=$?
if [ "$status" -ne 0 ]; then
  echo "check-readme: the main command exited $status after SIGTERM; its output:" >&2
  cat "$log" >&2
  exit 1
fi
echo "check-readme: both README commands work (sandbox answered at $url, stopped cleanly)"
