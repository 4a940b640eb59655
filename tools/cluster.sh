#!/usr/bin/env bash
# The demo on many instances: PostgreSQL, three mplus-demo-middleware instances on it and
# HAProxy in front (round robin), all on 127.0.0.1; started and stopped by one command.
# SPDX-License-Identifier: MIT
#
#   bash tools/cluster.sh start [DIR]   # prints the balancer's URL; state and logs in DIR
#   bash tools/cluster.sh stop [DIR]    # stops HAProxy, the instances and PostgreSQL
#   bash tools/cluster.sh status [DIR]  # what runs
#
# DIR defaults to ./mplus-cluster. After `start`:
#   DIR/url               the balancer: POST $(cat DIR/url)/webhooks/<event>
#   DIR/instance-N.url    instance N (1..3) directly, e.g. its /metrics
#   DIR/instance-N.pid    its process id; DIR/instance-N.log its output
#   DIR/pg/url            the PostgreSQL URL the instances share (--store)
#   DIR/haproxy.cfg, DIR/haproxy.pid, DIR/haproxy.log
#
# Environment:
#   MPLUS_DEMO_SERVER       mplus-demo-middleware built with PostgreSQL (default: build it
#                           in build/demo, as tools/demo.sh does)
#   MPLUS_CLUSTER_SECRET    the webhook secret (default: the protocol's test secret)
#   MPLUS_CLUSTER_INSTANCES number of instances (default 3)
#   MPLUS_CLUSTER_NOW       passed as --now (fixed clock), e.g. 2024-05-01T10:15:00+02:00
#   MPLUS_CLUSTER_HOLD_TTL  passed as --hold-ttl SECONDS
#   MPLUS_CLUSTER_DEDUPE=1  passes --dedupe
#
# Needs Debian's postgresql (initdb, pg_ctl; as root the cluster runs as user postgres) and
# haproxy. Nothing listens on another address than 127.0.0.1.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
action=${1:-}
dir=${2:-./mplus-cluster}
instances=${MPLUS_CLUSTER_INSTANCES:-3}
secret=${MPLUS_CLUSTER_SECRET:-eFc5HrxwLbONJ+EYXrbHB+a9HueYIQzotgKRLRVAfx0=}

usage() {
    echo "usage: $0 start|stop|status [DIR]" >&2
    exit 2
}

say() { printf 'cluster: %s\n' "$*"; }

# A TCP port on 127.0.0.1 that nothing listens on now.
free_port() {
    local port
    for _ in $(seq 1 50); do
        port=$((20000 + RANDOM % 30000))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            echo "$port"
            return 0
        fi
    done
    return 1
}

# Waits up to 15 s for "listening on URL" in log $1 of process $2; prints the URL.
wait_listening() {
    local log=$1 pid=$2 line
    for _ in $(seq 1 150); do
        if line="$(grep -m1 '^listening on ' "$log" 2>/dev/null)"; then
            echo "${line#listening on }"
            return 0
        fi
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    return 1
}

stop_pid_file() {
    local file=$1 pid
    [[ -f "$file" ]] || return 0
    pid="$(cat "$file")"
    if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 1 50); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$file"
}

stop_all() {
    stop_pid_file "$dir/haproxy.pid"
    for pidfile in "$dir"/instance-*.pid; do
        [[ -e "$pidfile" ]] && stop_pid_file "$pidfile"
    done
    if [[ -d "$dir/pg" ]]; then
        bash "$root/tests/state/postgresql_cluster.sh" stop "$dir/pg" >/dev/null || true
    fi
    rm -f "$dir/url" "$dir"/instance-*.url
}

find_server() {
    if [[ -n "${MPLUS_DEMO_SERVER:-}" ]]; then
        echo "$MPLUS_DEMO_SERVER"
        return
    fi
    local build="$root/build/demo"
    say "building mplus-demo-middleware in $build" >&2
    cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
        -DMPLUS_WEBHOOKS_BUILD_TOOLS=ON -DMPLUS_WEBHOOKS_BUILD_TESTS=OFF \
        -DMPLUS_WEBHOOKS_BUILD_EXAMPLES=ON -DMPLUS_WEBHOOKS_BUILD_BENCH=OFF >&2
    cmake --build "$build" --parallel "${MPLUS_WEBHOOKS_JOBS:-2}" \
        --target mplus-demo-middleware mplus-webhooks >&2
    echo "$build/examples/demo_middleware/mplus-demo-middleware"
}

