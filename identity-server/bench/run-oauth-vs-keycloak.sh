#!/usr/bin/env bash
# The OAuth bridge against Keycloak, same machine, same run (docs/benchmarks.md, "OAuth bridge"):
# wrk (Debian's, keep-alive, HTTPS) POSTs client_credentials with Basic to /oauth2/token and
# introspections of one token, first to meshid's bridge (identity-server, PostgreSQL, in-process
# store, HTTPS with its SVID), then to Keycloak's server distribution (production mode, HTTPS with a
# self-signed P-256 certificate, local caches, H2 dev-file database) on loopback. Reports
# requests/s, p50, p99, CPU milliseconds per request and the server's RSS for both; for meshid also
# the CPU of its PostgreSQL backends (the audit rows), which run outside its JVM.
# Keycloak is fetched here with Maven on demand (never by the test suite) and unpacked under
# identity-server/target/bench; it needs a JDK 21+ (the JDK 25 found by ./meshid java works).
#
#   MVN_ARGS=-o identity-server/bench/run-oauth-vs-keycloak.sh   # ~4 minutes quiet, ~15 on a loaded machine
#
# Settings (environment): KEYCLOAK_VERSION=26.5.6 CONNECTIONS=16 THREADS=2 DURATION=20s WARMUP=10s
# WARM_ROUNDS=8 (after WARMUP, up to this many 10 s rounds until two in a row agree within 5 %)
# DB=postgres (default: a fresh schema in the PostgreSQL at 127.0.0.1:5432, db test, user postgres,
# as production runs; dropped at the end) or DB=h2 (in memory inside meshid's JVM, as before
# 2026-12-05 04:00: its audit table then fills meshid's heap).
# ONLY=token or ONLY=introspect runs just that request type on meshid's side (for a profile of one).
# SKIP_KEYCLOAK=1 measures only meshid's half (about a minute; no ratios), e.g. before and after a
# change to the bridge. STATUSES=1 counts the replies by status (and shows the first refusal's body)
# at some wrk CPU. JAVA_OPTS adds options to meshid's JVM (e.g. a JFR recording).
# Prints the table with the load average before each measured run (the machine may be shared), the
# ratios against the goal, and the load at the end.
# MVN_ARGS adds Maven options (e.g. MVN_ARGS=-o). Needs: wrk, curl, openssl (apt-get install wrk).
set -euo pipefail
command -v wrk >/dev/null || { echo "run-oauth-vs-keycloak: wrk is missing (apt-get install wrk)" >&2; exit 2; }
BENCH_MODULE=identity-server
# shellcheck source=../../common/bench/classpath.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../common/bench/classpath.sh"

KEYCLOAK_VERSION=${KEYCLOAK_VERSION:-26.5.6}
CONNECTIONS=${CONNECTIONS:-16}
THREADS=${THREADS:-2}
DURATION=${DURATION:-20s}
WARMUP=${WARMUP:-10s}
WARM_ROUNDS=${WARM_ROUNDS:-8}
DB=${DB:-postgres}
WORK="$OUT/oauth"
mkdir -p "$WORK"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$SNAPSHOT"; }
trap cleanup EXIT

# wrk's Lua: one POST, form body and Basic header from the environment.
cat > "$WORK/post.lua" <<'LUA'
wrk.method = "POST"
wrk.body = os.getenv("BODY")
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Authorization"] = os.getenv("AUTH")
-- STATUSES=1: count the replies by status and keep the first refusal's body (costs wrk some CPU,
-- since every reply is then handed to Lua; off by default).
threads = {}
setup = function(thread) table.insert(threads, thread) end
if os.getenv("STATUSES") == "1" then
  init = function(args) statuses = {} firstRefusal = "" end
  response = function(status, headers, body)
    statuses[status] = (statuses[status] or 0) + 1
    if status >= 300 and firstRefusal == "" then firstRefusal = status .. " " .. body:gsub("%s+", " "):sub(1, 300) end
  end
