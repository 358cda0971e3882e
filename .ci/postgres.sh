#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests that need one (watch/sqlstore).
#
#   .ci/postgres.sh start DIR   start a cluster in the new or empty directory
#                               DIR and print its DSN on stdout
#   .ci/postgres.sh stop DIR    stop that cluster and remove DIR
#
# Run as root (it installs Debian's postgresql when initdb is missing and runs
# the server as the postgres user) or as any user who can run initdb. The
# server listens on a free loopback port and on a socket inside DIR; it is
# tuned for tests (no fsync), never for data anyone keeps. Local use:
#
#   dir=$(mktemp -d)
#   export MINAARENDEN_TEST_POSTGRES=$(.ci/postgres.sh start "$dir")
#   go test ./watch/...
#   .ci/postgres.sh stop "$dir"
set -euo pipefail

usage() { echo "usage: $0 start|stop DIR" >&2; exit 2; }
[ $# -eq 2 ] || usage
cmd=$1
dir=$2

# as runs a command as the cluster's owner: postgres when we are root (the
# server refuses to run as root), else ourselves.
as() {
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

bindir() {
	local initdb
	initdb=$(ls -d /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n 1 || true)
	[ -n "$initdb" ] && dirname "$initdb"
}

case $cmd in
start)
	if [ -z "$(bindir)" ]; then
		echo "postgres.sh: installing Debian's postgresql" >&2
		SUDO=""
		[ "$(id -u)" -ne 0 ] && SUDO="sudo"
		$SUDO apt-get update -qq >&2
		DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends postgresql >&2
	fi
	bin=$(bindir)
	if [ -z "$bin" ]; then
		echo "postgres.sh: no /usr/lib/postgresql/*/bin/initdb, even after installing postgresql" >&2
		exit 1
	fi
	mkdir -p "$dir"
	if [ -n "$(ls -A "$dir")" ]; then
		echo "postgres.sh: $dir is not empty; give a new directory" >&2
		exit 1
	fi
	[ "$(id -u)" -eq 0 ] && chown postgres: "$dir"
	chmod 700 "$dir"

	as "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C >"$dir/initdb.log" 2>&1 || {
		cat "$dir/initdb.log" >&2
		exit 1
	}
	# A free port: pick one nothing answers on; a race with another program
	# makes pg_ctl fail, and we try another.
	started=""
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		port=$((20000 + RANDOM % 40000))
		if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
			continue
		fi
		opts="-c listen_addresses=127.0.0.1 -p $port -k $dir -c max_connections=300"
		opts="$opts -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
		if as "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 -o "$opts" start >/dev/null 2>&1; then
			started=$port
			break
		fi
	done
	if [ -z "$started" ]; then
		echo "postgres.sh: the server did not start; its log:" >&2
		cat "$dir/server.log" >&2 || true
		exit 1
	fi
	as "$bin/createdb" -h "$dir" -p "$started" -U postgres minaarenden >&2
	echo "postgres://postgres@127.0.0.1:$started/minaarenden?sslmode=disable"
	;;
stop)
	bin=$(bindir)
	if [ -n "$bin" ] && [ -f "$dir/data/postmaster.pid" ]; then
		as "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
	fi
	rm -rf "$dir"
	;;
*)
	usage
	;;
esac
