#!/usr/bin/env bash
# The sidecar benchmark of issue 13, point 10 (docs/benchmarks.md, "Sidecar vs nginx"), in one run:
# the same HTTP/1.1 load against a small HTTP server (an nginx that answers "ok"), three ways:
#
#   direct   client ──────────────────────────────────────────────► server
#   sidecars client ──► sidecar (outbound) ══mTLS══► sidecar (inbound, decision) ──► server
#   nginx    client ──► nginx (proxy_pass https) ══mTLS══► nginx (ssl_verify_client) ──► server
#
# The two sidecars and the two nginx instances use the same X.509-SVIDs (fetched with join tokens
# from a dev mesh that this script starts, with its own data directory and ports) and the same
# trust bundle. The sidecars ask the dev mesh's policy-server for each decision (cache warm: one
# path; cold: a new path every request, so every request is a Check).
#
# For each: latency at a fixed 1,000 requests/s (FixedRateLoad.java: no coordinated omission),
# throughput and latency at saturation (wrk), CPU per request and RSS per proxy process
# (/proc/<pid>/stat and status, nginx's master and workers summed).
#
#   sidecar/bench/run-vs-nginx.sh            (about 10 minutes)
#
# Settings (environment): BENCH_PORT_BASE (24000; the dev mesh uses +1…+443, this script +601…+652),
# BENCH_RATE (1000), BENCH_WARMUP / BENCH_DURATION (10 / 20 s, fixed rate, after 5 s of wrk on 16
# connections for the JIT, outside the CPU count), BENCH_SAT_DURATION (15 s), BENCH_CONNECTIONS (64, wrk),
# BENCH_CASES (the runs, in order, repeats allowed; default "direct sidecars nginx sidecars-cold";
# also idle: every proxy's CPU over BENCH_DURATION seconds without requests),
# BENCH_JAR (the sidecar jar; default this tree's sidecar/target), BENCH_BASE_JAR (a sidecar jar of
# another build, e.g. main's, with its lib/ beside it: a second pair runs from it on ports
# +641…+652, for the cases sidecars-base and sidecars-base-cold, an A/B in the same minutes),
# BENCH_AOT (on: a first start of each sidecar records its JDK 25 AOT cache under 5 s of traffic and
# the measured sidecars start from it, as docs/sidecar.md tells a deployment to; off: no cache),
# BENCH_JIT_WARMUP (40 s of wrk, then 16 s at the fixed rate, through each sidecar pair before the
# first case, and a wait until the compilers are quiet, so that the figures are the sidecars'
# steady state, not their JIT's first minute; 0 for the first minute),
# BENCH_SIDECAR_JAVA_OPTS (both pairs' JVM options; default @sidecar/sidecar.jvm, with
# MALLOC_ARENA_MAX=2), BENCH_BASE_JAVA_OPTS (the base pair's instead; with BENCH_BASE_JAR set to this
# tree's jar, an A/B of JVM options in the same minutes).
# Needs wrk and nginx (apt-get install wrk nginx), runs nginx unprivileged with its own prefix in a
# temporary directory, and builds what is missing (MVN_ARGS=-o for offline builds).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BASE=${BENCH_PORT_BASE:-24000}
RATE=${BENCH_RATE:-1000}
WARMUP=${BENCH_WARMUP:-10}
DURATION=${BENCH_DURATION:-20}
SAT=${BENCH_SAT_DURATION:-15}
CONNS=${BENCH_CONNECTIONS:-64}
JIT_WARMUP=${BENCH_JIT_WARMUP:-40}
CASES=${BENCH_CASES:-direct sidecars nginx sidecars-cold}
# the sidecar's own JVM options (docs/sidecar.md, "JVM options"), as ./meshid dev starts it
SIDECAR_JAVA_OPTS=${BENCH_SIDECAR_JAVA_OPTS:-@$ROOT/sidecar/sidecar.jvm}
BASE_JAVA_OPTS=${BENCH_BASE_JAVA_OPTS:-$SIDECAR_JAVA_OPTS}
# on: the measured sidecars start from an AOT cache that a first run of each recorded (as deployed)
AOT=${BENCH_AOT:-on}
case $AOT in on|off) ;; *) echo "run-vs-nginx: BENCH_AOT=$AOT (expected on or off)" >&2; exit 2 ;; esac
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
command -v wrk >/dev/null || { echo "run-vs-nginx: needs wrk (apt-get install wrk)" >&2; exit 2; }
[ -x "$NGINX" ] || { echo "run-vs-nginx: needs nginx (apt-get install nginx)" >&2; exit 2; }
JAVA_HOME=$("$ROOT/meshid" java)
JAVA="$JAVA_HOME/bin/java"
TICK=$(getconf CLK_TCK)

