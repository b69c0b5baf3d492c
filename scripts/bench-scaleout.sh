#!/usr/bin/env bash
# Scale-out benchmark: whole-job requests per second of `asyncwith fetch --queue` with 1, 2 and
# 4 `asyncwith worker` processes, beside plain `asyncwith fetch` (one process, no Redis), all
# against one local nginx (20,000 files of 1 KiB) and one local redis-server on a unix socket
# (AOF appendfsync always, as the guarantees need). Also: Redis memory per queued URL, and
# Redis commands per request (INFO commandstats; a script counts as one call plus the
# commands it runs, which are listed apart).
#
#   bash scripts/bench-scaleout.sh        # or npm run bench:scaleout
#
# Target (issue 15): one worker through Redis at least 0.8x plain fetch. Times include process
# start-up. Beside wall time, each contender's CPU time (user + sys) per 1000 requests, of its
# node processes and of Redis: on a machine shared with other work these move far less than
# wall time does. Knobs: BENCH_SCALEOUT_N (20000), BENCH_SCALEOUT_CONCURRENCY (64),
# BENCH_SCALEOUT_ROUNDS (3), BENCH_SCALEOUT_AOF (always | no), BENCH_SCALEOUT_BUILD=0.
set -euo pipefail

cd "$(dirname "$0")/.."
N="${BENCH_SCALEOUT_N:-20000}"
CONCURRENCY="${BENCH_SCALEOUT_CONCURRENCY:-64}"
ROUNDS="${BENCH_SCALEOUT_ROUNDS:-3}"
AOF="${BENCH_SCALEOUT_AOF:-always}"

BENCH_NAME=bench-scaleout
# shellcheck source=scripts/_bench-server.sh
source scripts/_bench-server.sh

if [ "${BENCH_SCALEOUT_BUILD:-1}" != 0 ] || [ ! -f dist/cli/main.js ]; then
  echo "building dist/ (npm run build)" >&2
  npm run build >/dev/null
fi
command -v redis-server >/dev/null || apt_install redis-server || { echo "redis-server is not installed" >&2; exit 1; }

start_file_server "$N" "${BENCH_SCALEOUT_NO_NGINX:-}"
ORIGIN="http://127.0.0.1:$PORT"
node -e "
  let urls = ''
  for (let i = 0; i < $N; i++) urls += '$ORIGIN/f/' + i + '\n'
  require('node:fs').writeFileSync('$TMP/urls.txt', urls)
"

SOCK="$TMP/redis.sock"
APPENDONLY=yes
[ "$AOF" = no ] && APPENDONLY=no
redis-server --port 0 --unixsocket "$SOCK" --dir "$TMP" --save '' --appendonly "$APPENDONLY" \
  --appendfsync always --daemonize no >"$TMP/redis.log" 2>&1 &
REDIS_PID=$!
trap 'kill $REDIS_PID 2>/dev/null || true; wait $REDIS_PID 2>/dev/null || true; cleanup' EXIT
for _ in $(seq 100); do redis-cli -s "$SOCK" ping >/dev/null 2>&1 && break; sleep 0.1; done
rcli() { redis-cli -s "$SOCK" "$@"; }

now_ns() { date +%s%N; }
check_records() { # file
  node -e "
    const lines = require('node:fs').readFileSync('$1', 'utf8').split('\n').filter(Boolean)
    const seen = new Set(lines.map((l) => JSON.parse(l).line))
    if (lines.length !== $N || seen.size !== $N) { console.error('$1: ' + lines.length + ' records, ' + seen.size + ' distinct, expected $N'); process.exit(1) }
  "
}

# CPU time (user + sys) of this shell's children that have exited, in ms, into CHILDREN_CPU:
# the node processes of one run. Less at the mercy of other load on the machine than wall
# time. (Not `$(...)` nor a pipe: those run `times` in a subshell that has no such children.)
children_cpu_ms() {
  times >"$TMP/times"
  local line
  line="$(tail -n 1 "$TMP/times")"
  CHILDREN_CPU="$(echo "$line" | awk '{ split($1, u, /[ms]/); split($2, s, /[ms]/); printf "%d", (u[1] * 60 + u[2] + s[1] * 60 + s[2]) * 1000 }')"
}
redis_cpu_ms() {
  rcli info cpu | tr -d '\r' | awk -F: '/^used_cpu_(user|sys):/ { t += $2 } END { printf "%d", t * 1000 }'
}

# Each run prints: wall ms, CPU ms of its node processes, CPU ms of Redis.
run_plain() {
  local start end cpu0
  rm -f "$TMP/out.jsonl"
  children_cpu_ms
  cpu0="$CHILDREN_CPU"
  start="$(now_ns)"
  node dist/cli/main.js fetch -i "$TMP/urls.txt" -o "$TMP/out.jsonl" --concurrency "$CONCURRENCY" --body none -q
  end="$(now_ns)"
  children_cpu_ms
  local cpu=$((CHILDREN_CPU - cpu0))
  check_records "$TMP/out.jsonl"
  echo "$(((end - start) / 1000000)) $cpu 0"
}

