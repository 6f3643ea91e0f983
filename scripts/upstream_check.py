#!/usr/bin/env python3
"""Prints what upstream net-mesh (PyPI, the Rust core with its Python binding) does on the points
this SDK must match: identity vectors (origin hash / node id per seed), the error envelope and
its messages for the kinds both raise. Compare with tests/identity_test.ts and
tests/sdk_*_test.ts. Usage (downloads net-mesh into a throwaway venv):

    python3 -m venv .tmp/nm && .tmp/nm/bin/pip install -q net-mesh && .tmp/nm/bin/python scripts/upstream_check.py
"""

from net import Identity, MeshOsDaemonSdk


def attempt(label, action):
    try:
        print(f"{label}: ok {action()!r}")
    except Exception as err:  # the point is to print what upstream raises
        print(f"{label}: {type(err).__name__} kind={getattr(err, 'kind', None)} {str(err)!r}")


class Echo:
    name = "echo"

    def process(self, event):
        return [event["payload"]]


for byte in (0x00, 0x07, 0x0B, 0x42, 0x55, 0x77, 0x88, 0xAA):
    ident = Identity.from_seed(bytes([byte]) * 32)
    print(f"seed {byte:02x}x32: origin_hash=0x{ident.origin_hash:016x} node_id=0x{ident.node_id:016x}")
ident = Identity.from_seed(bytes(range(32)))
print(f"seed 00..1f: origin_hash=0x{ident.origin_hash:016x} node_id=0x{ident.node_id:016x}")

attempt("config this_node='x'", lambda: MeshOsDaemonSdk.start({"this_node": "x"}))
attempt("config this_node=-1", lambda: MeshOsDaemonSdk.start({"this_node": -1}))
sdk = MeshOsDaemonSdk.start({"this_node": 100, "tick_interval_ms": 20})
seven = Identity.from_seed(bytes([0x07]) * 32)
handle = sdk.register_daemon(Echo(), seven)
attempt("duplicate registration", lambda: sdk.register_daemon(Echo(), seven))
attempt("publish_log('verbose')", lambda: handle.publish_log("verbose", "x"))
attempt("metadata()", handle.metadata)
handle.graceful_shutdown(grace_ms=10)
attempt("publish_log after graceful_shutdown", lambda: handle.publish_log("info", "x"))
sdk.shutdown()
attempt("second shutdown", sdk.shutdown)
