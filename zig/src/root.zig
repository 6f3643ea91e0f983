//! The C ABI of libmeshos (and of meshos.wasm, built from the same sources).
//!
//! Every export takes `u32` handles, pointers, lengths and fixed-width integers and returns a
//! `Status` (as `u32`). Nothing a caller passes can crash the process: handles are checked against
//! a table (so a stale, forged or wrong-kind handle is a status, not a wild pointer), lengths
//! against the ring, pointers against null. What cannot be checked is the C contract itself: a
//! pointer must address as many bytes as its length says.
//!
//! Threads: a record ring may be used from several threads (one consumer; one producer for a
//! `single` ring, any number for `multi`), each with its own handle copy. A log ring, and
//! `destroy` of anything, belong to one thread at a time.

const std = @import("std");
const builtin = @import("builtin");

pub const frame = @import("frame.zig");
pub const ring = @import("ring.zig");
pub const log_ring = @import("log_ring.zig");
pub const handles = @import("handles.zig");

const Ring = ring.Ring;
const LogRing = log_ring.LogRing;

/// Bumped on any change to an export's signature or meaning.
pub const abi_version: u32 = 3;

pub const Status = enum(u32) {
    ok = 0,
    /// The record does not fit now (not an error: try again after the consumer catches up).
    full = 1,
    /// The handle is 0.
    null_handle = 2,
    /// The handle is not a live object of the expected kind.
    bad_handle = 3,
    /// A payload, message, frame or count is outside what the object accepts.
    bad_length = 4,
    /// A capacity is not a power of two in range (rings) or is out of range (log rings).
    bad_capacity = 5,
    /// A record type above `frame.max_type`.
    bad_type = 6,
    /// A null pointer where one is needed, an enum out of range, or a commit/release that does not
    /// match what was claimed/read.
    bad_argument = 7,
    /// The output buffer cannot hold the next record.
    buffer_too_small = 8,
    out_of_memory = 9,
    /// Every handle slot is in use.
    too_many_handles = 10,
    /// Ring memory fails a consistency check.
    corrupt = 11,
    /// A single-producer ring has an uncommitted claim: commit it before pushing.
    claim_outstanding = 12,
};

const allocator = if (builtin.is_test) std.testing.allocator else std.heap.page_allocator;
var table: handles.Table = .{};

fn code(status: Status) u32 {
    return @backingInt(status);
}

fn lookup(comptime T: type, handle: u32, kind: handles.Kind) error{ NullHandle, BadHandle }!*T {
    if (handle == 0) return error.NullHandle;
    const object = table.lookup(handle, kind) orelse return error.BadHandle;
    return @ptrCast(@alignCast(object));
}

fn lookup_status(err: error{ NullHandle, BadHandle }) u32 {
    return switch (err) {
        error.NullHandle => code(.null_handle),
        error.BadHandle => code(.bad_handle),
    };
}

/// A byte slice from a C pointer and length; a null pointer is only allowed for length 0.
fn bytes_from(pointer: ?[*]const u8, length: u32) ?[]const u8 {
    if (pointer) |p| return p[0..length];
    return if (length == 0) &.{} else null;
}

export fn meshos_abi_version() u32 {
    return abi_version;
}

// Record rings.

export fn meshos_ring_create(capacity_bytes: u32, producers: u32, out_handle: ?*align(1) u32) u32 {
    const out = out_handle orelse return code(.bad_argument);
    const mode = std.enums.fromInt(ring.Producers, producers) orelse return code(.bad_argument);
    const created = Ring.create(allocator, capacity_bytes, mode) catch |err| return switch (err) {
        error.BadCapacity => code(.bad_capacity),
        error.OutOfMemory => code(.out_of_memory),
    };
    out.* = table.register(.ring, created) orelse {
        created.destroy(allocator);
        return code(.too_many_handles);
    };
    return code(.ok);
}

