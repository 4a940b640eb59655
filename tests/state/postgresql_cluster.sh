#!/usr/bin/env bash
# Starts or stops a throwaway PostgreSQL cluster on 127.0.0.1 for the store tests.
# SPDX-License-Identifier: MIT
#
#   postgresql_cluster.sh start DIR   # initdb in a temp dir, start on a free port, write DIR/url
#   postgresql_cluster.sh stop DIR    # stop the server, remove the temp dir and DIR/url
#
# The cluster lives in a fresh directory under ${TMPDIR:-/tmp} (its path in DIR/cluster), so
# that the server's user needs no access to the build tree.
# PostgreSQL refuses to run as root: as root the cluster belongs to the `postgres` user (from
# Debian's postgresql package) through runuser; otherwise to the caller. Nothing is installed
# here (tools/deps.sh lists postgresql).
set -euo pipefail

action=${1:?start or stop}
dir=${2:?directory}

bindir=""
for d in /usr/lib/postgresql/*/bin; do
    [[ -x "$d/initdb" ]] && bindir=$d
done
if [[ -z "$bindir" ]]; then
    echo "postgresql_cluster: no initdb under /usr/lib/postgresql/*/bin (Debian: postgresql)" >&2
    exit 1
fi

as_owner() {
    if [[ "$(id -u)" == 0 ]]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

stop_cluster() {
    [[ -f "$dir/cluster" ]] || return 0
    local cluster
    cluster="$(cat "$dir/cluster")"
    if [[ -f "$cluster/data/postmaster.pid" ]]; then
        as_owner "$bindir/pg_ctl" -D "$cluster/data" -m fast -w -t 30 stop >/dev/null ||
            as_owner "$bindir/pg_ctl" -D "$cluster/data" -m immediate stop >/dev/null || true
    fi
    case "$cluster" in
    */mplus-webhooks-pg.*) rm -rf "$cluster" ;;
    esac
    rm -f "$dir/cluster" "$dir/url"
}

case "$action" in
start)
    mkdir -p "$dir"
    stop_cluster
    cluster="$(mktemp -d "${TMPDIR:-/tmp}/mplus-webhooks-pg.XXXXXX")"
    echo "$cluster" >"$dir/cluster"
    if [[ "$(id -u)" == 0 ]]; then
        chown postgres: "$cluster"
    fi
    as_owner "$bindir/initdb" -D "$cluster/data" -U mplus -A trust --no-sync -E UTF8 \
        >"$dir/initdb.log" 2>&1 || {
        cat "$dir/initdb.log" >&2
        exit 1
    }
    # A free port: try a few random ones; a port taken between the check and the start makes
    # pg_ctl fail, and the next one is tried.
    for _ in 1 2 3 4 5 6 7 8; do
        port=$((20000 + RANDOM % 30000))
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            continue # something listens there
        fi
        if as_owner "$bindir/pg_ctl" -D "$cluster/data" -l "$cluster/server.log" -w -t 30 \
            -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories='$cluster' -c fsync=off" \
            start >/dev/null; then
            echo "postgresql://mplus@127.0.0.1:$port/postgres" >"$dir/url.tmp"
            mv "$dir/url.tmp" "$dir/url"
            echo "postgresql_cluster: started on 127.0.0.1:$port ($cluster)"
            exit 0
        fi
    done
    cat "$cluster/server.log" >&2 || true
    echo "postgresql_cluster: could not start the server" >&2
    exit 1
    ;;
stop)
    stop_cluster
    echo "postgresql_cluster: stopped ($dir)"
    ;;
*)
    echo "postgresql_cluster: unknown action $action" >&2
    exit 2
    ;;
esac
