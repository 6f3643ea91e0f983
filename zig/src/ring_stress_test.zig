//! Stress tests of `Ring` with real threads: producers push numbered records by every path
//! (`try_push`, `push_batch`, claim and commit in place) through a small ring; the consumer checks
//! that each record arrives once, in order per producer, intact.
//!
//! A failed check fails the test instead of hanging it. Producers wait for room on a full ring
//! only while the consumer runs: when it stops early it sets `Run.aborted` (an `errdefer`), the
//! producers see it on their next wait and return, and only then are they joined.
//!
//! `zig build test` runs the tests whose names start with "Ring stress:" from this file.

const std = @import("std");
const assert = std.debug.assert;
const testing = std.testing;
const frame = @import("frame.zig");
const ring_module = @import("ring.zig");

const Ring = ring_module.Ring;
const Producers = ring_module.Producers;

const records_per_producer: u64 = 50_000;
const max_producer_threads = 3;
const ring_capacity_bytes: u32 = 1024;
/// Largest payload `payload_for` makes: a sequence number and up to 40 pattern bytes.
const max_payload_bytes = 8 + 40;
/// Records `push_batch` is given at once.
const batch_records = 4;

comptime {
    assert(max_payload_bytes <= ring_module.max_payload_bytes_for(ring_capacity_bytes));
}

/// What the threads of one run share.
const Run = struct {
    ring: *Ring,
    /// Producers that pushed all their records.
    producers_done: std.atomic.Value(u32) = .init(0),
    /// Set when the consumer stops early: producers then stop waiting for room and return.
    aborted: std.atomic.Value(bool) = .init(false),
};

/// The payload of record `seq` of `producer`: `seq` (8 bytes, little-endian), then a pattern of a
/// length that varies with `seq`.
fn payload_for(buffer: *[max_payload_bytes]u8, producer: u32, seq: u64) []u8 {
    const length = 8 + (seq * 13 + producer) % (max_payload_bytes - 8 + 1);
    std.mem.writeInt(u64, buffer[0..8], seq, .little);
    for (buffer[8..length], 0..) |*byte, i| byte.* = @truncate(seq +% i *% 3 +% producer);
    return buffer[0..length];
}

fn wait() void {
    std.atomic.spinLoopHint();
    std.Thread.yield() catch {};
}

fn produce(run: *Run, producer: u32) void {
    var seq: u64 = 0;
    // Bounded: every step pushes a record or waits, and waiting ends when the consumer stops.
    while (seq < records_per_producer) {
        const pushed = push_some(run.ring, producer, seq);
        if (pushed == 0) {
            if (run.aborted.load(.acquire)) return;
            wait();
        }
        seq += pushed;
    }
    assert(seq == records_per_producer);
    _ = run.producers_done.fetchAdd(1, .release);
}

/// Pushes records from `seq` on, by a path that depends on `seq`; returns how many (0: full).
fn push_some(ring: *Ring, producer: u32, seq: u64) u32 {
    var buffers: [batch_records][max_payload_bytes]u8 = undefined;
    switch (seq % 3) {
        0 => return @intFromBool(ring.try_push(payload_for(&buffers[0], producer, seq), producer)),
        1 => {
            var payloads: [batch_records][]const u8 = undefined;
            const count: usize = @intCast(@min(batch_records, records_per_producer - seq));
            for (payloads[0..count], buffers[0..count], 0..) |*payload, *buffer, i| {
                payload.* = payload_for(buffer, producer, seq + i);
            }
            return ring.push_batch(payloads[0..count], producer);
        },
        else => return @intFromBool(claim_one(ring, producer, seq)),
    }
}

/// Claims one record, writes its payload in place, then commits it; false when full.
fn claim_one(ring: *Ring, producer: u32, seq: u64) bool {
    var buffer: [max_payload_bytes]u8 = undefined;
    const payload = payload_for(&buffer, producer, seq);
    const lengths = [_]u32{@intCast(payload.len)};
    var offsets: [1]u32 = undefined;
    const items: ring_module.LengthItems = .{ .lengths = &lengths, .type = producer };
    const claimed = ring.claim(items);
    if (claimed.count == 0) return false;
    ring.place(claimed, items, ring_module.OffsetWriter{ .offsets = &offsets }, false);
    // Widen the claimed-but-uncommitted window the consumer must not read through.
    if (seq % 7 == 2) std.Thread.yield() catch {};
    @memcpy(ring.data[offsets[0]..][0..payload.len], payload);
    ring.commit(offsets[0], 1) catch unreachable;
    return true;
}

fn consume(run: *Run, producers: u32) !void {
    assert(producers <= max_producer_threads);
    var next_seq: [max_producer_threads]u64 = @splat(0);
    var out: [1024]u8 = undefined;
    var expected: [max_payload_bytes]u8 = undefined;
    var received: u64 = 0;
    const total = records_per_producer * producers;
    // Bounded: every step takes a record or waits, and waiting ends once every producer is done.
    while (received < total) {
        const all_done = run.producers_done.load(.acquire) == producers;
        const popped = try run.ring.pop_frames(&out, 16);
        if (popped.records == 0) {
            // Every producer finished before this pop found nothing: what is missing was lost.
            if (all_done) break;
            wait();
            continue;
        }
        var reader: frame.Reader = .{ .frames = out[0..popped.bytes] };
        while (reader.next()) |record| {
            try testing.expect(record.type < producers);
            const seq = std.mem.readInt(u64, record.payload[0..8], .little);
            try testing.expectEqual(next_seq[record.type], seq);
            try testing.expectEqualSlices(u8, payload_for(&expected, record.type, seq), record.payload);
            next_seq[record.type] += 1;
            received += 1;
        }
    }
    try testing.expectEqual(total, received);
    for (next_seq[0..producers]) |seq| try testing.expectEqual(records_per_producer, seq);
}

fn stress(producers: Producers, producer_threads: u32) !void {
    assert(producer_threads >= 1 and producer_threads <= max_producer_threads);
    assert(producers == .multi or producer_threads == 1);
    const ring = try Ring.create(testing.allocator, ring_capacity_bytes, producers);
    defer ring.destroy(testing.allocator);
    var run: Run = .{ .ring = ring };
    var threads: [max_producer_threads]std.Thread = undefined;
    var spawned: u32 = 0;
    // Deferred in reverse: on an early return the producers are told to stop, then joined, then
    // the ring is destroyed.
    defer for (threads[0..spawned]) |thread| thread.join();
    errdefer run.aborted.store(true, .release);
    while (spawned < producer_threads) : (spawned += 1) {
        threads[spawned] = try std.Thread.spawn(.{}, produce, .{ &run, spawned });
    }
    try consume(&run, producer_threads);
}

test "Ring stress: single producer and consumer threads, every record once, in order, intact" {
    try stress(.single, 1);
}

test "Ring stress: three producer threads and a consumer, every record once, in order per producer" {
    try stress(.multi, 3);
}