/// Closes a ring without freeing it: from now on every call on `handle` is `bad_handle` except
/// `meshos_ring_destroy`, so views of its memory that a host still holds stay readable until the
/// host destroys it (once those views are gone).
export fn meshos_ring_close(handle: u32) u32 {
    if (handle == 0) return code(.null_handle);
    if (!table.retag(handle, .ring, .closed_ring)) return code(.bad_handle);
    return code(.ok);
}

/// Frees a ring, open or closed; its handle is never valid again.
export fn meshos_ring_destroy(handle: u32) u32 {
    if (handle == 0) return code(.null_handle);
    const object = table.unregister(handle, .ring) orelse table.unregister(handle, .closed_ring) orelse
        return code(.bad_handle);
    const r: *Ring = @ptrCast(@alignCast(object));
    r.destroy(allocator);
    return code(.ok);
}

/// Start of the ring's data region (for views); null for a bad handle.
export fn meshos_ring_data(handle: u32) ?[*]u8 {
    const r = lookup(Ring, handle, .ring) catch return null;
    return r.data;
}

/// What a thread that did not create a ring needs to use it (from a handle it was sent).
pub const RingInfo = extern struct { capacity_bytes: u32, producers: u32 };

export fn meshos_ring_info(handle: u32, out_info: ?*align(1) RingInfo) u32 {
    const r = lookup(Ring, handle, .ring) catch |err| return lookup_status(err);
    const out = out_info orelse return code(.bad_argument);
    out.* = .{ .capacity_bytes = r.capacity_bytes, .producers = @backingInt(if (r.multi) ring.Producers.multi else .single) };
    return code(.ok);
}

export fn meshos_ring_depth(handle: u32, out_records: ?*align(1) u32) u32 {
    const r = lookup(Ring, handle, .ring) catch |err| return lookup_status(err);
    const out = out_records orelse return code(.bad_argument);
    out.* = @intCast(@min(r.depth(), std.math.maxInt(u32)));
    return code(.ok);
}

/// Copies one record in: `ok`, or `full` when it does not fit now.
export fn meshos_ring_push(handle: u32, payload: ?[*]const u8, payload_bytes: u32, record_type: u32) u32 {
    const r = lookup(Ring, handle, .ring) catch |err| return lookup_status(err);
    if (payload_bytes > r.max_payload_bytes()) return code(.bad_length);
    if (record_type > frame.max_type) return code(.bad_type);
    const bytes = bytes_from(payload, payload_bytes) orelse return code(.bad_argument);
    if (r.claim_outstanding()) return code(.claim_outstanding);
    return code(if (r.try_push(bytes, record_type)) .ok else .full);
}

/// Copies records already in ring format (8-byte header, payload, padded to 8) in; writes how
/// many fitted to `out_pushed` (a prefix; 0 means full).
export fn meshos_ring_push_frames(handle: u32, frames: ?[*]const u8, frames_bytes: u32, out_pushed: ?*align(1) u32) u32 {
    const r = lookup(Ring, handle, .ring) catch |err| return lookup_status(err);
    const out = out_pushed orelse return code(.bad_argument);
    const bytes = bytes_from(frames, frames_bytes) orelse return code(.bad_argument);
    if (r.claim_outstanding()) return code(.claim_outstanding);
    out.* = r.push_frames(bytes) catch |err| return switch (err) {
        error.BadLength => code(.bad_length),
        error.BadType => code(.bad_type),
    };
    return code(.ok);
}