run_queue() { # workers [coordinator options...]
  local workers="$1" start end pids=() cpu0 redis0
  shift
  local url="redis+unix://$SOCK?job=bench$(now_ns)"
  rm -f "$TMP/out.jsonl"
  redis0="$(redis_cpu_ms)"
  children_cpu_ms
  cpu0="$CHILDREN_CPU"
  start="$(now_ns)"
  node dist/cli/main.js fetch -i "$TMP/urls.txt" -o "$TMP/out.jsonl" --queue "$url" --body none -q "$@" &
  local coordinator=$!
  for _ in $(seq "$workers"); do
    node dist/cli/main.js worker "$url" --concurrency "$CONCURRENCY" -q &
    pids+=($!)
  done
  wait "$coordinator" || true
  for pid in "${pids[@]}"; do wait "$pid"; done
  end="$(now_ns)"
  children_cpu_ms
  local cpu=$((CHILDREN_CPU - cpu0))
  local redis=$(($(redis_cpu_ms) - redis0))
  check_records "$TMP/out.jsonl"
  echo "$(((end - start) / 1000000)) $cpu $redis"
}

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

echo "Server: $SERVER_DESC; Redis $(redis-server --version | cut -d' ' -f3) on a unix socket, appendonly $APPENDONLY (fsync always)"
echo "Client: Node $(node -p process.versions.node), $(nproc) CPUs; $N URLs of 1 KiB, concurrency $CONCURRENCY per process"
echo

# Redis round trips per request: one 1-worker job, counted by INFO commandstats; then the same
# with --per-host (a limit that does not bind), which adds the host gate's acquire and release.
commandstats() { # label
  # Commands the frontier only runs inside its scripts are not round trips.
  rcli info commandstats | tr -d '\r' | awk -F'[:=,]' -v n="$N" -v label="$1" '
    BEGIN { split("xadd xack xdel hincrby setbit xpending xclaim xautoclaim zadd zremrangebyscore zcard pexpire set get time", s, " "); for (i in s) inner[s[i]] = 1 }
    /^cmdstat_/ { name = substr($1, 9); calls[name] = $3; total += $3; if (!(name in inner)) trips += $3 }
    END {
      printf "Redis per request, %s: %.3f round trips (%.2f commands in all)\n", label, trips / n, total / n
      for (c in calls) if (calls[c] / n >= 0.005) printf "  %-18s %.3f%s\n", c, calls[c] / n, (c in inner) ? " (in scripts)" : ""
    }'
}
rcli config resetstat >/dev/null
run_queue 1 >/dev/null
commandstats "1 worker, no politeness"
rcli config resetstat >/dev/null
run_queue 1 --per-host 1000 >/dev/null
commandstats "1 worker, --per-host 1000 (host gate on)"
echo

# Memory per queued URL: enqueue with no worker, then read used_memory.
before="$(rcli info memory | tr -d '\r' | awk -F: '/^used_memory:/ { print $2 }')"
node dist/cli/main.js fetch -i "$TMP/urls.txt" -o "$TMP/mem.jsonl" --queue "redis+unix://$SOCK?job=memory" --body none -q &
mem_pid=$!
for _ in $(seq 600); do [ "$(rcli hget 'aw:{memory}:meta' eof)" = 1 ] && break; sleep 0.1; done
after="$(rcli info memory | tr -d '\r' | awk -F: '/^used_memory:/ { print $2 }')"
kill "$mem_pid" 2>/dev/null || true
wait "$mem_pid" 2>/dev/null || true
echo "Redis memory per queued URL ($(head -c 40 "$TMP/urls.txt" | head -n1 | wc -c) chars): $(((after - before) / N)) B"
echo

declare -A times cpus redis_cpus
for round in $(seq "$ROUNDS"); do
  for contender in plain w1 w2 w4; do
    if [ "$contender" = plain ]; then result="$(run_plain)"; else result="$(run_queue "${contender#w}")"; fi
    read -r ms cpu redis <<<"$result"
    times[$contender]+="$ms "
    cpus[$contender]+="$cpu "
    redis_cpus[$contender]+="$redis "
  done
  echo "round $round done" >&2
done
med() { echo "$1" | tr ' ' '\n' | grep . | median; }
plain_ms="$(med "${times[plain]}")"
echo "CPU: user + sys per 1000 requests, of the node processes (coordinator and workers) and of Redis"
printf '%-28s %8s %10s %8s %10s %10s\n' contender "median ms" "req/s" "x plain" "CPU ms/1k" "Redis/1k"
for contender in plain w1 w2 w4; do
  ms="$(med "${times[$contender]}")"
  label="asyncwith fetch (no Redis)"
  [ "$contender" != plain ] && label="--queue, ${contender#w} worker(s)"
  printf '%-28s %8s %10.0f %8.2f %10.0f %10.0f\n' "$label" "$ms" "$(echo "$N * 1000 / $ms" | bc -l)" \
    "$(echo "$plain_ms / $ms" | bc -l)" "$(echo "$(med "${cpus[$contender]}") * 1000 / $N" | bc -l)" \
    "$(echo "$(med "${redis_cpus[$contender]}") * 1000 / $N" | bc -l)"
done