start_all() {
    local haproxy server pg_url
    haproxy="$(command -v haproxy || true)"
    [[ -z "$haproxy" && -x /usr/sbin/haproxy ]] && haproxy=/usr/sbin/haproxy
    if [[ -z "$haproxy" ]]; then
        echo "cluster: haproxy not found (Debian: haproxy)" >&2
        exit 1
    fi
    server="$(find_server)"
    [[ -x "$server" ]] || {
        echo "cluster: no mplus-demo-middleware at $server" >&2
        exit 1
    }
    mkdir -p "$dir"
    dir="$(cd "$dir" && pwd)"
    stop_all # what an earlier start left

    bash "$root/tests/state/postgresql_cluster.sh" start "$dir/pg"
    pg_url="$(cat "$dir/pg/url")"

    local -a extra=()
    [[ -n "${MPLUS_CLUSTER_NOW:-}" ]] && extra+=(--now "$MPLUS_CLUSTER_NOW")
    [[ -n "${MPLUS_CLUSTER_HOLD_TTL:-}" ]] && extra+=(--hold-ttl "$MPLUS_CLUSTER_HOLD_TTL")
    [[ "${MPLUS_CLUSTER_DEDUPE:-0}" == 1 ]] && extra+=(--dedupe)
    local -a backends=()
    for n in $(seq 1 "$instances"); do
        local log="$dir/instance-$n.log" pid url
        # setsid: the instance is not in the caller's process group, so a terminal's Ctrl-C
        # does not reach it; stop ends it.
        setsid "$server" --port 0 --secret "$secret" --store "$pg_url" "${extra[@]}" \
            >"$log" 2>&1 </dev/null &
        pid=$!
        echo "$pid" >"$dir/instance-$n.pid"
        if ! url="$(wait_listening "$log" "$pid")"; then
            echo "cluster: instance $n did not start:" >&2
            cat "$log" >&2
            stop_all
            exit 1
        fi
        echo "$url" >"$dir/instance-$n.url"
        backends+=("    server demo$n ${url#http://} check inter 500ms fall 2 rise 2")
        say "instance $n: $url (pid $pid)"
    done

    local port
    port="$(free_port)"
    # Long polls are held up to 25 s: the timeouts leave room for them. A request whose
    # server is gone (connection refused) is retried on another one; health checks on
    # /metrics take a dead instance out within a second.
    {
        echo "global"
        echo "    log stdout format raw local0 info"
        echo "    maxconn 2048"
        echo "defaults"
        echo "    mode http"
        echo "    log global"
        echo "    option httplog"
        echo "    option dontlognull"
        echo "    option redispatch"
        echo "    retries 3"
        echo "    timeout connect 2s"
        echo "    timeout client 70s"
        echo "    timeout server 70s"
        echo "    timeout http-request 10s"
        echo "frontend webhooks"
        echo "    bind 127.0.0.1:$port"
        echo "    default_backend demo"
        echo "backend demo"
        echo "    balance roundrobin"
        echo "    option httpchk GET /metrics"
        printf '%s\n' "${backends[@]}"
    } >"$dir/haproxy.cfg"
    "$haproxy" -c -q -f "$dir/haproxy.cfg"
    setsid "$haproxy" -db -f "$dir/haproxy.cfg" >"$dir/haproxy.log" 2>&1 </dev/null &
    echo "$!" >"$dir/haproxy.pid"
    for _ in $(seq 1 100); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            echo "http://127.0.0.1:$port" >"$dir/url"
            say "HAProxy: http://127.0.0.1:$port (round robin over $instances instances)"
            say "store: $pg_url"
            say "webhook URL for the till: http://127.0.0.1:$port/webhooks"
            say "stop with: bash tools/cluster.sh stop $dir"
            return 0
        fi
        kill -0 "$(cat "$dir/haproxy.pid")" 2>/dev/null || break
        sleep 0.1
    done
    echo "cluster: HAProxy did not start:" >&2
    cat "$dir/haproxy.log" >&2
    stop_all
    exit 1
}

status_all() {
    local any=0
    for f in "$dir"/instance-*.pid "$dir/haproxy.pid"; do
        [[ -e "$f" ]] || continue
        any=1
        if kill -0 "$(cat "$f")" 2>/dev/null; then
            echo "$(basename "$f" .pid): running (pid $(cat "$f"))"
        else
            echo "$(basename "$f" .pid): gone"
        fi
    done
    [[ -f "$dir/pg/url" ]] && echo "postgresql: $(cat "$dir/pg/url")"
    [[ -f "$dir/url" ]] && echo "balancer: $(cat "$dir/url")"
    ((any)) || echo "nothing started in $dir"
}

case "$action" in
start) start_all ;;
stop)
    stop_all
    say "stopped ($dir)"
    ;;
status) status_all ;;
*) usage ;;
esac