end
done = function(summary, latency, requests)
  if os.getenv("STATUSES") == "1" then
    local all, first = {}, ""
    for _, t in ipairs(threads) do
      for status, n in pairs(t:get("statuses")) do all[status] = (all[status] or 0) + n end
      if first == "" then first = t:get("firstRefusal") end
    end
    local parts = {}
    for status, n in pairs(all) do table.insert(parts, status .. ": " .. n) end
    io.write("STATUSES " .. table.concat(parts, ", ") .. (first ~= "" and ("; first refusal: " .. first) or "") .. "\n")
  end
  io.write(string.format("RESULT %.1f %.2f %.2f %d %d\n", summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, summary.errors.status + summary.errors.connect
    + summary.errors.read + summary.errors.write + summary.errors.timeout, summary.requests))
  io.write(string.format("ERRORS non-2xx/3xx %d, timeouts %d, connect %d, read %d, write %d\n", summary.errors.status,
    summary.errors.timeout, summary.errors.connect, summary.errors.read, summary.errors.write))
end
LUA

cpu_seconds() { awk '{print ($14 + $15) / 100}' "/proc/$1/stat"; }
# CPU seconds of meshid's PostgreSQL backends (found by their application name), 0 without them.
db_seconds() {
  local total=0 p
  [ "$DB" = postgres ] && [ -n "${MESHID_DB_APP:-}" ] || { echo 0; return; }
  for p in $(psql -h 127.0.0.1 -U postgres -d test -Atc "SELECT pid FROM pg_stat_activity WHERE application_name = '$MESHID_DB_APP'"); do
    [ -r "/proc/$p/stat" ] && total=$(awk -v t="$total" '{print t + ($14 + $15) / 100}' "/proc/$p/stat")
  done
  echo "$total"
}
rss_mib() { awk '/VmRSS/ {print int($2 / 1024)}' "/proc/$1/status"; }

load() { cut -d' ' -f1-3 /proc/loadavg; }
declare -A RPS P99

# warm NAME URL BODY AUTH: WARMUP of load, then rounds of 10 s until two rounds in a row are within
# 5 % of each other (at most WARM_ROUNDS), so that neither server is measured while its JIT is
# still compiling: a single 30 s warm-up left Keycloak at a third of its rate in some runs (its
# start-up compiles for minutes on two cores). The same rule for both servers; the rates go to
# stderr.
warm() {
  local name=$1 url=$2 body=$3 auth=$4 prev=0 rps rates=() i
  BODY=$body AUTH=$auth wrk -t"$THREADS" -c"$CONNECTIONS" -d"$WARMUP" -s "$WORK/post.lua" "$url" >/dev/null
  for i in $(seq 1 "$WARM_ROUNDS"); do
    rps=$(BODY=$body AUTH=$auth wrk -t"$THREADS" -c"$CONNECTIONS" -d10s -s "$WORK/post.lua" "$url" | awk '/^RESULT/ { print $2 }')
    rates+=("$rps")
    awk -v a="$prev" -v b="$rps" 'BEGIN { exit !(a > 0 && b < a * 1.05 && b > a * 0.95) }' && break
    prev=$rps
  done
  echo "$name: warm-up rounds of 10 s after $WARMUP: ${rates[*]} requests/s" >&2
}