/// Claims room for the longest prefix of `count` records with the given payload lengths, all of
/// `record_type`, writes each payload's offset in the data region to `out_offsets` and the number
/// claimed to `out_claimed`. The caller writes the payloads, then calls `meshos_ring_commit`.
export fn meshos_ring_claim(
    handle: u32,
    payload_lengths: ?[*]align(1) const u32,
    count: u32,
    record_type: u32,
    out_offsets: ?[*]align(1) u32,
    out_claimed: ?*align(1) u32,
) u32 {
    const r = lookup(Ring, handle, .ring) catch |err| return lookup_status(err);
    const out = out_claimed orelse return code(.bad_argument);
    if (record_type > frame.max_type) return code(.bad_type);
    if (count == 0) {
        out.* = 0;
        return code(.ok);
    }
    const lengths_pointer = payload_lengths orelse return code(.bad_argument);
    const offsets_pointer = out_offsets orelse return code(.bad_argument);
    if (@intFromPtr(lengths_pointer) % 4 != 0 or @intFromPtr(offsets_pointer) % 4 != 0) return code(.bad_argument);
    // More records than headers fit in the ring can never be claimed: no need to look further.
    const considered = @min(count, r.capacity_bytes / frame.header_bytes);
    const lengths: []const u32 = @alignCast(lengths_pointer[0..considered]);
    for (lengths) |length| if (length > r.max_payload_bytes()) return code(.bad_length);
    if (r.claim_outstanding()) return code(.claim_outstanding);
    const items: ring.LengthItems = .{ .lengths = lengths, .type = record_type };
    const claimed = r.claim(items);
    r.place(claimed, items, ring.OffsetWriter{ .offsets = @alignCast(offsets_pointer[0..considered]) }, false);
    out.* = claimed.count;
    return code(.ok);
}

/// Makes `count` claimed records visible; `first_payload_offset` is the first offset the claim gave.
export fn meshos_ring_commit(handle: u32, first_payload_offset: u32, count: u32) u32 {
    const r = lookup(Ring, handle, .ring) catch |err| return lookup_status(err);
    r.commit(first_payload_offset, count) catch return code(.bad_argument);
    return code(.ok);
}

/// Describes the committed records at the head (up to `max_records`, stopping at the end of the
/// data region) without consuming them; `meshos_ring_release` consumes.
export fn meshos_ring_read(handle: u32, max_records: u32, out_span: ?*align(1) ring.Span) u32 {
    const r = lookup(Ring, handle, .ring) catch |err| return lookup_status(err);
    const out = out_span orelse return code(.bad_argument);
    out.* = r.read(max_records) catch return code(.corrupt);
    return code(.ok);
}

/// Consumes `bytes` from the head (a record boundary within what `meshos_ring_read` described);
/// writes the records consumed to `out_records` when it is not null.
export fn meshos_ring_release(handle: u32, bytes: u32, out_records: ?*align(1) u32) u32 {
    const r = lookup(Ring, handle, .ring) catch |err| return lookup_status(err);
    const records = r.release(bytes) catch |err| return switch (err) {
        error.BadArgument => code(.bad_argument),
        error.Corrupt => code(.corrupt),
    };
    if (out_records) |out| out.* = records;
    return code(.ok);
}

/// Copies up to `max_records` records out in ring format and consumes them.
export fn meshos_ring_pop_frames(
    handle: u32,
    out: ?[*]u8,
    out_bytes: u32,
    max_records: u32,
    out_popped: ?*align(1) ring.Popped,
) u32 {
    const r = lookup(Ring, handle, .ring) catch |err| return lookup_status(err);
    const popped_out = out_popped orelse return code(.bad_argument);
    popped_out.* = .{ .records = 0, .bytes = 0 };
    const buffer = out orelse return code(if (out_bytes == 0) .buffer_too_small else .bad_argument);
    popped_out.* = r.pop_frames(buffer[0..out_bytes], max_records) catch |err| return switch (err) {
        error.BufferTooSmall => code(.buffer_too_small),
        error.Corrupt => code(.corrupt),
    };
    return code(.ok);
}

// Log rings.

export fn meshos_log_create(capacity_records: u32, max_message_bytes: u32, out_handle: ?*align(1) u32) u32 {
    const out = out_handle orelse return code(.bad_argument);
    const created = LogRing.create(allocator, capacity_records, max_message_bytes) catch |err| return switch (err) {
        error.BadCapacity => code(.bad_capacity),
        error.BadLength => code(.bad_length),
        error.OutOfMemory => code(.out_of_memory),
    };
    out.* = table.register(.log, created) orelse {
        created.destroy(allocator);
        return code(.too_many_handles);
    };
    return code(.ok);
}

