#!/usr/bin/env bash
# CPU of the whole workstation process while the sim venue streams RATE
# messages/s and the UI draws at FPS, in a detached tmux terminal of
# 200x60; also prints the first-frame time the process logged.
#
#   bash benches/ui_cpu.sh [RATE] [FPS] [SECONDS] [RUNS] [inprocess|external]
#
# inprocess (default): the sim venue runs inside the workstation process, so
# its cost is counted too. external: the venue runs as `tickdesk sim-exchange`
# in its own process and only the workstation is measured.
# Prints one JSON line per run and the median. Needs tmux and a release build.
set -euo pipefail
cd "$(dirname "$0")/.."
RATE=${1:-10000}; FPS=${2:-30}; SECS=${3:-20}; RUNS=${4:-3}; VENUE=${5:-inprocess}
BIN=target/release/tickdesk
[ -x "$BIN" ] || cargo build --release --quiet
TICK=$(getconf CLK_TCK)
results=()
for run in $(seq 1 "$RUNS"); do
    dir=$(mktemp -d)
    printf '[log]\ndir = "%s/logs"\n' "$dir" > "$dir/cpu.toml"
    sock="tickdesk-cpu-$$-$run"
    args=""
    if [ "$VENUE" = external ]; then
        TICKDESK_SYNTHETIC__RATE=$RATE "$BIN" --config "$dir/cpu.toml" sim-exchange --listen 127.0.0.1:0 > "$dir/venue.out" &
        venue_pid=$!
        for _ in $(seq 1 100); do grep -q listening "$dir/venue.out" 2>/dev/null && break; sleep 0.1; done
        rest=$(grep -o 'rest [^ ]*' "$dir/venue.out" | cut -d' ' -f2)
        ws=$(grep -o 'ws [^ ]*' "$dir/venue.out" | cut -d' ' -f2)
        args="--venue binance --ws-url $ws --rest-url $rest --symbols btcusdt,ethusdt,solusdt,dogeusdt"
    fi
    tmux -L "$sock" new-session -d -s cpu -x 200 -y 60 \
        "TICKDESK_SYNTHETIC__RATE=$RATE exec $PWD/$BIN --config $dir/cpu.toml --fps $FPS $args"
    pid=""
    for _ in $(seq 1 100); do
        pid=$(tmux -L "$sock" display-message -p -t cpu '#{pane_pid}' 2>/dev/null || true)
        [ -n "$pid" ] && [ -r "/proc/$pid/stat" ] && break
        sleep 0.1
    done
    sleep 5 # warm-up: backfill, connection, first candles
    t0=$(awk '{print $14+$15}' "/proc/$pid/stat"); s0=$(date +%s.%N)
    sleep "$SECS"
    t1=$(awk '{print $14+$15}' "/proc/$pid/stat"); s1=$(date +%s.%N)
    first=$(grep -ho 'first frame on screen [0-9]* ms' "$dir"/logs/* | grep -o '[0-9]*' | head -1 || echo null)
    msgs=$(tmux -L "$sock" capture-pane -p -t cpu | head -1 | grep -o '[0-9]* msg/s' || true)
    tmux -L "$sock" send-keys -t cpu q
    sleep 1
    tmux -L "$sock" kill-server 2>/dev/null || true
    if [ "$VENUE" = external ]; then kill "$venue_pid" 2>/dev/null || true; wait "$venue_pid" 2>/dev/null || true; fi
    pct=$(echo "$t0 $t1 $s0 $s1 $TICK" | awk '{printf "%.1f", ($2-$1)/$5/($4-$3)*100}')
    echo "{\"venue\":\"$VENUE\",\"run\":$run,\"rate\":$RATE,\"fps\":$FPS,\"seconds\":$SECS,\"cpu_percent_of_one_core\":$pct,\"first_frame_ms\":$first,\"status_bar\":\"$msgs\"}"
    results+=("$pct")
    rm -rf "$dir"
done
printf '%s\n' "${results[@]}" | sort -n | awk '{a[NR]=$1} END {print "median cpu % of one core: " a[int((NR+1)/2)]}'