# run KEY NAME PID URL BODY AUTH: warm-up, then the measured run; prints one table row and keeps
# requests/s and p99 under KEY for the verdict. The load average is the machine's before the run.
run() {
  local key=$1 name=$2 pid=$3 url=$4 body=$5 auth=$6 before after dbb dba dbcol line la out
  warm "$name" "$url" "$body" "$auth"
  la=$(load)
  before=$(cpu_seconds "$pid")
  dbb=$(db_seconds)
  out=$(BODY=$body AUTH=$auth wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" -s "$WORK/post.lua" "$url")
  line=$(grep '^RESULT' <<<"$out")
  # What the errors column counts, by kind, on stderr so that the table stays one block.
  grep '^ERRORS\|^STATUSES' <<<"$out" | sed "s/^/$name: /" >&2
  after=$(cpu_seconds "$pid")
  dba=$(db_seconds)
  read -r _ rps p50 p99 errors total <<<"$line"
  RPS[$key]=$rps
  P99[$key]=$p99
  dbcol=$(awk -v a="$dba" -v b="$dbb" -v n="$total" 'BEGIN {printf "%.3f", (a - b) * 1000 / n}')
  [ "$key" = mt ] || [ "$key" = mi ] || dbcol="–"
  [ "$DB" = postgres ] || dbcol="–"
  printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "$name" "$rps" "$p50" "$p99" \
    "$(awk -v a="$after" -v b="$before" -v n="$total" 'BEGIN {printf "%.3f", (a - b) * 1000 / n}')" "$dbcol" "$(rss_mib "$pid")" "$errors" "$la"
}

echo "$(date -u '+%F %H:%M UTC'), $(nproc) cores, $CONNECTIONS connections, $THREADS wrk threads, $DURATION after $WARMUP warm-up, meshid on $DB"
echo
echo "| server / request | requests/s | p50 ms | p99 ms | server CPU ms per request | its PostgreSQL CPU ms per request | RSS MiB | errors | load average before |"
echo "|---|---|---|---|---|---|---|---|---|"

# --- meshid ---
export MESHID_LOG_FORMAT=text MESHID_LOG_LEVEL=WARN
# A previous run's file would name a server that is gone: wait for this one's.
rm -f "$WORK/meshid.env"
java -Xms512m -Xmx512m --enable-native-access=ALL-UNNAMED ${JAVA_OPTS:-} -cp "$CP" \
  io.meshid.identity.http.oauth.OAuthBenchServer "$WORK/meshid.env" "$DB" >"$WORK/meshid.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 120); do [ -s "$WORK/meshid.env" ] && break; sleep 1; done
[ -s "$WORK/meshid.env" ] || { echo "meshid's bench server did not start; see $WORK/meshid.log" >&2; exit 1; }
# shellcheck disable=SC1091
source "$WORK/meshid.env"
auth="Basic $(printf '%s' "bench:$MESHID_SECRET" | base64 -w0)"
token=$(curl -sf --cacert "$MESHID_BUNDLE" -H "Authorization: $auth" -d grant_type=client_credentials "$MESHID_URL/oauth2/token" \
  | sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p') || { echo "meshid gave no token; see $WORK/meshid.log" >&2; exit 1; }
[ "${ONLY:-}" = introspect ] || run mt "meshid token" "$MESHID_PID" "$MESHID_URL/oauth2/token" "grant_type=client_credentials" "$auth"
[ "${ONLY:-}" = token ] || run mi "meshid introspect" "$MESHID_PID" "$MESHID_URL/oauth2/introspect" "token=$token" "$auth"
kill "$MESHID_PID"
# Its shutdown still loads classes: the class-path snapshot must outlive it (cleanup removes it).
for _ in $(seq 1 100); do kill -0 "$MESHID_PID" 2>/dev/null || break; sleep 0.2; done

if [ "${SKIP_KEYCLOAK:-0}" = 1 ]; then
  echo
  echo "Keycloak skipped (SKIP_KEYCLOAK=1): no ratios. Load average at the end: $(load)"
  exit 0
fi

# --- Keycloak ---
KC="$WORK/keycloak-$KEYCLOAK_VERSION"
if [ ! -x "$KC/bin/kc.sh" ]; then
  # shellcheck disable=SC2086
  ./mvnw -B -q -N ${MVN_ARGS:-} dependency:copy -Dartifact="org.keycloak:keycloak-quarkus-dist:$KEYCLOAK_VERSION:zip" \
    -DoutputDirectory="$WORK" >&2
  (cd "$WORK" && unzip -q -o "keycloak-quarkus-dist-$KEYCLOAK_VERSION.zip")
fi
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=localhost \
  -addext subjectAltName=DNS:localhost -keyout "$WORK/kc-key.pem" -out "$WORK/kc-cert.pem" 2>/dev/null
port=$((20000 + RANDOM % 20000))
# A fresh database each run: the last run's (its client "bench" included) would refuse this one's set-up.
rm -rf "$KC/data"
KC_BOOTSTRAP_ADMIN_USERNAME=admin KC_BOOTSTRAP_ADMIN_PASSWORD=bench-admin "$KC/bin/kc.sh" start \
  --hostname=localhost --https-port="$port" --http-enabled=false --https-certificate-file="$WORK/kc-cert.pem" \
  --https-certificate-key-file="$WORK/kc-key.pem" --cache=local --db=dev-file --http-management-port=$((port + 1)) \
  >"$WORK/keycloak.log" 2>&1 &
pids+=($!)
kc="https://localhost:$port"
for _ in $(seq 1 180); do curl -sf --cacert "$WORK/kc-cert.pem" "$kc/realms/master" >/dev/null && break; sleep 1; done
curl -sf --cacert "$WORK/kc-cert.pem" "$kc/realms/master" >/dev/null || { echo "Keycloak did not start; see $WORK/keycloak.log" >&2; exit 1; }
# kc.sh runs Keycloak's JVM as its child (or execs it after a re-augmentation): measure that JVM.
kcpid=$(pgrep -f "QuarkusEntryPoint.*https-port=$port" | head -n 1)
pids+=("$kcpid")
rm -f "$WORK/kc-trust.p12"
keytool -importcert -noprompt -alias kc -file "$WORK/kc-cert.pem" -keystore "$WORK/kc-trust.p12" -storepass bench-trust >/dev/null
"$KC/bin/kcadm.sh" config truststore --trustpass bench-trust "$WORK/kc-trust.p12" >/dev/null
"$KC/bin/kcadm.sh" config credentials --server "$kc" --realm master --user admin --password bench-admin >/dev/null
"$KC/bin/kcadm.sh" create clients -r master -s clientId=bench -s secret=bench-secret -s serviceAccountsEnabled=true \
  -s publicClient=false -s standardFlowEnabled=false >/dev/null
kauth="Basic $(printf '%s' "bench:bench-secret" | base64 -w0)"
ktoken=$(curl -sf --cacert "$WORK/kc-cert.pem" -H "Authorization: $kauth" -d grant_type=client_credentials \
  "$kc/realms/master/protocol/openid-connect/token" | sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p')
run kt "Keycloak $KEYCLOAK_VERSION token" "$kcpid" "$kc/realms/master/protocol/openid-connect/token" "grant_type=client_credentials" "$kauth"
run ki "Keycloak $KEYCLOAK_VERSION introspect" "$kcpid" "$kc/realms/master/protocol/openid-connect/token/introspect" "token=$ktoken" "$kauth"

# The goal (issue 12): 10x Keycloak's token rate, 5x its introspection rate, p99 under 10 ms.
echo
awk -v mt="${RPS[mt]}" -v kt="${RPS[kt]}" -v mi="${RPS[mi]}" -v ki="${RPS[ki]}" -v pt="${P99[mt]}" -v pi="${P99[mi]}" 'BEGIN {
  printf "token: %.1fx Keycloak (goal 10x: %s); introspection: %.1fx (goal 5x: %s); meshid p99 %s / %s ms (goal under 10: %s)\n",
    mt / kt, (mt >= 10 * kt ? "met" : "not met"), mi / ki, (mi >= 5 * ki ? "met" : "not met"), pt, pi,
    (pt < 10 && pi < 10 ? "met" : "not met") }'
echo "load average at the end: $(load)"