export fn meshos_log_destroy(handle: u32) u32 {
    if (handle == 0) return code(.null_handle);
    const object = table.unregister(handle, .log) orelse return code(.bad_handle);
    const log: *LogRing = @ptrCast(@alignCast(object));
    log.destroy(allocator);
    return code(.ok);
}

/// Largest `ts_ms` accepted: every integer up to it is exact in an `f64` (2^53).
const max_exact_ts_ms: f64 = 9007199254740992.0;

/// Stores one line (cut at `max_message_bytes` on a UTF-8 boundary); writes its seq to `out_seq`.
/// The daemon id comes as two halves and the timestamp as an integral `f64`: 32-bit and `f64`
/// arguments take the fast FFI path in every host, 64-bit integers do not (Deno, wasm).
export fn meshos_log_append(
    handle: u32,
    level: u32,
    has_daemon: u32,
    daemon_id_high: u32,
    daemon_id_low: u32,
    ts_ms: f64,
    message: ?[*]const u8,
    message_bytes: u32,
    out_seq: ?*align(1) u64,
) u32 {
    const log = lookup(LogRing, handle, .log) catch |err| return lookup_status(err);
    const out = out_seq orelse return code(.bad_argument);
    if (level > log_ring.max_level or has_daemon > 1) return code(.bad_argument);
    // NaN fails every comparison; fractions are refused too.
    if (!(ts_ms >= -max_exact_ts_ms and ts_ms <= max_exact_ts_ms) or @trunc(ts_ms) != ts_ms) return code(.bad_argument);
    const text = bytes_from(message, message_bytes) orelse return code(.bad_argument);
    const daemon_id = @as(u64, daemon_id_high) << 32 | daemon_id_low;
    out.* = log.append(level, if (has_daemon == 1) daemon_id else null, @intFromFloat(ts_ms), text);
    return code(.ok);
}

export fn meshos_log_stats(handle: u32, out_stats: ?*align(1) log_ring.Stats) u32 {
    const log = lookup(LogRing, handle, .log) catch |err| return lookup_status(err);
    const out = out_stats orelse return code(.bad_argument);
    out.* = log.stats();
    return code(.ok);
}

/// Writes the kept records oldest first (40-byte entry + message padded to 8 each). When `out` is
/// too small, returns `buffer_too_small` with the bytes needed in `out_result.bytes`.
export fn meshos_log_read(handle: u32, out: ?[*]u8, out_bytes: u32, out_result: ?*align(1) log_ring.ReadResult) u32 {
    const log = lookup(LogRing, handle, .log) catch |err| return lookup_status(err);
    const result = out_result orelse return code(.bad_argument);
    const needed = log.stats().read_bytes;
    result.* = .{ .records = 0, .bytes = @intCast(@min(needed, std.math.maxInt(u32))) };
    if (out_bytes < needed) return code(.buffer_too_small);
    const buffer = out orelse return code(if (needed == 0) .ok else .bad_argument);
    result.* = log.read(buffer[0..out_bytes]) catch return code(.buffer_too_small);
    return code(.ok);
}

// Scratch buffers: memory a wasm host can write into before a call (native hosts pass their own).

const Buffer = struct { bytes: []align(8) u8 };

export fn meshos_buffer_create(bytes: u32, out_handle: ?*align(1) u32) u32 {
    const out = out_handle orelse return code(.bad_argument);
    if (bytes == 0 or bytes > ring.max_capacity_bytes) return code(.bad_length);
    const buffer = allocator.create(Buffer) catch return code(.out_of_memory);
    buffer.bytes = allocator.alignedAlloc(u8, .@"8", bytes) catch {
        allocator.destroy(buffer);
        return code(.out_of_memory);
    };
    @memset(buffer.bytes, 0);
    out.* = table.register(.buffer, buffer) orelse {
        allocator.free(buffer.bytes);
        allocator.destroy(buffer);
        return code(.too_many_handles);
    };
    return code(.ok);
}

export fn meshos_buffer_data(handle: u32) ?[*]u8 {
    const buffer = lookup(Buffer, handle, .buffer) catch return null;
    return buffer.bytes.ptr;
}