P_UP=$((BASE + 601)) P_S1_OUT=$((BASE + 611)) P_S1_IN=$((BASE + 612)) P_S2_IN=$((BASE + 621)) P_S2_OUT=$((BASE + 622))
P_NA=$((BASE + 631)) P_NB=$((BASE + 632))
P_B1_OUT=$((BASE + 641)) P_B1_IN=$((BASE + 642)) P_B2_IN=$((BASE + 651)) P_B2_OUT=$((BASE + 652))
JAR=${BENCH_JAR:-$ROOT/sidecar/target/meshid-sidecar-0.1.0-SNAPSHOT.jar}
BASE_JAR=${BENCH_BASE_JAR:-}
W=$(mktemp -d /tmp/meshid-bench.XXXXXX)
OUT="$W/results.txt"
PIDS=()
cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT
log() { echo "run-vs-nginx: $*" | tee -a "$OUT" >&2; }

log "$(date -u '+%Y-%m-%d %H:%M:%S UTC'); $(nproc) cores; $(uptime | sed 's/.*load average/load average/'); work dir $W"
for m in sidecar cli; do
  if [ ! -f "$ROOT/$m/target/meshid-$m-0.1.0-SNAPSHOT.jar" ] || [ ! -d "$ROOT/$m/target/lib" ]; then
    (cd "$ROOT" && ./mvnw -B -q ${MVN_ARGS:-} -DskipTests package -pl "$m" -am)
  fi
done

# 1. A dev mesh of our own (no demo), for the SVIDs and the sidecars' decisions.
mkdir -p "$W/mesh"
MESHID_DEV_START_TIMEOUT=${MESHID_DEV_START_TIMEOUT:-900} "$ROOT/meshid" dev --no-demo --port-base "$BASE" --data-dir "$W/mesh" > "$W/mesh.log" 2>&1 &
PIDS+=($!)
until [ -s "$W/mesh/endpoints.json" ]; do
  kill -0 "${PIDS[0]}" 2>/dev/null || { cat "$W/mesh.log" >&2; echo "run-vs-nginx: the dev mesh did not start" >&2; exit 1; }
  sleep 1
done
TD=$(sed -n 's/.*"trust_domain": "\([^"]*\)".*/\1/p' "$W/mesh/endpoints.json")
POLICY=$(sed -n 's/.*"policy": *{"grpc": "\([^"]*\)".*/\1/p' "$W/mesh/endpoints.json")
CA=$(sed -n 's/.*"ca": *{"grpc": "\([^"]*\)".*/\1/p' "$W/mesh/endpoints.json")
log "dev mesh ready: trust domain $TD, policy-server $POLICY"
ctl() { MESHID_DEV_DIR="$W/mesh" "$ROOT/meshid" ctl "$@"; }

