# broker.sh - the private rabbitmq-server of the AMQP tests, sourced by
# run-amqp.sh and run-reverse.sh: found where Debian installs it, started on
# loopback with its own node name, ports, Mnesia and log folders under the
# test's temporary folder (no plugins, the default guest user), stopped
# again whatever happens. Every wait is bounded.
#
#   find_rabbit            prints the folder of rabbitmq-server, or nothing
#   free_port              prints a free TCP port on 127.0.0.1
#   broker_setup TMP       the broker's environment; sets amqp_port, node, url
#   start_broker           starts it and waits until it runs; 1 when it does not
#   stop_broker            stops it (rabbitmqctl stop, then kill -9)
#   broker_cleanup         stops it and its epmd

find_rabbit() {
    for folder in /usr/lib/rabbitmq/bin /usr/local/lib/rabbitmq/bin; do
        [ -x "$folder/rabbitmq-server" ] && [ -x "$folder/rabbitmqctl" ] && echo "$folder" && return 0
    done
}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

broker_setup() {
    local tmp=$1
    rabbit=${rabbit:-$(find_rabbit)}
    amqp_port=$(free_port) dist_port=$(free_port) epmd_port=$(free_port)
    export HOME=$tmp/home ERL_EPMD_PORT=$epmd_port
    export RABBITMQ_NODENAME=khaalga-test-$$@localhost RABBITMQ_NODE_IP_ADDRESS=127.0.0.1
    export RABBITMQ_NODE_PORT=$amqp_port RABBITMQ_DIST_PORT=$dist_port
    export RABBITMQ_MNESIA_BASE=$tmp/mnesia RABBITMQ_LOG_BASE=$tmp/log RABBITMQ_PID_FILE=$tmp/broker.pid
    export RABBITMQ_ENABLED_PLUGINS_FILE=$tmp/enabled_plugins RABBITMQ_CONFIG_FILE=$tmp/rabbitmq
    export RABBITMQ_ADVANCED_CONFIG_FILE=$tmp/advanced.config RABBITMQ_CONF_ENV_FILE=$tmp/rabbitmq-env.conf
    export ERL_CRASH_DUMP=$tmp/erl_crash.dump
    mkdir -p "$HOME" "$tmp/log"
    : >"$RABBITMQ_ENABLED_PLUGINS_FILE"
    : >"$RABBITMQ_CONF_ENV_FILE"
    broker_out=$tmp/broker.out
    node=$RABBITMQ_NODENAME
    url="amqp://guest:guest@127.0.0.1:$amqp_port/%2f"
}

# the rabbitmq-server script, and the Erlang VM it starts (not exec'd)
broker_shell= broker_vm=
stop_broker() {
    [ -n "$broker_shell" ] || return 0
    timeout 30 "$rabbit/rabbitmqctl" -n "$node" stop >/dev/null 2>&1
    for _ in $(seq 1 100); do kill -0 "$broker_shell" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$broker_shell" 2>/dev/null; then
        [ -n "$broker_vm" ] && kill -9 "$broker_vm" 2>/dev/null
        kill -9 "$broker_shell" 2>/dev/null
    fi
    wait "$broker_shell" 2>/dev/null
    broker_shell=
}
start_broker() {
    "$rabbit/rabbitmq-server" >>"$broker_out" 2>&1 &
    broker_shell=$!
    for _ in $(seq 1 60); do
        if timeout 10 "$rabbit/rabbitmqctl" -n "$node" await_startup --timeout 5 >/dev/null 2>&1; then
            broker_vm=$(cat "$RABBITMQ_PID_FILE" 2>/dev/null)
            return 0
        fi
        kill -0 "$broker_shell" 2>/dev/null || return 1
        sleep 0.5
    done
    return 1
}
broker_cleanup() {
    stop_broker
    [ -n "${epmd_port:-}" ] && epmd -port "$epmd_port" -kill >/dev/null 2>&1
    return 0
}