export fn meshos_buffer_destroy(handle: u32) u32 {
    if (handle == 0) return code(.null_handle);
    const object = table.unregister(handle, .buffer) orelse return code(.bad_handle);
    const buffer: *Buffer = @ptrCast(@alignCast(object));
    allocator.free(buffer.bytes);
    allocator.destroy(buffer);
    return code(.ok);
}

// Tests: every status path of the ABI.

const testing = std.testing;

fn expect_status(expected: Status, actual: u32) !void {
    try testing.expectEqual(@backingInt(expected), actual);
}

test {
    testing.refAllDecls(@This());
}

test "ABI: version" {
    try testing.expectEqual(abi_version, meshos_abi_version());
}

test "ABI: ring create rejects bad capacities, modes and null outputs" {
    var handle: u32 = 0;
    try expect_status(.bad_capacity, meshos_ring_create(100, 0, &handle));
    try expect_status(.bad_capacity, meshos_ring_create(32, 0, &handle));
    try expect_status(.bad_argument, meshos_ring_create(64, 2, &handle));
    try expect_status(.bad_argument, meshos_ring_create(64, 0, null));
    try expect_status(.ok, meshos_ring_create(64, 1, &handle));
    var info: RingInfo = undefined;
    try expect_status(.ok, meshos_ring_info(handle, &info));
    try testing.expectEqual(RingInfo{ .capacity_bytes = 64, .producers = 1 }, info);
    try expect_status(.bad_argument, meshos_ring_info(handle, null));
    try expect_status(.ok, meshos_ring_destroy(handle));
    try expect_status(.bad_handle, meshos_ring_destroy(handle));
    try expect_status(.null_handle, meshos_ring_destroy(0));
}

test "ABI: every ring call answers a null, stale or wrong-kind handle with a status" {
    var log: u32 = 0;
    try expect_status(.ok, meshos_log_create(4, 16, &log));
    defer _ = meshos_log_destroy(log);
    var stale: u32 = 0;
    try expect_status(.ok, meshos_ring_create(64, 0, &stale));
    try expect_status(.ok, meshos_ring_destroy(stale));
    var closed: u32 = 0;
    try expect_status(.ok, meshos_ring_create(64, 0, &closed));
    try expect_status(.ok, meshos_ring_close(closed));
    try expect_status(.bad_handle, meshos_ring_close(closed));
    defer _ = meshos_ring_destroy(closed);
    var word: u32 = 0;
    var info: RingInfo = undefined;
    var span: ring.Span = undefined;
    var popped: ring.Popped = undefined;
    var buffer: [64]u8 = undefined;
    for ([_]u32{ 0, stale, closed, log, 0xFFFF_FFFF }) |handle| {
        const expected: Status = if (handle == 0) .null_handle else .bad_handle;
        try expect_status(expected, meshos_ring_depth(handle, &word));
        try expect_status(expected, meshos_ring_info(handle, &info));
        try expect_status(expected, meshos_ring_push(handle, &buffer, 1, 0));
        try expect_status(expected, meshos_ring_push_frames(handle, &buffer, 0, &word));
        try expect_status(expected, meshos_ring_claim(handle, @ptrCast(&word), 1, 0, @ptrCast(&word), &word));
        try expect_status(expected, meshos_ring_commit(handle, 8, 1));
        try expect_status(expected, meshos_ring_read(handle, 1, &span));
        try expect_status(expected, meshos_ring_release(handle, 8, null));
        try expect_status(expected, meshos_ring_pop_frames(handle, &buffer, 64, 1, &popped));
        try testing.expectEqual(@as(?[*]u8, null), meshos_ring_data(handle));
    }
    try expect_status(.bad_handle, meshos_log_stats(stale, null));
    try expect_status(.null_handle, meshos_ring_close(0));
}