# 2. Two workload SVIDs (files), which both the sidecars and the nginx instances use, and a policy
#    that lets the client GET anything from the server.
for who in client server; do
  id=$(ctl entry create --spiffe-id "spiffe://$TD/bench/$who" --dns "bench-$who.localhost" --x509-ttl 12h --json |
    sed -n 's/.*"id": *"\([^"]*\)".*/\1/p' | head -n 1)
  token=$(ctl join-token create --entry-id "$id" --json | sed -n 's/.*"token": *"\([^"]*\)".*/\1/p')
  ctl svid fetch --join-token "$token" --out "$W/$who" >/dev/null
done
ctl policy get --out "$W/policy" >/dev/null
cat >> "$W/policy/policies.cedar" <<CEDAR

@id("bench-client-reads-server")
permit (principal == Workload::"spiffe://$TD/bench/client", action == Action::"GET",
        resource == Service::"spiffe://$TD/bench/server");
CEDAR
ctl policy put "$W/policy" --comment "sidecar/bench/run-vs-nginx.sh" >/dev/null
log "SVIDs in $W/client and $W/server; bench policy put"

# 3. The server: nginx answering "ok" (the same for every path), and the two proxy pairs.
mkdir -p "$W/nginx/tmp"
nginx_conf() { # NAME WORKERS HTTP-BLOCK
  cat > "$W/nginx/$1.conf" <<CONF
worker_processes $2;
daemon off;
pid $W/nginx/$1.pid;
error_log $W/nginx/$1-error.log warn;
events { worker_connections 8192; }
http {
  access_log off;
  client_body_temp_path $W/nginx/tmp/$1-body; proxy_temp_path $W/nginx/tmp/$1-proxy;
  fastcgi_temp_path $W/nginx/tmp/$1-fcgi; uwsgi_temp_path $W/nginx/tmp/$1-uwsgi; scgi_temp_path $W/nginx/tmp/$1-scgi;
  keepalive_requests 10000000;
$3
}
CONF
}
# The TLS 1.3 suite BoringSSL (the sidecars) picks on AES hardware first: OpenSSL 3's default order
# starts with AES-256-GCM, which would make the nginx pair pay for a costlier cipher than the sidecars.
SUITES=TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256
nginx_conf upstream 1 "  server { listen 127.0.0.1:$P_UP; location / { default_type text/plain; return 200 \"ok\\n\"; } }"
nginx_conf proxy-a auto "  upstream b { server 127.0.0.1:$P_NB; keepalive 256; }
  server { listen 127.0.0.1:$P_NA; location / {
    proxy_pass https://b; proxy_http_version 1.1; proxy_set_header Connection \"\"; proxy_set_header Host \$host;
    proxy_ssl_certificate $W/client/cert.pem; proxy_ssl_certificate_key $W/client/key.pem;
    proxy_ssl_trusted_certificate $W/client/bundle.pem; proxy_ssl_verify on; proxy_ssl_verify_depth 4;
    proxy_ssl_name bench-server.localhost; proxy_ssl_server_name on; proxy_ssl_session_reuse on; proxy_ssl_protocols TLSv1.3;
    proxy_ssl_conf_command Ciphersuites $SUITES; } }"
