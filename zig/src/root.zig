//! The C ABI of libmeshos (and of meshos.wasm). Every export takes handles, pointers, lengths and
//! fixed-width integers, and returns a `Status`; nothing a caller passes can crash the process:
//! handles are checked against a table, lengths against the ring, pointers against null.

const std = @import("std");
pub const ring = @import("ring.zig");

test {
    std.testing.refAllDecls(@This());
}