test "ABI: a closed ring is refused by every call, then destroyed once" {
    var handle: u32 = 0;
    try expect_status(.ok, meshos_ring_create(64, 0, &handle));
    try expect_status(.ok, meshos_ring_push(handle, "x", 1, 0));
    try expect_status(.ok, meshos_ring_close(handle));
    var word: u32 = 0;
    try expect_status(.bad_handle, meshos_ring_depth(handle, &word));
    try expect_status(.ok, meshos_ring_destroy(handle));
    try expect_status(.bad_handle, meshos_ring_destroy(handle));
}

test "ABI: push, read, release and pop check lengths, types and pointers" {
    var handle: u32 = 0;
    try expect_status(.ok, meshos_ring_create(64, 1, &handle));
    defer _ = meshos_ring_destroy(handle);
    var payload: [25]u8 = @splat(7);
    try expect_status(.bad_length, meshos_ring_push(handle, &payload, 25, 0));
    try expect_status(.bad_type, meshos_ring_push(handle, &payload, 1, frame.padding_type));
    try expect_status(.bad_argument, meshos_ring_push(handle, null, 3, 0));
    try expect_status(.ok, meshos_ring_push(handle, null, 0, 0));
    try expect_status(.ok, meshos_ring_push(handle, &payload, 24, 9));
    try expect_status(.full, meshos_ring_push(handle, &payload, 24, 9));
    var depth: u32 = 0;
    try expect_status(.ok, meshos_ring_depth(handle, &depth));
    try testing.expectEqual(@as(u32, 2), depth);
    try expect_status(.bad_argument, meshos_ring_depth(handle, null));
    var span: ring.Span = undefined;
    try expect_status(.bad_argument, meshos_ring_read(handle, 1, null));
    try expect_status(.ok, meshos_ring_read(handle, 10, &span));
    try testing.expectEqual(@as(u32, 2), span.records);
    try expect_status(.bad_argument, meshos_ring_release(handle, 12, null));
    var released: u32 = 0;
    try expect_status(.ok, meshos_ring_release(handle, 8, &released));
    try testing.expectEqual(@as(u32, 1), released);
    var out: [64]u8 = undefined;
    var popped: ring.Popped = undefined;
    try expect_status(.bad_argument, meshos_ring_pop_frames(handle, &out, 64, 1, null));
    try expect_status(.bad_argument, meshos_ring_pop_frames(handle, null, 64, 1, &popped));
    try expect_status(.buffer_too_small, meshos_ring_pop_frames(handle, &out, 16, 1, &popped));
    try expect_status(.ok, meshos_ring_pop_frames(handle, &out, 64, 1, &popped));
    try testing.expectEqual(@as(u32, 1), popped.records);
    try testing.expectEqual(@as(u32, 9), std.mem.bytesToValue(frame.Header, out[0..8]).type);
}

test "ABI: claim and commit in place, with checks" {
    var handle: u32 = 0;
    try expect_status(.ok, meshos_ring_create(128, 0, &handle));
    defer _ = meshos_ring_destroy(handle);
    const data = meshos_ring_data(handle).?;
    const lengths = [_]u32{ 3, 100, 5 };
    var offsets: [3]u32 = undefined;
    var claimed: u32 = 0;
    try expect_status(.bad_length, meshos_ring_claim(handle, &lengths, 3, 0, &offsets, &claimed));
    try expect_status(.bad_type, meshos_ring_claim(handle, &lengths, 1, 1 << 31, &offsets, &claimed));
    try expect_status(.bad_argument, meshos_ring_claim(handle, null, 1, 0, &offsets, &claimed));
    try expect_status(.bad_argument, meshos_ring_claim(handle, &lengths, 1, 0, null, &claimed));
    try expect_status(.ok, meshos_ring_claim(handle, &lengths, 1, 4, &offsets, &claimed));
    try testing.expectEqual(@as(u32, 1), claimed);
    try expect_status(.claim_outstanding, meshos_ring_push(handle, "x", 1, 0));
    try expect_status(.claim_outstanding, meshos_ring_claim(handle, &lengths, 1, 4, &offsets, &claimed));
    @memcpy(data[offsets[0]..][0..3], "abc");
    try expect_status(.bad_argument, meshos_ring_commit(handle, offsets[0], 2));
    try expect_status(.ok, meshos_ring_commit(handle, offsets[0], 1));
    try expect_status(.bad_argument, meshos_ring_commit(handle, offsets[0], 1));
    var out: [128]u8 = undefined;
    var popped: ring.Popped = undefined;
    try expect_status(.ok, meshos_ring_pop_frames(handle, &out, 128, 10, &popped));
    try testing.expectEqualSlices(u8, "abc", out[8..11]);
}

