#!/usr/bin/env bash
# Local dependencies for System Design Lab, without Docker: real Postgres, Redis, Kafka and
# Toxiproxy as plain processes, plus HAProxy/Prometheus/kcat installed for later use.
#
#   bash infra/local/stack.sh up|status|down|kafka-reset|kafka-down|packages
#
# Everything downloaded or created lives in ${LAB_CACHE_DIR:-$HOME/.cache/system-design-lab}.
# See infra/local/README.md for ports, the reset procedure and the Kafka version decision.
# LAB_KAFKA_PORT, LAB_KAFKA_CONTROLLER_PORT and LAB_KAFKA_DIR run a second, separate broker (its
# own ports and data; the jars are shared), e.g. to try `kafka-reset` without touching the first.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CACHE="${LAB_CACHE_DIR:-${HOME:-/root}/.cache/system-design-lab}"
[[ "$CACHE" == /* ]] || CACHE="$PWD/$CACHE"  # pid files and configs must not depend on the cwd
WAIT_SECS="${LAB_WAIT_SECS:-90}"          # bound on waiting for any one dependency to answer

PG_BIN=/usr/lib/postgresql/15/bin
PG_DIR="$CACHE/postgres"                   # owned by the postgres OS user
PG_DATA="$PG_DIR/data"
PG_LOG="$PG_DIR/postgres.log"
PG_DATABASES=(url_shortener rate_limiter notifications feed)

REDIS_DIR="$CACHE/redis"

KAFKA_VERSION="$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$HERE/kafka/pom.xml")"
KAFKA_HOME="$CACHE/kafka"                   # the jars, shared by every broker this script runs
KAFKA_LIBS="$KAFKA_HOME/$KAFKA_VERSION/libs"  # per version, so a bump never mixes jars
KAFKA_DIR="${LAB_KAFKA_DIR:-$KAFKA_HOME}"     # one broker's state: data, logs, pid, cluster id
[[ "$KAFKA_DIR" == /* ]] || KAFKA_DIR="$PWD/$KAFKA_DIR"
KAFKA_PORT="${LAB_KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${LAB_KAFKA_CONTROLLER_PORT:-9093}"
# The LAB listener (see kafka/server.properties): the broker listens on KAFKA_LAB_PORT and advertises
# KAFKA_PROXIED_PORT, where `npm start` puts a Toxiproxy proxy. Derived from KAFKA_PORT so a second
# broker's pair (19094/19095 for 19092) cannot collide with the first's (9094/9095).
KAFKA_LAB_PORT="${LAB_KAFKA_LAB_PORT:-$((KAFKA_PORT + 2))}"
KAFKA_PROXIED_PORT="${LAB_KAFKA_PROXIED_PORT:-$((KAFKA_PORT + 3))}"
KAFKA_DATA="$KAFKA_DIR/data"
KAFKA_LOGS="$KAFKA_DIR/logs"
# 256-512 MB heap is plenty for a one-node lab broker and leaves room on a 2-core/shared machine.
KAFKA_JAVA=(java -Xms256m -Xmx512m -XX:+UseG1GC -Djava.awt.headless=true
  -Dkafka.logs.dir="$KAFKA_LOGS" -Dlog4j2.configurationFile="$HERE/kafka/log4j2.xml"
  -cp "$KAFKA_LIBS/*")

TOXIPROXY_VERSION=v2.12.0
TOXIPROXY_BIN="$CACHE/toxiproxy/$TOXIPROXY_VERSION/toxiproxy-server"
TOXIPROXY_LOG="$CACHE/toxiproxy/toxiproxy.log"

# Debian packages the stack needs: command -> package. acl gives setfacl (see pg_grant_traverse).
APT_NEEDS=(
  "$PG_BIN/pg_ctl:postgresql"
  "redis-server:redis-server"
  "redis-cli:redis-tools"
  "haproxy:haproxy"
  "prometheus:prometheus"
  "kcat:kcat"
  "curl:curl"
  "setfacl:acl"
  "ss:iproute2"
  "java:openjdk-17-jre-headless"
  "mvn:maven"
)

# ---------------------------------------------------------------------------------------- helpers

say() { printf '%s\n' "$*"; }
die() { printf 'stack.sh: %s\n' "$*" >&2; exit 1; }

repo_root() {
  git -C "$HERE" rev-parse --show-toplevel 2>/dev/null || (cd "$HERE/../.." && pwd)
}
env_file() { printf '%s/.lab/local.env\n' "$(repo_root)"; }

# Go is not a Debian package here (Debian 12's is too old); it lives in /usr/local/go.
find_go() {
  command -v go 2>/dev/null || { [[ -x /usr/local/go/bin/go ]] && echo /usr/local/go/bin/go; } ||
    die "go not found (need Go >= 1.23 on PATH or in /usr/local/go) to build toxiproxy"
}

# pid_alive FILE MARKER: the pid in FILE runs and its command line contains MARKER
# (so a pid reused after a reboot is not mistaken for ours). Only the file's first line counts
# (postmaster.pid has more). A killed, not yet reaped process (zombie) has an empty cmdline, so it
# counts as dead — kill -0 alone would say alive.
# (Output is captured, never piped into grep -q: with pipefail an early-exiting grep fails the pipe.)
pid_alive() {
  local pid="" cmdline
  [[ -s "$1" ]] || return 1
  read -r pid <"$1" || true
  [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null || return 1
  cmdline="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)" || return 1
  [[ "$cmdline" == *"$2"* ]]
}

port_busy() { [[ -n "$(ss -Hltn "sport = :$1" 2>/dev/null)" ]]; }
port_owner() { ss -Hltnp "sport = :$1" 2>/dev/null | sed -n '1s/.*users:/users:/p' || true; }

# Refuse to start a second server on a port something else holds, and say who holds it.
require_free_port() {
  local name="$1" port="$2"
  if port_busy "$port"; then
    die "$name: port $port is already taken by $(port_owner "$port") (not started by stack.sh); stop it and retry"
  fi
}

# fail_with_log NAME LOG WHY: the one error `up` ends with: which dependency, why, its log's tail.
fail_with_log() {
  printf 'stack.sh: %s %s; last lines of %s:\n' "$1" "$3" "$2" >&2
  tail -n 30 "$2" >&2 2>/dev/null || true
  exit 1
}

# run_logged NAME LOG CMD...: runs a slow first-time step (apt, Maven, go install) with its output
# in LOG; while it runs, prints one line every 15 s with the time so far and the log's last line,
# so a first run on a fresh machine shows it is alive instead of sitting silent for minutes.
run_logged() {
  local name="$1" log="$2"; shift 2
  local start=$SECONDS last=$SECONDS pid rc=0
  "$@" >>"$log" 2>&1 </dev/null &
  pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    sleep 1
    if ((SECONDS - last >= 15)); then
      last=$SECONDS
      say "$name: still working ($((SECONDS - start)) s): $(tail -n 1 "$log" 2>/dev/null | cut -c1-100)"
    fi
  done
  wait "$pid" || rc=$?
  ((rc == 0)) && say "$name: done in $((SECONDS - start)) s"
  return "$rc"
}

# wait_until NAME LOG PIDFILE MARKER CMD...: poll CMD for up to WAIT_SECS. Fails at once if the
# process behind PIDFILE (when not "-") has died, so a crash is not reported 90 s late.
wait_until() {
  local name="$1" log="$2" pidfile="$3" marker="$4"; shift 4
  local deadline=$((SECONDS + WAIT_SECS))
  until "$@" >/dev/null 2>&1; do
    if [[ "$pidfile" != - ]] && ! pid_alive "$pidfile" "$marker"; then
      fail_with_log "$name" "$log" "exited before answering"
    fi
    ((SECONDS < deadline)) || fail_with_log "$name" "$log" "did not answer within ${WAIT_SECS}s"
    sleep 1
  done
}

# Start a long-running process detached from this shell (own session, so Ctrl-C on a caller or the
# end of a CI step does not take it down) and record its real pid (bash execs into it).
spawn() {
  local pidfile="$1" log="$2"; shift 2
  rm -f "$pidfile"  # a stale one would be mistaken for the new process's
  setsid bash -c 'echo $$ >"$0"; exec "$@"' "$pidfile" "$@" >>"$log" 2>&1 </dev/null &
  local i
  for i in $(seq 1 50); do [[ -s "$pidfile" ]] && return 0; sleep 0.1; done
}

# stop_pid NAME PIDFILE MARKER: SIGTERM, wait (Kafka's controlled shutdown takes a few s), SIGKILL.
stop_pid() {
  local name="$1" pidfile="$2" marker="$3" pid i
  if ! pid_alive "$pidfile" "$marker"; then
    rm -f "$pidfile"; say "$name: not running"; return 0
  fi
  read -r pid <"$pidfile"
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 1 60); do pid_alive "$pidfile" "$marker" || break; sleep 0.5; done
  if pid_alive "$pidfile" "$marker"; then
    kill -KILL "$pid" 2>/dev/null || true
    say "$name: killed (no exit 30s after SIGTERM)"
  else
    say "$name: stopped"
  fi
  rm -f "$pidfile"
}

# initdb/postgres refuse to run as root: as root, run them (and own their files) as the postgres
# OS user that the Debian package creates; as a normal user, as that user.
as_postgres() {
  if ((EUID == 0)); then runuser -u postgres -- "$@"; else "$@"; fi
}
chown_postgres() {
  ((EUID == 0)) || return 0
  chown postgres:postgres "$@"
}

# ------------------------------------------------------------------------------------- packages

missing_packages() {
  local entry cmd
  for entry in "${APT_NEEDS[@]}"; do
    cmd="${entry%%:*}"
    command -v "$cmd" >/dev/null 2>&1 || printf '%s\n' "${entry#*:}"
  done
}

# As root: installs what is missing. Otherwise: with passwordless sudo, the same through sudo;
# without it, stops and prints the one command to run (an unattended `npm test` cannot type a
# password, and a half-installed stack is worse than a clear instruction).
ensure_packages() {
  local missing=() sudo=()
  mapfile -t missing < <(missing_packages)
  ((${#missing[@]} == 0)) && { say "packages: present"; return 0; }
  if ((EUID != 0)); then
    if ! command -v sudo >/dev/null || ! sudo -n true 2>/dev/null; then
      die "missing Debian packages: ${missing[*]}. Install them once with:
    sudo bash $HERE/stack.sh packages
then run the same command again."
    fi
    sudo=(sudo -n env DEBIAN_FRONTEND=noninteractive)  # sudo would drop the variable otherwise
  fi
  # Not in the cache: under sudo, $HOME may be the caller's, and a root-owned file there would
  # later block the caller's own `up`.
  local log="${TMPDIR:-/tmp}/system-design-lab-apt.log"
  say "packages: installing ${missing[*]} (first run, a few minutes; log: $log)"
  # noninteractive: CI has no stdin; no recommends: fewer, faster downloads; the lock timeout
  # waits for another apt/dpkg run to finish instead of failing at once.
  run_logged packages "$log" "${sudo[@]}" apt-get -o DPkg::Lock::Timeout=300 update -q ||
    fail_with_log packages "$log" "apt-get update failed"
  DEBIAN_FRONTEND=noninteractive run_logged packages "$log" "${sudo[@]}" apt-get -o DPkg::Lock::Timeout=300 \
    install -y -q --no-install-recommends "${missing[@]}" || fail_with_log packages "$log" "apt-get install failed"
}

# ------------------------------------------------------------------------------------- postgres

pg_ctl_() { as_postgres "$PG_BIN/pg_ctl" -D "$PG_DATA" "$@"; }
PG_PIDFILE="$PG_DATA/postmaster.pid"
PG_MARKER="$PG_BIN/postgres"
# Not `pg_ctl status`: it trusts kill -0, which a killed-but-unreaped postmaster still passes.
pg_running() { pid_alive "$PG_PIDFILE" "$PG_MARKER"; }
pg_ready() { "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p 5432 -t 2; }
psql_lab() { PGPASSWORD=lab "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p 5432 -U lab "$@"; }

# The cache normally sits under /root (mode 700), which the postgres user cannot enter. Grant that
# one user search (x) permission on each ancestor via an ACL, instead of opening /root to everyone.
pg_grant_traverse() {
  ((EUID == 0)) || return 0
  local dir ancestors=()
  dir="$PG_DIR"
  while dir="$(dirname "$dir")"; [[ "$dir" != / ]]; do ancestors=("$dir" "${ancestors[@]}"); done
  for dir in "${ancestors[@]}"; do  # top-down: a blocked parent hides whether a child is enterable
    runuser -u postgres -- test -x "$dir" 2>/dev/null && continue
    # fallback for file systems without ACLs: search (not read) permission for all
    setfacl -m u:postgres:x "$dir" 2>/dev/null || chmod o+x "$dir"
  done
}

pg_init() {
  [[ -f "$PG_DATA/PG_VERSION" ]] && return 0
  say "postgres: initdb (first run)"
  mkdir -p "$PG_DIR"
  chown_postgres "$PG_DIR"
  chmod 700 "$PG_DIR"
  # The server (as postgres) appends to this log later: create it with that owner now.
  touch "$PG_LOG"
  chown_postgres "$PG_LOG"
  local pwfile="$PG_DIR/.pw"
  printf 'lab\n' >"$pwfile"
  chown_postgres "$pwfile"
  # The bootstrap superuser IS lab/lab; TCP needs the password (scram), there is no local socket.
  as_postgres "$PG_BIN/initdb" -D "$PG_DATA" -U lab --pwfile="$pwfile" --auth-host=scram-sha-256 \
    --auth-local=peer -E UTF8 --locale=C.UTF-8 >>"$PG_LOG" 2>&1 ||
    { rm -f "$pwfile"; fail_with_log postgres "$PG_LOG" "initdb failed"; }
  rm -f "$pwfile"
}

# Re-applied on every start so edits to infra/local/postgres/lab.conf take effect after down/up.
pg_configure() {
  install -m 600 "$HERE/postgres/lab.conf" "$PG_DATA/lab.conf"
  chown_postgres "$PG_DATA/lab.conf"
  grep -q "^include 'lab.conf'" "$PG_DATA/postgresql.conf" ||
    printf "\ninclude 'lab.conf'\n" >>"$PG_DATA/postgresql.conf"
}

pg_databases() {
  local db
  for db in "${PG_DATABASES[@]}"; do
    [[ "$(psql_lab -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'")" == 1 ]] ||
      psql_lab -d postgres -c "CREATE DATABASE $db"
  done
}

postgres_up() {
  [[ -x "$PG_BIN/pg_ctl" ]] || die "postgres: $PG_BIN not found (postgresql-15 missing)"
  pg_grant_traverse
  pg_init
  if pg_running; then
    say "postgres: already running on 127.0.0.1:5432"
  else
    require_free_port postgres 5432
    # A postmaster.pid left by a killed server or a reboot: its pid may now belong to another
    # process, and postgres would then refuse to start ("lock file already exists").
    rm -f "$PG_PIDFILE"
    pg_configure
    pg_ctl_ -l "$PG_LOG" -w -t "$WAIT_SECS" start >>"$PG_DIR/pg_ctl.log" 2>&1 ||
      fail_with_log postgres "$PG_LOG" "did not start"
    say "postgres: started on 127.0.0.1:5432"
  fi
  wait_until postgres "$PG_LOG" "$PG_PIDFILE" "$PG_MARKER" pg_ready
  pg_databases || die "postgres: could not create databases ${PG_DATABASES[*]}"
}

postgres_down() {
  if pg_running; then
    pg_ctl_ -m fast -w -t 60 stop >/dev/null && say "postgres: stopped"
  else
    say "postgres: not running"
  fi
}

# ---------------------------------------------------------------------------------------- redis

redis_ready() { [[ "$(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null)" == PONG ]]; }

redis_up() {
  mkdir -p "$REDIS_DIR"
  if pid_alive "$REDIS_DIR/redis.pid" redis-server; then
    say "redis: already running on 127.0.0.1:6379"
  else
    require_free_port redis 6379
    redis-server "$HERE/redis/redis.conf" --dir "$REDIS_DIR" --pidfile "$REDIS_DIR/redis.pid" \
      --logfile "$REDIS_DIR/redis.log" </dev/null >>"$REDIS_DIR/redis.log" 2>&1 ||
      fail_with_log redis "$REDIS_DIR/redis.log" "did not start"
    say "redis: started on 127.0.0.1:6379"
  fi
  wait_until redis "$REDIS_DIR/redis.log" - - redis_ready
}

redis_down() { stop_pid redis "$REDIS_DIR/redis.pid" redis-server; }

# ---------------------------------------------------------------------------------------- kafka

kafka_fetch() {
  [[ -f "$KAFKA_LIBS/.complete" ]] && return 0
  say "kafka: fetching Apache Kafka $KAFKA_VERSION jars with Maven (first run, about a minute)"
  mkdir -p "$KAFKA_LIBS"
  # -B: no colours for CI logs; the local repository stays inside the cache too. Not -q: the
  # download lines are the progress run_logged shows.
  if ! run_logged kafka "$KAFKA_HOME/maven.log" mvn -B -Dstyle.color=never -f "$HERE/kafka/pom.xml" dependency:copy-dependencies \
    -Dmaven.repo.local="$CACHE/maven-repo" -Dlab.kafka.libs="$KAFKA_LIBS"; then
    fail_with_log kafka "$KAFKA_HOME/maven.log" "maven could not fetch kafka_2.13:$KAFKA_VERSION"
  fi
  touch "$KAFKA_LIBS/.complete"
}

kafka_java() { "${KAFKA_JAVA[@]}" "$@"; }

# The broker reads a copy of the checked-in config with this broker's data dir and ports appended
# (Java properties: the last value of a key wins).
kafka_config() {
  {
    cat "$HERE/kafka/server.properties"
    printf '\nlog.dirs=%s\n' "$KAFKA_DATA"
    printf 'listeners=PLAINTEXT://127.0.0.1:%s,CONTROLLER://127.0.0.1:%s,LAB://127.0.0.1:%s\n' \
      "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT" "$KAFKA_LAB_PORT"
    printf 'advertised.listeners=PLAINTEXT://127.0.0.1:%s,LAB://127.0.0.1:%s\n' "$KAFKA_PORT" "$KAFKA_PROXIED_PORT"
    printf 'controller.quorum.voters=1@127.0.0.1:%s\n' "$KAFKA_CONTROLLER_PORT"
  } >"$KAFKA_DIR/server.properties"
}

# What `kafka-storage.sh random-uuid` prints (16 random bytes, URL-safe base64, no padding, not
# starting with '-'), without starting a JVM for it: kafka-reset runs on every CI run.
kafka_cluster_id() {
  local id
  until [[ -n "${id:-}" && "$id" != -* ]]; do
    id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"
  done
  printf '%s\n' "$id"
}

# KRaft storage must be formatted once with a cluster id before the first start.
kafka_format() {
  [[ -f "$KAFKA_DATA/meta.properties" ]] && return 0
  [[ -s "$KAFKA_DIR/cluster.id" ]] || kafka_cluster_id >"$KAFKA_DIR/cluster.id"
  kafka_java kafka.tools.StorageTool format -t "$(cat "$KAFKA_DIR/cluster.id")" \
    -c "$KAFKA_DIR/server.properties" --ignore-formatted >>"$KAFKA_LOGS/format.log" 2>&1 ||
    fail_with_log kafka "$KAFKA_LOGS/format.log" "storage format failed"
}

# Ready = the broker says it started AND answers a metadata request on its port.
kafka_answers() {
  local meta
  meta="$(timeout 6 kcat -L -b "127.0.0.1:$KAFKA_PORT" -m 3 2>/dev/null)" &&
    [[ "$meta" == *"broker 1 at 127.0.0.1:$KAFKA_PORT"* ]]
}
kafka_ready() { grep -qs 'Kafka Server started' "$KAFKA_LOGS/server.log" && kafka_answers; }

kafka_up() {
  mkdir -p "$KAFKA_DIR" "$KAFKA_LOGS"
  kafka_fetch
  if pid_alive "$KAFKA_DIR/kafka.pid" kafka.Kafka; then
    say "kafka: already running on 127.0.0.1:$KAFKA_PORT ($KAFKA_VERSION)"
    wait_until kafka "$KAFKA_LOGS/server.log" "$KAFKA_DIR/kafka.pid" kafka.Kafka kafka_answers
    return 0
  fi
  require_free_port kafka "$KAFKA_PORT"
  require_free_port kafka-controller "$KAFKA_CONTROLLER_PORT"
  require_free_port kafka-lab-listener "$KAFKA_LAB_PORT"
  kafka_config
  kafka_format
  # The ready check reads server.log: start from a fresh file so an old "started" line can't match.
  [[ -f "$KAFKA_LOGS/server.log" ]] && mv -f "$KAFKA_LOGS/server.log" "$KAFKA_LOGS/server.log.prev"
  spawn "$KAFKA_DIR/kafka.pid" "$KAFKA_LOGS/kafka.out" "${KAFKA_JAVA[@]}" kafka.Kafka "$KAFKA_DIR/server.properties"
  wait_until kafka "$KAFKA_LOGS/server.log" "$KAFKA_DIR/kafka.pid" kafka.Kafka kafka_ready
  say "kafka: started on 127.0.0.1:$KAFKA_PORT (Apache Kafka $KAFKA_VERSION, KRaft)"
}

kafka_down() { stop_pid kafka "$KAFKA_DIR/kafka.pid" kafka.Kafka; }

# A broker formatted moments ago, as on a fresh machine: stop ours, delete its data and cluster id,
# format, start. CI runs this before the suite so every run meets a fresh broker's behaviour (it
# briefly refuses topics it has just created); the jars stay cached, so it costs seconds.
cmd_kafka_reset() {
  local start=$SECONDS
  mkdir -p "$CACHE"
  ensure_packages
  kafka_down
  rm -rf "$KAFKA_DATA" "$KAFKA_DIR/cluster.id"
  kafka_up
  say "kafka-reset: a freshly formatted broker answers on 127.0.0.1:$KAFKA_PORT ($((SECONDS - start))s)"
}

# ------------------------------------------------------------------------------------ toxiproxy

toxiproxy_install() {
  [[ -x "$TOXIPROXY_BIN" ]] && return 0
  say "toxiproxy: building $TOXIPROXY_VERSION with go install (first run, about a minute)"
  local go gobin; go="$(find_go)"
  gobin="$(dirname "$TOXIPROXY_BIN")/gobin"
  mkdir -p "$CACHE/go" "$gobin"
  # Since v2.1 the server's package is cmd/server (binary "server"): install it, then rename.
  # GOPATH/GOCACHE in the cache too, so nothing lands in ~/go; GOFLAGS replaced so a caller's
  # -mod=vendor cannot break it, and -modcacherw keeps the module cache deletable by `rm -rf`
  # (reset = delete the cache dir, also for non-root users); CGO off: no C compiler needed;
  # -X sets the version /version reports (upstream's release build does the same).
  if ! GOBIN="$gobin" GOPATH="$CACHE/go" GOCACHE="$CACHE/go/build-cache" GOFLAGS=-modcacherw CGO_ENABLED=0 \
    run_logged toxiproxy "$CACHE/toxiproxy/go-install.log" "$go" install -v -ldflags "-s -w -X github.com/Shopify/toxiproxy/v2.Version=${TOXIPROXY_VERSION#v}" \
    "github.com/Shopify/toxiproxy/v2/cmd/server@$TOXIPROXY_VERSION"; then
    fail_with_log toxiproxy "$CACHE/toxiproxy/go-install.log" "go install failed"
  fi
  mv -f "$gobin/server" "$TOXIPROXY_BIN"
  rmdir "$gobin"
  rm -rf "$CACHE/go/build-cache"  # ~200 MB of compiler output, useless once the binary exists
}

toxiproxy_ready() { curl -fsS -m 2 http://127.0.0.1:8474/version >/dev/null; }

toxiproxy_up() {
  mkdir -p "$CACHE/toxiproxy"
  toxiproxy_install
  if pid_alive "$CACHE/toxiproxy/toxiproxy.pid" toxiproxy-server; then
    say "toxiproxy: already running on 127.0.0.1:8474"
  else
    require_free_port toxiproxy 8474
    spawn "$CACHE/toxiproxy/toxiproxy.pid" "$TOXIPROXY_LOG" "$TOXIPROXY_BIN" -host 127.0.0.1 -port 8474
    say "toxiproxy: started on 127.0.0.1:8474 ($TOXIPROXY_VERSION)"
  fi
  wait_until toxiproxy "$TOXIPROXY_LOG" "$CACHE/toxiproxy/toxiproxy.pid" toxiproxy-server toxiproxy_ready
}

toxiproxy_down() { stop_pid toxiproxy "$CACHE/toxiproxy/toxiproxy.pid" toxiproxy-server; }

# ------------------------------------------------------------------------------------- commands

write_env_file() {
  local file; file="$(env_file)"
  mkdir -p "$(dirname "$file")"
  cat >"$file" <<EOF
DATABASE_URL=postgres://lab:lab@127.0.0.1:5432/postgres
REDIS_URL=redis://127.0.0.1:6379
KAFKA_BROKERS=127.0.0.1:$KAFKA_PORT
TOXIPROXY_URL=http://127.0.0.1:8474
KAFKA_LAB_LISTENER=127.0.0.1:$KAFKA_LAB_PORT
KAFKA_LAB_ADVERTISED=127.0.0.1:$KAFKA_PROXIED_PORT
EOF
  say "env: wrote $file"
}

cmd_up() {
  local start=$SECONDS
  mkdir -p "$CACHE"
  ensure_packages
  postgres_up
  redis_up
  kafka_up
  toxiproxy_up
  write_env_file
  say "up: all dependencies answer ($((SECONDS - start))s; cache $CACHE)"
}

status_line() { printf '%-11s %-15s %s\n' "$@"; }

cmd_status() {
  local ok=0 name addr check
  for entry in "postgres 127.0.0.1:5432 pg_ready" "redis 127.0.0.1:6379 redis_ready" \
    "kafka 127.0.0.1:$KAFKA_PORT kafka_answers" "toxiproxy 127.0.0.1:8474 toxiproxy_ready"; do
    read -r name addr check <<<"$entry"
    if "$check" >/dev/null 2>&1; then status_line "$name" "$addr" up; else status_line "$name" "$addr" down; ok=1; fi
  done
  for entry in "haproxy 127.0.0.1:8080 haproxy" "prometheus 127.0.0.1:9090 prometheus" "kcat - kcat"; do
    read -r name addr check <<<"$entry"
    local state=down installed=missing
    command -v "$check" >/dev/null 2>&1 && installed=installed
    [[ "$addr" == - ]] && state=- || { port_busy "${addr##*:}" && state=up; }
    status_line "$name" "$addr" "$state $installed"
  done
  return "$ok"
}

cmd_down() {
  kafka_down    # first: its controlled shutdown is the slowest and needs nothing else
  toxiproxy_down
  redis_down
  postgres_down
  rm -f "$(env_file)"
  say "down: stopped (data kept in $CACHE; delete it to reset)"
}

main() {
  case "${1:-}" in
    up) cmd_up ;;
    status) cmd_status ;;
    down) cmd_down ;;
    kafka-reset) cmd_kafka_reset ;;
    kafka-down) kafka_down ;;
    packages) ensure_packages ;;
    *) die "usage: bash infra/local/stack.sh up|status|down|kafka-reset|kafka-down|packages" ;;
  esac
}

main "$@"