nginx_conf proxy-b auto "  upstream up { server 127.0.0.1:$P_UP; keepalive 256; }
  server { listen 127.0.0.1:$P_NB ssl; ssl_protocols TLSv1.3; ssl_conf_command Ciphersuites $SUITES;
    ssl_certificate $W/server/cert.pem; ssl_certificate_key $W/server/key.pem;
    ssl_client_certificate $W/server/bundle.pem; ssl_verify_client on; ssl_verify_depth 4;
    location / { proxy_pass http://up; proxy_http_version 1.1; proxy_set_header Connection \"\";
      proxy_set_header x-forwarded-client-cert \"Subject=\\\"\$ssl_client_s_dn\\\"\"; } }"
declare -A PID_OF JAR_OF OPTS_OF
for n in upstream proxy-a proxy-b; do
  "$NGINX" -p "$W/nginx" -c "$W/nginx/$n.conf" -e "$W/nginx/$n-error.log" > "$W/nginx/$n.out" 2>&1 &
  PIDS+=($!)
  PID_OF[$n]=$!
done

sidecar_conf() { # FILE WHO IN OUT WORKLOAD ROUTES
  cat > "$1" <<YAML
svid: {cert: "$W/$2/cert.pem", key: "$W/$2/key.pem", bundle: "$W/$2/bundle.pem",
       cert_authority: "$CA", cert_authority_id: "spiffe://$TD/meshid/cert-authority"}
inbound: {listen: "127.0.0.1:$3", workload: "127.0.0.1:$5"}
outbound: {listen: "127.0.0.1:$4"}
routes: [$6]
policy: {address: "$POLICY", spiffe_id: "spiffe://$TD/meshid/policy-server"}
YAML
}
sidecar_conf "$W/sidecar-client.yaml" client "$P_S1_IN" "$P_S1_OUT" "$P_UP" \
  "{name: bench-server, address: \"127.0.0.1:$P_S2_IN\", spiffe_id: \"spiffe://$TD/bench/server\"}"
sidecar_conf "$W/sidecar-server.yaml" server "$P_S2_IN" "$P_S2_OUT" "$P_UP" ""
PAIRS=("sidecar-client sidecar-server")
JAR_OF=([sidecar-client]="$JAR" [sidecar-server]="$JAR")
OPTS_OF=([sidecar-client]="$SIDECAR_JAVA_OPTS" [sidecar-server]="$SIDECAR_JAVA_OPTS")
if [ -n "$BASE_JAR" ]; then
  sidecar_conf "$W/base-client.yaml" client "$P_B1_IN" "$P_B1_OUT" "$P_UP" \
    "{name: bench-server, address: \"127.0.0.1:$P_B2_IN\", spiffe_id: \"spiffe://$TD/bench/server\"}"
  sidecar_conf "$W/base-server.yaml" server "$P_B2_IN" "$P_B2_OUT" "$P_UP" ""
  PAIRS+=("base-client base-server")
  JAR_OF[base-client]=$BASE_JAR JAR_OF[base-server]=$BASE_JAR
  OPTS_OF[base-client]=$BASE_JAVA_OPTS OPTS_OF[base-server]=$BASE_JAVA_OPTS
fi
# start_sidecars [JVM option per sidecar, with %s for its name]: every sidecar of PAIRS, until ready.
start_sidecars() {
  local who option
  for who in ${PAIRS[*]}; do
    rm -f "$W/$who.json"
    # shellcheck disable=SC2059 # the caller's format, with %s for the name
    option=${1:+$(printf -- "$1" "$who")}
    # shellcheck disable=SC2086 # a list of options
    MESHID_LOG_FORMAT=text MALLOC_ARENA_MAX=2 "$JAVA" ${OPTS_OF[$who]} --enable-native-access=ALL-UNNAMED ${option:+"$option"} \
      -Xlog:aot=off -Xlog:cds=off -jar "${JAR_OF[$who]}" --ready-file "$W/$who.json" "$W/$who.yaml" > "$W/$who.log" 2>&1 &
    PIDS+=($!)
    PID_OF[$who]=$!
  done
  for who in ${PAIRS[*]}; do
    until [ -s "$W/$who.json" ]; do
      kill -0 "${PID_OF[$who]}" 2>/dev/null || { cat "$W/$who.log" >&2; exit 1; }
      sleep 0.2
    done
    # shellcheck disable=SC2059 # the caller's format, with %s for the name
    log "$who ready (SVID files, not attested; ${JAR_OF[$who]} ${OPTS_OF[$who]}${1:+, $(printf -- "$1" "$who")}): $(cat "$W/$who.json")"
  done
}
URLS=("http://127.0.0.1:$P_UP/" "http://127.0.0.1:$P_NA/" "http://127.0.0.1:$P_S1_OUT/")
[ -n "$BASE_JAR" ] && URLS+=("http://127.0.0.1:$P_B1_OUT/")
answering() {
  local url try code
  for url in "${URLS[@]}"; do
    # a few tries: on a busy machine the first Check can miss its deadline (a deny, 403)
    for try in 1 2 3 4 5; do
      code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Host: bench-server' "$url")
      [ "$code" = 200 ] && break
      sleep 2
    done
    [ "$code" = 200 ] || { log "$url answers $code, not 200; see $W (nginx and sidecar logs)"; exit 1; }
  done
}
if [ "$AOT" = on ]; then
  # As docs/sidecar.md ("Start-up: an AOT cache") tells a deployment to run it: a first run records
  # each sidecar's JDK 25 AOT cache (classes, linking, method profiles) under a little traffic and
  # writes it at SIGTERM; the measured sidecars start from it.
  start_sidecars "-XX:AOTCacheOutput=$W/%s.aot"
  answering
  for url in "http://127.0.0.1:$P_S1_OUT/" ${BASE_JAR:+"http://127.0.0.1:$P_B1_OUT/"}; do
    wrk -t2 -c16 -d5s -H 'Host: bench-server' "$url" > /dev/null
  done
  for who in ${PAIRS[*]}; do kill -TERM "${PID_OF[$who]}"; done
  for who in ${PAIRS[*]}; do
    while kill -0 "${PID_OF[$who]}" 2>/dev/null; do sleep 0.2; done
    [ -s "$W/$who.aot" ] || { log "$who wrote no AOT cache; see $W/$who.log"; exit 1; }
  done
  start_sidecars "-XX:AOTCache=$W/%s.aot"
else
  start_sidecars
fi
answering
# CPU ticks (user + system) of a process and its children (nginx's workers).
tree() { echo "$1"; ps -o pid= --ppid "$1" 2>/dev/null || true; }
# CPU ticks of a JVM's compiler threads (C1, C2): the JIT's share of a run.
jit_ticks() { local t=0 task; for task in /proc/"$1"/task/*; do case $(cat "$task/comm" 2>/dev/null) in C[12]\ Compiler*) t=$((t + $(awk '{ sub(/.*\) /, ""); print $12 + $13 }' "$task/stat" 2>/dev/null || echo 0))) ;; esac; done; echo "$t"; }
ticks() { local t=0 p; for p in $(tree "$1"); do t=$((t + $(awk '{ sub(/.*\) /, ""); print $12 + $13 }' "/proc/$p/stat" 2>/dev/null || echo 0))); done; echo "$t"; }
rss_kib() { local r=0 p; for p in $(tree "$1"); do r=$((r + $(awk '/^VmRSS/ { print $2 }' "/proc/$p/status" 2>/dev/null || echo 0))); done; echo "$r"; }

# Steady state first: a JVM compiles its hot paths during its first minute of traffic (C2 took 1.7 to
# 1.9 s of CPU per sidecar over the first fixed-rate run after a 5 s warm-up, under 0.1 s in the
# next: docs/benchmarks.md, 2026-12-06), and a compiler thread holding a core delays the event
# loops' wake-ups: what a proxy adds in its first minute is not what it adds for the rest of its
# life. Before the first case, through every sidecar pair: BENCH_JIT_WARMUP seconds of wrk (16
# connections), 16 s at the fixed rate, then a wait (at most 60 s) until the compiler threads have
# been quiet for 4 s; 0 measures the first minute (the JIT's CPU in each run is logged either way).
if [ "$JIT_WARMUP" -gt 0 ]; then
  for url in "http://127.0.0.1:$P_S1_OUT/" ${BASE_JAR:+"http://127.0.0.1:$P_B1_OUT/"}; do
    wrk -t2 -c16 -d"${JIT_WARMUP}s" -H 'Host: bench-server' "$url" > /dev/null
    # the paths of a low rate too (a wake-up per request), then until the compilers go quiet: under
    # wrk they get a small share of the two cores and work through their queue afterwards
    "$JAVA" -XX:+UseSerialGC "$ROOT/sidecar/bench/FixedRateLoad.java" "$(echo "${url#http://}" | tr -d /)" bench-server "$RATE" 15 1 16 > /dev/null
  done
  settle_start=$SECONDS jit0=0 jit1=0 quiet=0
  for p in "${PID_OF[@]}"; do jit0=$((jit0 + $(jit_ticks "$p"))); done
  jit1=$jit0
  while [ $quiet -lt 2 ] && [ $((SECONDS - settle_start)) -lt 60 ]; do
    sleep 2
    now=0
    for p in "${PID_OF[@]}"; do now=$((now + $(jit_ticks "$p"))); done
    if [ $((now - jit1)) -le 1 ]; then quiet=$((quiet + 1)); else quiet=0; fi
    jit1=$now
  done
  log "JIT warm-up: ${JIT_WARMUP} s of wrk and 16 s at $RATE/s through each sidecar pair, then $((SECONDS - settle_start)) s until the compilers were quiet ($(( (jit1 - jit0) * 1000 / TICK )) ms of their CPU meanwhile, all sidecars)"
fi


RUN_NO=0
# run NAME URL PROXY1 PROXY2 [unique]: fixed rate (each request's latency also in timeline-N-NAME.txt,
# see FixedRateLoad.java), then saturation, with CPU and RSS of the proxies.
run() {
  local name=$1 url=$2 a=${3:-} b=${4:-} mode=${5:-} t0a t0b t1a t1b j0a j0b line sat requests lua=()
  [ "$mode" = unique ] && lua=(-s "$W/unique.lua")
  local hostport=${url#http://}
  # Warm-up first: 5 s of wrk on 16 connections, outside the CPU count, so that the sidecars' JIT
  # compilation is less of the 1,000/s figures (the same client-side work measured 241 µs per
  # request a minute after start and 116 µs minutes later; on a loaded machine this warm-up did not
  # close that gap: docs/benchmarks.md, branch sidecar-fast2). Every case gets the same warm-up.
  wrk -t2 -c16 -d5s -H 'Host: bench-server' "${lua[@]}" "$url" > /dev/null
  [ -n "$a" ] && { t0a=$(ticks "$a"); t0b=$(ticks "$b"); j0a=$(jit_ticks "$a"); j0b=$(jit_ticks "$b"); }
  RUN_NO=$((RUN_NO + 1))
  line=$(FIXED_RATE_TIMELINE="$W/timeline-$RUN_NO-$name.txt" "$JAVA" -XX:+UseSerialGC "$ROOT/sidecar/bench/FixedRateLoad.java" "${hostport%/}" bench-server "$RATE" "$WARMUP" "$DURATION" 16 $mode)
  log "$name @ $RATE/s: $line"
  if [ -n "$a" ]; then
    t1a=$(ticks "$a"); t1b=$(ticks "$b")
    log "$name @ $RATE/s: CPU per request $(cpu_us "$t0a" "$t1a" $((RATE * (WARMUP + DURATION)))) µs (client side), $(cpu_us "$t0b" "$t1b" $((RATE * (WARMUP + DURATION)))) µs (server side), of which the JIT's $(cpu_us "$j0a" "$(jit_ticks "$a")" $((RATE * (WARMUP + DURATION)))), $(cpu_us "$j0b" "$(jit_ticks "$b")" $((RATE * (WARMUP + DURATION)))) µs; RSS $(($(rss_kib "$a") / 1024)) MiB, $(($(rss_kib "$b") / 1024)) MiB"
  fi
  wrk -t2 -c"$CONNS" -d5s -H 'Host: bench-server' "${lua[@]}" "$url" > /dev/null
  [ -n "$a" ] && { t0a=$(ticks "$a"); t0b=$(ticks "$b"); }
  sat=$(wrk -t2 -c"$CONNS" -d"${SAT}s" --latency -H 'Host: bench-server' "${lua[@]}" "$url")
  echo "$sat" >> "$OUT"
  requests=$(echo "$sat" | awk '/requests in/ { print $1 }')
  log "$name saturation: $(echo "$sat" | awk '/Requests\/sec/ { r = $2 } / 50%/ { p50 = $2 } / 99%/ { p99 = $2 } /Non-2xx/ { n = ", NON-2xx " $4 } END { printf "%s req/s, p50 %s, p99 %s%s", r, p50, p99, n }')"
  if [ -n "$a" ]; then
    t1a=$(ticks "$a"); t1b=$(ticks "$b")
    log "$name saturation: CPU per request $(cpu_us "$t0a" "$t1a" "$requests") µs (client side), $(cpu_us "$t0b" "$t1b" "$requests") µs (server side); RSS $(($(rss_kib "$a") / 1024)) MiB, $(($(rss_kib "$b") / 1024)) MiB"
  fi
}
# idle: the proxies' CPU over DURATION seconds with no request at all (background work: timers,
# JIT, GC), in milliseconds per second; what a low request rate pays on top of its requests.
idle() {
  local who p t0=() t1=() i=0
  local procs=("${PID_OF[sidecar-client]}" "${PID_OF[sidecar-server]}" "${PID_OF[proxy-a]}" "${PID_OF[proxy-b]}")
  for p in "${procs[@]}"; do t0+=("$(ticks "$p")"); done
  sleep "$DURATION"
  for p in "${procs[@]}"; do t1+=("$(ticks "$p")"); done
  log "idle for $DURATION s: CPU ms per second: sidecars $(idle_ms "${t0[0]}" "${t1[0]}") (client side), $(idle_ms "${t0[1]}" "${t1[1]}") (server side); nginx $(idle_ms "${t0[2]}" "${t1[2]}"), $(idle_ms "${t0[3]}" "${t1[3]}")"
}
idle_ms() { awk -v d=$(($2 - $1)) -v s="$DURATION" -v hz="$TICK" 'BEGIN { printf "%.1f", d / hz * 1000 / s }'; }
cpu_us() { awk -v d=$(($2 - $1)) -v n="$3" -v hz="$TICK" 'BEGIN { printf "%.1f", d / hz * 1e6 / n }'; }
cat > "$W/unique.lua" <<'LUA'
-- a new path every request: every request misses the sidecar's decision cache (and policy-server's)
counter = 0
tid = 0
local next_id = 0
function setup(thread) next_id = next_id + 1; thread:set("tid", next_id) end
function request() counter = counter + 1; return wrk.format("GET", "/r/" .. tid .. "/" .. counter) end
LUA

for c in $CASES; do
  case $c in
    idle) idle ;;
    direct) run direct "http://127.0.0.1:$P_UP/" ;;
    sidecars) run sidecars "http://127.0.0.1:$P_S1_OUT/" "${PID_OF[sidecar-client]}" "${PID_OF[sidecar-server]}" ;;
    nginx) run nginx "http://127.0.0.1:$P_NA/" "${PID_OF[proxy-a]}" "${PID_OF[proxy-b]}" ;;
    sidecars-cold) run sidecars-cold "http://127.0.0.1:$P_S1_OUT/" "${PID_OF[sidecar-client]}" "${PID_OF[sidecar-server]}" unique ;;
    sidecars-base) run sidecars-base "http://127.0.0.1:$P_B1_OUT/" "${PID_OF[base-client]}" "${PID_OF[base-server]}" ;;
    sidecars-base-cold) run sidecars-base-cold "http://127.0.0.1:$P_B1_OUT/" "${PID_OF[base-client]}" "${PID_OF[base-server]}" unique ;;
    *) log "unknown case $c (expected: idle, direct, sidecars, nginx, sidecars-cold, sidecars-base, sidecars-base-cold)"; exit 2 ;;
  esac
done
log "$(uptime | sed 's/.*load average/load average at the end/'); everything in $OUT"