test "ABI: push_frames checks every frame before copying any" {
    var handle: u32 = 0;
    try expect_status(.ok, meshos_ring_create(64, 0, &handle));
    defer _ = meshos_ring_destroy(handle);
    var frames: [32]u8 align(8) = @splat(0);
    std.mem.bytesAsValue(frame.Header, frames[0..8]).* = .{ .length = 12, .type = 1 };
    std.mem.bytesAsValue(frame.Header, frames[16..24]).* = .{ .length = 200, .type = 1 };
    var pushed: u32 = 0;
    try expect_status(.bad_length, meshos_ring_push_frames(handle, &frames, 32, &pushed));
    try expect_status(.bad_argument, meshos_ring_push_frames(handle, &frames, 16, null));
    try expect_status(.ok, meshos_ring_push_frames(handle, &frames, 16, &pushed));
    try testing.expectEqual(@as(u32, 1), pushed);
}

test "ABI: log ring create, append, stats, read, with checks" {
    var handle: u32 = 0;
    try expect_status(.bad_capacity, meshos_log_create(0, 16, &handle));
    try expect_status(.bad_length, meshos_log_create(4, 0, &handle));
    try expect_status(.bad_argument, meshos_log_create(4, 16, null));
    try expect_status(.ok, meshos_log_create(2, 4, &handle));
    defer _ = meshos_log_destroy(handle);
    var seq: u64 = 0;
    try expect_status(.bad_argument, meshos_log_append(handle, 5, 0, 0, 0, 0, "x", 1, &seq));
    try expect_status(.bad_argument, meshos_log_append(handle, 1, 2, 0, 0, 0, "x", 1, &seq));
    try expect_status(.bad_argument, meshos_log_append(handle, 1, 0, 0, 0, 0, null, 1, &seq));
    try expect_status(.bad_argument, meshos_log_append(handle, 1, 0, 0, 0, 0, "x", 1, null));
    for ([_]f64{ std.math.nan(f64), 1.5, 1e300, -std.math.inf(f64) }) |bad_ts| {
        try expect_status(.bad_argument, meshos_log_append(handle, 1, 0, 0, 0, bad_ts, "x", 1, &seq));
    }
    try expect_status(.ok, meshos_log_append(handle, 1, 1, 0xFEDC_BA98, 0x7654_3210, 7, "hello", 5, &seq));
    try testing.expectEqual(@as(u64, 1), seq);
    var stats: log_ring.Stats = undefined;
    try expect_status(.ok, meshos_log_stats(handle, &stats));
    try testing.expectEqual(@as(u64, 1), stats.truncated);
    var result: log_ring.ReadResult = undefined;
    var out: [64]u8 = undefined;
    try expect_status(.buffer_too_small, meshos_log_read(handle, &out, 8, &result));
    try testing.expectEqual(@as(u32, 48), result.bytes);
    try expect_status(.ok, meshos_log_read(handle, &out, 64, &result));
    try testing.expectEqual(@as(u32, 1), result.records);
    try testing.expectEqualStrings("hell", out[40..44]);
    try expect_status(.bad_handle, meshos_ring_destroy(handle));
}

test "ABI: scratch buffers" {
    var handle: u32 = 0;
    try expect_status(.bad_length, meshos_buffer_create(0, &handle));
    try expect_status(.ok, meshos_buffer_create(64, &handle));
    try testing.expect(meshos_buffer_data(handle) != null);
    try expect_status(.ok, meshos_buffer_destroy(handle));
    try testing.expectEqual(@as(?[*]u8, null), meshos_buffer_data(handle));
    try expect_status(.bad_handle, meshos_buffer_destroy(handle));
}
