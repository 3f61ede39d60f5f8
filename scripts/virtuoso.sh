#!/usr/bin/env bash
# Start, wait for, stop or kill a throwaway Virtuoso Open Source 7 server on loopback, with its database
# in a folder of your choice. Installs nothing (scripts/install_virtuoso.sh does that) and never touches
# the system database in /var/lib/virtuoso-opensource-7.
#
#   scripts/virtuoso.sh start  DIR [HTTP_PORT [SQL_PORT]]   # default ports 8890 and 1111; prints the HTTP base URL
#   scripts/virtuoso.sh wait   DIR [SECONDS]                # until /sparql answers (default 60 s)
#   scripts/virtuoso.sh status DIR                          # exit 0 if it is running
#   scripts/virtuoso.sh stop   DIR                          # clean shutdown (SIGTERM: checkpoint, then exit)
#   scripts/virtuoso.sh kill   DIR                          # SIGKILL, for fault-injection tests
#
# DIR gets virtuoso.ini (a copy of the packaged one with the database, temp database and log in DIR/db,
# both ports bound to 127.0.0.1 only, ResultSetMaxRows raised from 10,000 to 1,000,000 so that results
# are not silently truncated, and MaxQueryCostEstimationTime 0, i.e. no limit: on a new database without
# statistics Virtuoso overestimates and refuses small queries), virtuoso.pid and virtuoso.out. A new
# database is created on first start with the account dba / dba: it is reachable from this machine only;
# do not use it for anything else.
# A restart on the same DIR reuses the database (Virtuoso replays its transaction log after a kill).
#
# Environment: VIRTUOSO_BIN (virtuoso-t), VIRTUOSO_INI (the template, /etc/virtuoso-opensource-7/virtuoso.ini).
set -euo pipefail

usage() { sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
[ $# -ge 2 ] || usage
command=$1
dir=$(mkdir -p "$2" && cd "$2" && pwd)
bin=${VIRTUOSO_BIN:-virtuoso-t}
template=${VIRTUOSO_INI:-/etc/virtuoso-opensource-7/virtuoso.ini}
pidfile=$dir/virtuoso.pid

running() { [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }
http_port() { awk -F'= *' '/^\[HTTPServer\]/{s=1;next} /^\[/{s=0} s && /^ServerPort/{split($2,a,":"); print a[2]; exit}' "$dir/virtuoso.ini"; }

wait_ready() {
  local seconds=${1:-60} url deadline
  url="http://127.0.0.1:$(http_port)/sparql?query=ASK%7B%7D"
  deadline=$((SECONDS + seconds))
  while [ $SECONDS -lt $deadline ]; do
    if ! running; then
      echo "virtuoso.sh: the server exited; see $dir/virtuoso.out and $dir/db/virtuoso.log" >&2
      tail -n 5 "$dir/virtuoso.out" "$dir/db/virtuoso.log" >&2 2>/dev/null || true
      return 1
    fi
    if [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$url" || true)" = 200 ]; then
      return 0
    fi
    sleep 0.2
  done
  echo "virtuoso.sh: no answer from $url after $seconds s; see $dir/virtuoso.out" >&2
  return 1
}

case $command in
  start)
    http=${3:-8890}
    sql=${4:-1111}
    command -v "$bin" >/dev/null || { echo "virtuoso.sh: $bin not found; run scripts/install_virtuoso.sh (as root)" >&2; exit 3; }
    [ -r "$template" ] || { echo "virtuoso.sh: $template not found; run scripts/install_virtuoso.sh (as root)" >&2; exit 3; }
    if running; then echo "virtuoso.sh: already running in $dir (pid $(cat "$pidfile"))" >&2; exit 1; fi
    mkdir -p "$dir/db"
    rm -f "$pidfile"
    awk -v db="$dir/db" -v http="$http" -v sql="$sql" '
      /^\[/ { section = $0 }
      { gsub("/var/lib/virtuoso-opensource-7/db", db) }
      section == "[Parameters]" && /^ServerPort/ { print "ServerPort               = 127.0.0.1:" sql; next }
      section == "[HTTPServer]" && /^ServerPort/ { print "ServerPort                  = 127.0.0.1:" http; next }
      section == "[URIQA]" && /^DefaultHost/ { print "DefaultHost  = 127.0.0.1:" http; next }
      section == "[SPARQL]" && /^ResultSetMaxRows/ { print "ResultSetMaxRows           = 1000000"; next }
      section == "[SPARQL]" && /^MaxQueryCostEstimationTime/ { print "MaxQueryCostEstimationTime = 0"; next }
      { print }
    ' "$template" > "$dir/virtuoso.ini"
    # +foreground keeps the server in the process we start. A detached subshell becomes a new session's bash, which writes its pid, closes every inherited
    # descriptor but 0-2 (else a caller reading our output through a pipe would wait for the server to
    # exit) and becomes the server: the pid file names the server, and nothing of ours stays behind.
    (
      cd "$dir/db" || exit 1
      exec setsid bash -c '
        echo $$ > "$1"; shift
        for fd in /proc/$$/fd/*; do fd=${fd##*/}; [ "$fd" -gt 2 ] && eval "exec $fd>&-"; done 2>/dev/null
        exec "$@"' virtuoso "$pidfile" "$bin" +foreground +configfile "$dir/virtuoso.ini"
    ) > "$dir/virtuoso.out" 2>&1 < /dev/null &
    for _ in $(seq 1 50); do [ -s "$pidfile" ] && break; sleep 0.1; done
    wait_ready 60
    echo "http://127.0.0.1:$http"
    ;;
  wait)
    wait_ready "${3:-60}"
    ;;
  status)
    running
    ;;
  stop|kill)
    running || exit 0
    pid=$(cat "$pidfile")
    if [ "$command" = kill ]; then kill -KILL "$pid"; else kill -TERM "$pid"; fi
    for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    if kill -0 "$pid" 2>/dev/null; then
      echo "virtuoso.sh: pid $pid did not stop within 30 s; killing it" >&2
      kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$pidfile"
    ;;
  *)
    usage
    ;;
esac
