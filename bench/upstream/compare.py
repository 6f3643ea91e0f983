"""Upstream's side of bench/upstream_compare.sh: the same operations, with the same counts, on
net-mesh 0.45.1's Rust core through its Python binding (MeshOsDaemonSdk, DaemonRuntime.deliver).

Usage: <venv>/bin/python bench/upstream/compare.py [--quick]  — prints one JSON object.
"""

import json
import sys
import time

import net

QUICK = "--quick" in sys.argv
LOG_LINES = 20_000 if QUICK else 200_000
CYCLES = 500 if QUICK else 2_000
POLLS = 100_000 if QUICK else 1_000_000
EVENTS = 100_000 if QUICK else 1_000_000


class Idle:
    name = "idle"

    def process(self, event):
        return []


class Echo:
    def process(self, event):
        return [event.payload]


def rate(count, seconds):
    return {"opsPerSec": count / seconds, "nsPerOp": seconds * 1e9 / count}


def main():
    results = {}
    # Room for every line: both sides measure the call, not a full queue (ours gets the same capacity).
    sdk = net.MeshOsDaemonSdk.start({"event_queue_capacity": LOG_LINES * 2})
    handle = sdk.register_daemon(Idle(), net.Identity.generate())
    start = time.perf_counter()
    for _ in range(LOG_LINES):
        handle.publish_log("info", "a log line of about forty bytes, say")
    results["publishLog"] = rate(LOG_LINES, time.perf_counter() - start)

    start = time.perf_counter()
    for _ in range(POLLS):
        handle.try_next_control()
    results["tryNextControl"] = rate(POLLS, time.perf_counter() - start)

    identities = [net.Identity.generate() for _ in range(CYCLES)]
    start = time.perf_counter()
    for identity in identities:
        sdk.register_daemon(Idle(), identity).graceful_shutdown(0)
    results["registerShutdown"] = rate(CYCLES, time.perf_counter() - start)
    sdk.shutdown()

    mesh = net.NetMesh("127.0.0.1:0", "11" * 32)
    runtime = net.DaemonRuntime(mesh)
    runtime.register_factory("echo", Echo)
    runtime.start()
    identity = net.Identity.generate()
    runtime.spawn("echo", identity)
    origin = identity.origin_hash
    payload = bytes(32)
    start = time.perf_counter()
    for sequence in range(1, EVENTS + 1):
        runtime.deliver(origin, net.CausalEvent(origin, sequence, payload))
    results["eventsIntoProcess"] = rate(EVENTS, time.perf_counter() - start)
    runtime.shutdown()
    print(json.dumps({"runtime": "net-mesh 0.45.1 (Python binding)", "results": results}))


main()
