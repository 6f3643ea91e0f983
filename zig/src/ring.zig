//! Bounded rings of variable-length records, single- or multi-producer, one consumer.
//!
//! A record is stored as a frame (`frame.zig`: an 8-byte header, the payload, padding to 8 bytes).
//! A record never straddles the end of the data region: the producer fills the rest with a
//! padding frame and starts again at offset 0 (Aeron-style).
//!
//! Positions are byte counts that only grow (`u64`); `position & mask` is the offset in `data`.
//! Producers own `producer.tail`, the consumer owns `consumer.head`; each side keeps a cached copy
//! of the other's position on its own cache line and refreshes it only when the cache says "full"
//! (producer) or "empty" (consumer).
//!
//! Single producer: the producer writes records beyond the published tail, then publishes them all
//! at once with a release store of `tail`.
//!
//! Multi producer: a producer claims a byte range with a CAS on `tail`, writes its headers with
//! `uncommitted_bit` set in the length, fills the payloads, then commits each record with a
//! release store of the plain length. The consumer stops at a header whose length is 0 or still
//! uncommitted, and zeroes what it consumed before releasing it, so a header slot reads 0 until a
//! producer writes it.
//!
//! Memory is allocated once, at `create`. The multi-threaded stress tests are in
//! `ring_stress_test.zig`.

const std = @import("std");
const builtin = @import("builtin");
const assert = std.debug.assert;
const frame = @import("frame.zig");

pub const cache_line = std.atomic.cache_line;
pub const min_capacity_bytes: u32 = 64;
pub const max_capacity_bytes: u32 = 1 << 30;
/// Set in a claimed header's length until its producer commits it (multi-producer rings).
const uncommitted_bit: u32 = 0x8000_0000;
const data_alignment = std.mem.Alignment.fromByteUnits(cache_line);

/// A byte position or counter shared between threads. wasm32 has no 64-bit atomics, but the wasm
/// build is single-threaded, so plain loads and stores are exact there.
const Shared64 = if (builtin.single_threaded) Plain64 else std.atomic.Value(u64);

const Plain64 = extern struct {
    raw: u64,

    pub fn init(value: u64) Plain64 {
        return .{ .raw = value };
    }
    pub fn load(self: *const Plain64, comptime _: std.builtin.AtomicOrder) u64 {
        return self.raw;
    }
    pub fn store(self: *Plain64, value: u64, comptime _: std.builtin.AtomicOrder) void {
        self.raw = value;
    }
    pub fn fetchAdd(self: *Plain64, operand: u64, comptime _: std.builtin.AtomicOrder) u64 {
        defer self.raw += operand;
        return self.raw;
    }
    pub fn fetchMax(self: *Plain64, operand: u64, comptime _: std.builtin.AtomicOrder) u64 {
        defer self.raw = @max(self.raw, operand);
        return self.raw;
    }
    pub fn cmpxchgWeak(
        self: *Plain64,
        expected: u64,
        new: u64,
        comptime _: std.builtin.AtomicOrder,
        comptime _: std.builtin.AtomicOrder,
    ) ?u64 {
        if (self.raw != expected) return self.raw;
        self.raw = new;
        return null;
    }
};

pub const Producers = enum(u32) { single = 0, multi = 1 };

/// A run of consecutive committed records starting at the consumer's head, within one lap.
pub const Span = extern struct {
    /// Offset in `data` of the first record's header.
    offset: u32,
    /// Bytes of the run, padding record included.
    bytes: u32,
    /// Records of the run, padding record excluded.
    records: u32,
    reserved: u32 = 0,
};

/// Records copied out by `pop_frames`.
pub const Popped = extern struct { records: u32, bytes: u32 };

/// One record a producer is about to write: payload size and type.
pub const Item = struct { payload_bytes: u32, type: u32 };

/// A byte range claimed by a producer for `count` records.
pub const Claim = struct { position: u64, end: u64, count: u32 };

pub const CreateError = error{ OutOfMemory, BadCapacity };
pub const ReadError = error{Corrupt};
pub const ReleaseError = error{ BadArgument, Corrupt };
pub const PopError = error{ Corrupt, BufferTooSmall };
pub const CommitError = error{BadArgument};

/// Largest payload of a ring of `capacity_bytes`: half the ring minus a header, so an empty ring
/// accepts a maximal record wherever the wrap falls.
pub fn max_payload_bytes_for(capacity_bytes: u32) u32 {
    assert(capacity_bytes >= min_capacity_bytes);
    return capacity_bytes / 2 - frame.header_bytes;
}

pub const Ring = extern struct {
    // Read-only after `create`: shared by both sides without contention.
    data: [*]align(cache_line) u8,
    capacity_bytes: u32,
    multi: bool,

    producer: Producer align(cache_line) = .{},
    consumer: Consumer align(cache_line) = .{},

    const Producer = extern struct {
        /// Published (single) or claimed (multi) end of the records.
        tail: Shared64 = .init(0),
        /// Producers' last view of `consumer.head`; never ahead of it.
        head_cached: Shared64 = .init(0),
        /// Records committed.
        pushed: Shared64 = .init(0),
        /// Single producer: end of what is written but not yet published.
        claimed_tail: u64 = 0,
        /// Single producer: records written but not yet published.
        claimed_records: u32 = 0,
    };

    const Consumer = extern struct {
        head: Shared64 = .init(0),
        /// The consumer's last view of `producer.tail`.
        tail_cached: u64 = 0,
        popped: Shared64 = .init(0),
        /// End of the span the last `read` described (from the current head), and its records:
        /// releasing exactly that span needs no second walk. `read_records` is `no_read` otherwise.
        read_end: u64 = 0,
        read_records: u32 = no_read,

        const no_read = std.math.maxInt(u32);
    };

    comptime {
        assert(max_capacity_bytes / 2 < uncommitted_bit);
        assert(@offsetOf(Ring, "producer") >= cache_line);
        assert(@offsetOf(Ring, "consumer") - @offsetOf(Ring, "producer") >= cache_line);
        assert(@sizeOf(Producer) <= cache_line);
        assert(@sizeOf(Consumer) <= cache_line);
        assert(@sizeOf(Ring) % cache_line == 0);
    }

    /// Allocates a ring and its data region; the only allocation it ever makes.
    pub fn create(allocator: std.mem.Allocator, capacity_bytes: u32, producers: Producers) CreateError!*Ring {
        if (capacity_bytes < min_capacity_bytes or capacity_bytes > max_capacity_bytes or
            !std.math.isPowerOfTwo(capacity_bytes)) return error.BadCapacity;
        const ring = try allocator.create(Ring);
        errdefer allocator.destroy(ring);
        const data = try allocator.alignedAlloc(u8, data_alignment, capacity_bytes);
        // Fresh pages from the OS are zero already: clearing them would fault every page of a
        // ring in at creation (~100 µs for 256 KiB) instead of as the ring fills.
        if (!zeroed_by(allocator)) @memset(data, 0);
        ring.* = .{ .data = data.ptr, .capacity_bytes = capacity_bytes, .multi = producers == .multi };
        return ring;
    }

    /// Whether memory `allocator` hands out is known to be zero: the OS page allocator maps fresh
    /// pages (and unmaps on free), except on freestanding wasm, where freed pages are reused.
    fn zeroed_by(allocator: std.mem.Allocator) bool {
        return builtin.os.tag != .freestanding and allocator.vtable == std.heap.page_allocator.vtable;
    }

    pub fn destroy(ring: *Ring, allocator: std.mem.Allocator) void {
        allocator.free(ring.data[0..ring.capacity_bytes]);
        allocator.destroy(ring);
    }

    pub fn max_payload_bytes(ring: *const Ring) u32 {
        return max_payload_bytes_for(ring.capacity_bytes);
    }

    fn mask(ring: *const Ring) u64 {
        return ring.capacity_bytes - 1;
    }

    fn offset_of(ring: *const Ring, position: u64) u32 {
        return @intCast(position & ring.mask());
    }

    fn header(ring: *const Ring, offset: u32) *frame.Header {
        assert(offset % frame.alignment_bytes == 0);
        assert(offset + frame.header_bytes <= ring.capacity_bytes);
        return @ptrCast(@alignCast(ring.data + offset));
    }

    /// Records committed and not yet consumed.
    pub fn depth(ring: *const Ring) u64 {
        const popped = ring.consumer.popped.load(.acquire);
        const pushed = ring.producer.pushed.load(.acquire);
        // A record can be consumed between its commit and the producer's count update.
        return pushed -| popped;
    }

    /// Whether a single-producer ring has records written but not published (claim without commit).
    pub fn claim_outstanding(ring: *const Ring) bool {
        return !ring.multi and ring.producer.claimed_records > 0;
    }

    /// Bytes a record of `size` bytes takes at `position`, padding to the wrap included.
    fn span_at(ring: *const Ring, position: u64, size: u32) u64 {
        const to_end = ring.capacity_bytes - ring.offset_of(position);
        return if (size <= to_end) size else to_end + size;
    }

    const Plan = struct { count: u32, end: u64, complete: bool };

    /// The prefix of `iterator`'s records that fits between `tail` and `head + capacity`.
    fn plan(ring: *const Ring, iterator: anytype, tail: u64, head: u64) Plan {
        assert(head <= tail);
        var items = iterator;
        var end = tail;
        var count: u32 = 0;
        while (items.next()) |item| {
            const span = ring.span_at(end, frame.padded_bytes(item.payload_bytes));
            if (end - head + span > ring.capacity_bytes) return .{ .count = count, .end = end, .complete = false };
            end += span;
            count += 1;
        }
        return .{ .count = count, .end = end, .complete = true };
    }

    /// Reserves room for the longest prefix of `iterator`'s records that fits now.
    pub fn claim(ring: *Ring, iterator: anytype) Claim {
        if (ring.multi) return ring.claim_multi(iterator);
        const tail = ring.producer.claimed_tail;
        var result = ring.plan(iterator, tail, ring.producer.head_cached.load(.monotonic));
        if (!result.complete) {
            ring.producer.head_cached.store(ring.consumer.head.load(.acquire), .monotonic);
            result = ring.plan(iterator, tail, ring.producer.head_cached.load(.monotonic));
        }
        ring.producer.claimed_tail = result.end;
        ring.producer.claimed_records += result.count;
        return .{ .position = tail, .end = result.end, .count = result.count };
    }

    fn claim_multi(ring: *Ring, iterator: anytype) Claim {
        var tail = ring.producer.tail.load(.monotonic);
        // Lock-free rather than bounded: a failed CAS means another producer made progress.
        while (true) {
            // Acquire pairs with the consumer's release of `head` (directly or via `head_cached`), so
            // the zeroing of the reclaimed bytes happens before this producer writes them.
            var head = ring.producer.head_cached.load(.acquire);
            if (head > tail) { // `tail` is stale: another producer moved it on.
                tail = ring.producer.tail.load(.monotonic);
                continue;
            }
            var result = ring.plan(iterator, tail, head);
            if (!result.complete) {
                head = ring.consumer.head.load(.acquire);
                // A plain release store: racing producers may move it back, never past `head`.
                ring.producer.head_cached.store(head, .release);
                if (head > tail) {
                    tail = ring.producer.tail.load(.monotonic);
                    continue;
                }
                result = ring.plan(iterator, tail, head);
            }
            if (result.count == 0) return .{ .position = tail, .end = tail, .count = 0 };
            if (ring.producer.tail.cmpxchgWeak(tail, result.end, .monotonic, .monotonic)) |actual| {
                tail = actual;
                continue;
            }
            return .{ .position = tail, .end = result.end, .count = result.count };
        }
    }

    /// Writes the headers of `claimed`, a padding record at the wrap, and hands each payload slot
    /// to `writer.write(index, payload_offset, payload_bytes)`. With `commit_now`, each record is
    /// committed right after its payload is written; otherwise `commit` must follow.
    pub fn place(ring: *Ring, claimed: Claim, iterator: anytype, writer: anytype, comptime commit_now: bool) void {
        var items = iterator;
        var position = claimed.position;
        var index: u32 = 0;
        while (index < claimed.count) : (index += 1) {
            const item = items.next().?;
            const size = frame.padded_bytes(item.payload_bytes);
            var offset = ring.offset_of(position);
            const to_end = ring.capacity_bytes - offset;
            if (size > to_end) {
                ring.write_header(offset, to_end, frame.padding_type, true);
                position += to_end;
                offset = 0;
            }
            if (commit_now) writer.write(index, offset + frame.header_bytes, item.payload_bytes);
            ring.write_header(offset, frame.header_bytes + item.payload_bytes, item.type, commit_now);
            if (!commit_now) writer.write(index, offset + frame.header_bytes, item.payload_bytes);
            position += size;
        }
        assert(position == claimed.end);
    }

    fn write_header(ring: *Ring, offset: u32, length: u32, record_type: u32, committed: bool) void {
        const h = ring.header(offset);
        h.type = record_type;
        if (!ring.multi) {
            h.length = length;
        } else if (committed) {
            @atomicStore(u32, &h.length, length, .release);
        } else {
            @atomicStore(u32, &h.length, length | uncommitted_bit, .monotonic);
        }
    }

    /// Makes the records of a claim placed with `commit_now` visible to the consumer.
    pub fn publish(ring: *Ring, claimed: Claim) void {
        if (claimed.count == 0) return;
        if (ring.multi) {
            _ = ring.producer.pushed.fetchAdd(claimed.count, .release);
            return;
        }
        assert(claimed.end == ring.producer.claimed_tail);
        ring.publish_single();
    }

    fn publish_single(ring: *Ring) void {
        assert(!ring.multi);
        const records = ring.producer.claimed_records;
        ring.producer.claimed_records = 0;
        ring.producer.pushed.store(ring.producer.pushed.load(.monotonic) + records, .release);
        ring.producer.tail.store(ring.producer.claimed_tail, .release);
    }

    /// Commits `count` records placed without `commit_now`, the first with its payload at
    /// `first_payload_offset`. Validates everything before changing anything.
    pub fn commit(ring: *Ring, first_payload_offset: u32, count: u32) CommitError!void {
        if (count == 0) return;
        if (!ring.multi) {
            if (ring.producer.claimed_records != count) return error.BadArgument;
            ring.publish_single();
            return;
        }
        if (first_payload_offset < frame.header_bytes or first_payload_offset > ring.capacity_bytes or
            first_payload_offset % frame.alignment_bytes != 0) return error.BadArgument;
        if (count > ring.capacity_bytes / frame.header_bytes) return error.BadArgument;
        try ring.commit_walk(first_payload_offset - frame.header_bytes, count, false);
        ring.commit_walk(first_payload_offset - frame.header_bytes, count, true) catch unreachable;
        _ = ring.producer.pushed.fetchAdd(count, .release);
    }

    /// Walks `count` claimed records from `offset`: checks them, and with `apply` commits them.
    fn commit_walk(ring: *Ring, first_offset: u32, count: u32, comptime apply: bool) CommitError!void {
        var offset = first_offset;
        var index: u32 = 0;
        while (index < count) {
            if (offset == ring.capacity_bytes) offset = 0;
            const h = ring.header(offset);
            const length = @atomicLoad(u32, &h.length, .monotonic);
            if (h.type == frame.padding_type and index > 0) {
                if (length != ring.capacity_bytes - offset) return error.BadArgument;
                offset = 0;
                continue;
            }
            if (length & uncommitted_bit == 0) return error.BadArgument;
            const plain = length & ~uncommitted_bit;
            if (plain < frame.header_bytes or frame.padded_bytes(plain - frame.header_bytes) > ring.capacity_bytes - offset) {
                return error.BadArgument;
            }
            if (apply) @atomicStore(u32, &h.length, plain, .release);
            offset += frame.padded_bytes(plain - frame.header_bytes);
            index += 1;
        }
    }

    /// Length of the committed record at `offset`, or null when it is not committed yet.
    fn committed_length(ring: *const Ring, offset: u32) ?u32 {
        const h = ring.header(offset);
        if (!ring.multi) return h.length;
        const length = @atomicLoad(u32, &h.length, .acquire);
        if (length == 0 or length & uncommitted_bit != 0) return null;
        return length;
    }

    /// Checks a committed header read from ring memory: a bad one means the memory was corrupted.
    fn check_header(ring: *const Ring, offset: u32, length: u32) ReadError!void {
        if (length < frame.header_bytes or length > ring.capacity_bytes - offset) return error.Corrupt;
        if (ring.header(offset).type == frame.padding_type) {
            if (length != ring.capacity_bytes - offset) return error.Corrupt;
        } else if (frame.padded_bytes(length - frame.header_bytes) > ring.capacity_bytes - offset) {
            return error.Corrupt;
        }
    }

    /// The committed records at the head, up to `max_records`, stopping at the end of the data
    /// region. Changes nothing but the consumer's cached tail; `release` consumes.
    pub fn read(ring: *Ring, max_records: u32) ReadError!Span {
        const head = ring.consumer.head.load(.monotonic);
        var position = head;
        var records: u32 = 0;
        // Bounded: every step advances at least one header, and a span never passes the wrap.
        while (records < max_records) {
            if (position == ring.consumer.tail_cached) {
                ring.consumer.tail_cached = ring.producer.tail.load(.acquire);
                if (position == ring.consumer.tail_cached) break;
            }
            const offset = ring.offset_of(position);
            if (offset == 0 and position != head) break;
            const length = ring.committed_length(offset) orelse break;
            try ring.check_header(offset, length);
            if (ring.header(offset).type == frame.padding_type) {
                position += length;
                break;
            }
            position += frame.padded_bytes(length - frame.header_bytes);
            records += 1;
        }
        ring.consumer.read_end = position;
        ring.consumer.read_records = records;
        return .{ .offset = ring.offset_of(head), .bytes = @intCast(position - head), .records = records };
    }

    /// Records (padding excluded) in `bytes` of committed records from `start`, which must end on
    /// a record boundary.
    fn count_records(ring: *const Ring, start: u32, bytes: u32) ReleaseError!u32 {
        var offset = start;
        var records: u32 = 0;
        while (offset < start + bytes) {
            const length = ring.committed_length(offset) orelse return error.BadArgument;
            try ring.check_header(offset, length);
            if (ring.header(offset).type == frame.padding_type) {
                offset += length;
            } else {
                offset += frame.padded_bytes(length - frame.header_bytes);
                records += 1;
            }
        }
        if (offset != start + bytes) return error.BadArgument;
        return records;
    }

    /// Consumes `bytes` from the head: they must end on a record boundary within what `read`
    /// returned. Returns the records consumed (padding excluded).
    pub fn release(ring: *Ring, bytes: u32) ReleaseError!u32 {
        const head = ring.consumer.head.load(.monotonic);
        const start = ring.offset_of(head);
        if (bytes == 0) return 0;
        if (bytes > ring.consumer.tail_cached - head or bytes > ring.capacity_bytes - start) return error.BadArgument;
        // The whole span `read` just walked and checked: no need to walk it again.
        const records = if (ring.consumer.read_records != Consumer.no_read and head + bytes == ring.consumer.read_end)
            ring.consumer.read_records
        else
            try ring.count_records(start, bytes);
        ring.consumer.read_records = Consumer.no_read;
        if (ring.multi) @memset(ring.data[start..][0..bytes], 0);
        ring.consumer.popped.store(ring.consumer.popped.load(.monotonic) + records, .release);
        ring.consumer.head.store(head + bytes, .release);
        return records;
    }

    /// Copies up to `max_records` records (header and payload, 8-byte aligned, padding skipped)
    /// into `out` and consumes them.
    pub fn pop_frames(ring: *Ring, out: []u8, max_records: u32) PopError!Popped {
        var popped: Popped = .{ .records = 0, .bytes = 0 };
        // Two runs at most: up to the end of the data region, then from its start.
        for (0..2) |_| {
            if (popped.records == max_records) break;
            const span = try ring.read(max_records - popped.records);
            if (span.bytes == 0) break;
            var consumed: u32 = 0;
            while (consumed < span.bytes) {
                const offset = span.offset + consumed;
                const h = ring.header(offset);
                const length = h.length & ~uncommitted_bit;
                if (h.type == frame.padding_type) {
                    consumed += length;
                    continue;
                }
                const size = frame.padded_bytes(length - frame.header_bytes);
                if (out.len - popped.bytes < size) break;
                @memcpy(out[popped.bytes..][0..size], ring.data[offset..][0..size]);
                std.mem.bytesAsValue(frame.Header, out[popped.bytes..][0..frame.header_bytes]).length = length;
                popped.bytes += size;
                popped.records += 1;
                consumed += size;
            }
            _ = ring.release(consumed) catch return error.Corrupt;
            if (consumed < span.bytes) {
                if (popped.records == 0) return error.BufferTooSmall;
                break;
            }
        }
        return popped;
    }

    /// Appends one record, copying `payload`; false when it does not fit now.
    pub fn try_push(ring: *Ring, payload: []const u8, record_type: u32) bool {
        return ring.push_batch(&.{payload}, record_type) == 1;
    }

    /// Appends the longest prefix of `payloads` that fits now; returns its length.
    pub fn push_batch(ring: *Ring, payloads: []const []const u8, record_type: u32) u32 {
        assert(record_type <= frame.max_type);
        assert(!ring.claim_outstanding());
        for (payloads) |payload| assert(payload.len <= ring.max_payload_bytes());
        const items: SliceItems = .{ .payloads = payloads, .type = record_type };
        const claimed = ring.claim(items);
        ring.place(claimed, items, SliceCopier{ .ring = ring, .payloads = payloads }, true);
        ring.publish(claimed);
        return claimed.count;
    }

    /// Checks every frame of `frames` (records in ring format), then appends the longest prefix
    /// that fits now; returns how many records. Nothing is written when a frame is malformed.
    pub fn push_frames(ring: *Ring, frames: []const u8) frame.Error!u32 {
        assert(!ring.claim_outstanding());
        if (!ring.multi) return ring.push_frames_single(frames);
        _ = try frame.check_all(frames, ring.max_payload_bytes());
        const items: FrameItems = .{ .reader = .{ .frames = frames } };
        const claimed = ring.claim(items);
        var copier: FrameCopier = .{ .ring = ring, .reader = .{ .frames = frames } };
        ring.place(claimed, items, &copier, true);
        ring.publish(claimed);
        return claimed.count;
    }

    /// Where a run of frames meets the end of the data region.
    const FrameSplit = struct { frames_offset: usize, position: u64, padding_bytes: u32 };

    /// Single producer, in one walk: checks every frame, plans the prefix that fits, then copies
    /// it with one `memcpy` (two when it meets the end of the data region, with a padding record
    /// between). Nothing is visible until the tail is published, so the copy needs no ordering.
    fn push_frames_single(ring: *Ring, frames: []const u8) frame.Error!u32 {
        const tail = ring.producer.claimed_tail;
        var head = ring.producer.head_cached.load(.monotonic);
        var head_refreshed = false;
        var end = tail;
        var count: u32 = 0;
        var prefix_bytes: usize = 0;
        var fitting = true;
        var split: ?FrameSplit = null;
        var offset: usize = 0;
        // Bounded: every step advances `offset` by at least one header.
        while (offset < frames.len) {
            const size = try frame.check(frames, offset, ring.max_payload_bytes());
            if (fitting and end - head + ring.span_at(end, size) > ring.capacity_bytes and !head_refreshed) {
                head = ring.consumer.head.load(.acquire);
                ring.producer.head_cached.store(head, .monotonic);
                head_refreshed = true;
            }
            fitting = fitting and end - head + ring.span_at(end, size) <= ring.capacity_bytes;
            if (fitting) {
                const at = ring.offset_of(end);
                const to_end = ring.capacity_bytes - at;
                if (size > to_end or (at == 0 and end != tail)) {
                    assert(split == null); // a claim is less than a lap: it wraps at most once
                    const padding_bytes: u32 = if (size > to_end) to_end else 0;
                    split = .{ .frames_offset = offset, .position = end, .padding_bytes = padding_bytes };
                    end += padding_bytes;
                }
                end += size;
                count += 1;
                prefix_bytes = offset + size;
            }
            offset += size;
        }
        if (split) |at| {
            ring.copy_run(tail, frames[0..at.frames_offset]);
            if (at.padding_bytes > 0) ring.write_header(ring.offset_of(at.position), at.padding_bytes, frame.padding_type, true);
            ring.copy_run(at.position + at.padding_bytes, frames[at.frames_offset..prefix_bytes]);
        } else {
            ring.copy_run(tail, frames[0..prefix_bytes]);
        }
        ring.producer.claimed_tail = end;
        ring.producer.claimed_records += count;
        ring.publish_single();
        return count;
    }

    fn copy_run(ring: *Ring, position: u64, bytes: []const u8) void {
        const offset = ring.offset_of(position);
        assert(bytes.len <= ring.capacity_bytes - offset);
        @memcpy(ring.data[offset..][0..bytes.len], bytes);
    }
};

/// Records from a slice of payloads, all of one type.
pub const SliceItems = struct {
    payloads: []const []const u8,
    type: u32,
    index: usize = 0,

    pub fn next(items: *SliceItems) ?Item {
        if (items.index == items.payloads.len) return null;
        defer items.index += 1;
        return .{ .payload_bytes = @intCast(items.payloads[items.index].len), .type = items.type };
    }
};

/// Records from a list of payload lengths, all of one type (payloads written later, in place).
pub const LengthItems = struct {
    lengths: []const u32,
    type: u32,
    index: usize = 0,

    pub fn next(items: *LengthItems) ?Item {
        if (items.index == items.lengths.len) return null;
        defer items.index += 1;
        return .{ .payload_bytes = items.lengths[items.index], .type = items.type };
    }
};

/// Records from a buffer of frames (checked by `frame.check_all`).
pub const FrameItems = struct {
    reader: frame.Reader,

    pub fn next(items: *FrameItems) ?Item {
        const next_frame = items.reader.next() orelse return null;
        return .{ .payload_bytes = @intCast(next_frame.payload.len), .type = next_frame.type };
    }
};

const SliceCopier = struct {
    ring: *Ring,
    payloads: []const []const u8,

    fn write(copier: SliceCopier, index: u32, payload_offset: u32, payload_bytes: u32) void {
        assert(copier.payloads[index].len == payload_bytes);
        @memcpy(copier.ring.data[payload_offset..][0..payload_bytes], copier.payloads[index]);
    }
};

const FrameCopier = struct {
    ring: *Ring,
    /// At the next frame to copy: `place` writes records in order.
    reader: frame.Reader,

    fn write(copier: *FrameCopier, index: u32, payload_offset: u32, payload_bytes: u32) void {
        _ = index;
        const source = copier.reader.next().?;
        assert(source.payload.len == payload_bytes);
        @memcpy(copier.ring.data[payload_offset..][0..payload_bytes], source.payload);
    }
};

/// Hands out payload offsets for a producer that writes payloads itself (zero copy).
pub const OffsetWriter = struct {
    offsets: []u32,

    fn write(writer: OffsetWriter, index: u32, payload_offset: u32, payload_bytes: u32) void {
        _ = payload_bytes;
        writer.offsets[index] = payload_offset;
    }
};

// Tests.

const testing = std.testing;

fn pattern(buffer: []u8, seed: u64) []u8 {
    for (buffer, 0..) |*byte, i| byte.* = @truncate(seed *% 31 +% i *% 7);
    return buffer;
}

test "Ring: rejects capacities that are not powers of two in range" {
    for ([_]u32{ 0, 32, 63, 100, 1 << 31 }) |capacity| {
        try testing.expectError(error.BadCapacity, Ring.create(testing.allocator, capacity, .single));
    }
    const ring = try Ring.create(testing.allocator, 64, .multi);
    defer ring.destroy(testing.allocator);
    try testing.expectEqual(@as(u32, 24), ring.max_payload_bytes());
}

test "Ring: records come out in order with payload and type intact" {
    for ([_]Producers{ .single, .multi }) |producers| {
        const ring = try Ring.create(testing.allocator, 4096, producers);
        defer ring.destroy(testing.allocator);
        var buffer: [64]u8 = undefined;
        for (0..20) |i| try testing.expect(ring.try_push(pattern(buffer[0 .. i * 3], i), @intCast(i)));
        try testing.expectEqual(@as(u64, 20), ring.depth());
        var out: [4096]u8 = undefined;
        const popped = try ring.pop_frames(&out, 100);
        try testing.expectEqual(@as(u32, 20), popped.records);
        var reader: frame.Reader = .{ .frames = out[0..popped.bytes] };
        var i: u32 = 0;
        while (reader.next()) |record| : (i += 1) {
            try testing.expectEqual(i, record.type);
            try testing.expectEqualSlices(u8, pattern(buffer[0 .. i * 3], i), record.payload);
        }
        try testing.expectEqual(@as(u32, 20), i);
        try testing.expectEqual(@as(u64, 0), ring.depth());
    }
}

test "Ring: a full ring refuses and never overwrites" {
    for ([_]Producers{ .single, .multi }) |producers| {
        const ring = try Ring.create(testing.allocator, 64, producers);
        defer ring.destroy(testing.allocator);
        var buffer: [24]u8 = undefined;
        try testing.expect(ring.try_push(pattern(&buffer, 1), 1));
        try testing.expect(ring.try_push(pattern(&buffer, 2), 2));
        try testing.expect(!ring.try_push(&.{}, 3));
        try testing.expectEqual(@as(u64, 2), ring.depth());
        var out: [64]u8 = undefined;
        const popped = try ring.pop_frames(&out, 1);
        try testing.expectEqual(@as(u32, 1), popped.records);
        try testing.expectEqualSlices(u8, pattern(&buffer, 1), out[frame.header_bytes..][0..24]);
        try testing.expect(ring.try_push(pattern(&buffer, 3), 3));
        const rest = try ring.pop_frames(&out, 10);
        try testing.expectEqual(@as(u32, 2), rest.records);
        try testing.expectEqualSlices(u8, pattern(&buffer, 2), out[frame.header_bytes..][0..24]);
    }
}

test "Ring: wraps with padding record" {
    for ([_]Producers{ .single, .multi }) |producers| {
        const ring = try Ring.create(testing.allocator, 64, producers);
        defer ring.destroy(testing.allocator);
        var buffer: [24]u8 = undefined;
        var out: [64]u8 = undefined;
        for (0..200) |round| {
            const length = (round * 7) % (ring.max_payload_bytes() + 1);
            try testing.expect(ring.try_push(pattern(buffer[0..length], round), @intCast(round)));
            const popped = try ring.pop_frames(&out, 1);
            try testing.expectEqual(@as(u32, 1), popped.records);
            var reader: frame.Reader = .{ .frames = out[0..popped.bytes] };
            const record = reader.next().?;
            try testing.expectEqual(@as(u32, @intCast(round)), record.type);
            try testing.expectEqualSlices(u8, pattern(buffer[0..length], round), record.payload);
        }
        try testing.expectEqual(@as(u64, 0), ring.depth());
    }
}

test "Ring: push_batch takes the prefix that fits" {
    for ([_]Producers{ .single, .multi }) |producers| {
        const ring = try Ring.create(testing.allocator, 256, producers);
        defer ring.destroy(testing.allocator);
        var storage: [20][8]u8 = undefined;
        var payloads: [20][]const u8 = undefined;
        for (&payloads, &storage, 0..) |*payload, *bytes, i| payload.* = pattern(bytes, i);
        try testing.expectEqual(@as(u32, 16), ring.push_batch(&payloads, 5));
        try testing.expectEqual(@as(u32, 0), ring.push_batch(&payloads, 5));
        var out: [256]u8 = undefined;
        const popped = try ring.pop_frames(&out, 100);
        try testing.expectEqual(@as(u32, 16), popped.records);
        var reader: frame.Reader = .{ .frames = out[0..popped.bytes] };
        var i: usize = 0;
        while (reader.next()) |record| : (i += 1) try testing.expectEqualSlices(u8, payloads[i], record.payload);
    }
}

test "Ring: push_frames copies records in ring format, across the wrap" {
    for ([_]Producers{ .single, .multi }) |producers| {
        const ring = try Ring.create(testing.allocator, 128, producers);
        defer ring.destroy(testing.allocator);
        var filler: [40]u8 = undefined;
        try testing.expect(ring.try_push(&filler, 0));
        var out: [128]u8 = undefined;
        _ = try ring.pop_frames(&out, 1);
        var frames: [96]u8 = @splat(0);
        for (0..3) |i| {
            std.mem.bytesAsValue(frame.Header, frames[i * 32 ..][0..8]).* = .{ .length = 8 + 20, .type = @intCast(7 + i) };
            _ = pattern(frames[i * 32 + 8 ..][0..20], i);
        }
        try testing.expectEqual(@as(u32, 3), try frame.check_all(frames[0..96], ring.max_payload_bytes()));
        // From offset 48: two records, padding to the end, the third at offset 0 (112 bytes used).
        try testing.expectEqual(@as(u32, 3), try ring.push_frames(frames[0..96]));
        try testing.expectEqual(@as(u32, 0), try ring.push_frames(frames[64..96]));
        const popped = try ring.pop_frames(&out, 10);
        try testing.expectEqual(@as(u32, 3), popped.records);
        for (0..3) |i| try testing.expectEqualSlices(u8, frames[i * 32 ..][0..28], out[i * 32 ..][0..28]);
    }
}

test "Ring: push_frames of a single producer wraps in the middle of a run" {
    const ring = try Ring.create(testing.allocator, 128, .single);
    defer ring.destroy(testing.allocator);
    var filler: [40]u8 = undefined;
    var out: [128]u8 = undefined;
    try testing.expect(ring.try_push(&filler, 0)); // 48 bytes
    try testing.expect(ring.try_push(filler[0..24], 0)); // 32 more: the next run starts at 80
    _ = try ring.pop_frames(&out, 2);
    var frames: [64]u8 = @splat(0);
    for (0..4) |i| {
        std.mem.bytesAsValue(frame.Header, frames[i * 16 ..][0..8]).* = .{ .length = 8 + 8, .type = @intCast(i) };
        _ = pattern(frames[i * 16 + 8 ..][0..8], i);
    }
    try testing.expectEqual(@as(u32, 4), try ring.push_frames(&frames)); // 3 up to the end, 1 from 0
    const popped = try ring.pop_frames(&out, 10);
    try testing.expectEqual(@as(u32, 4), popped.records);
    try testing.expectEqualSlices(u8, &frames, out[0..64]);
}

test "Ring: releasing part of a read span, then the rest, counts each part" {
    const ring = try Ring.create(testing.allocator, 256, .single);
    defer ring.destroy(testing.allocator);
    for (0..4) |i| try testing.expect(ring.try_push("abcdefgh", @intCast(i)));
    const span = try ring.read(10);
    try testing.expectEqual(@as(u32, 4), span.records);
    try testing.expectEqual(@as(u32, 1), try ring.release(16));
    try testing.expectEqual(@as(u32, 3), try ring.release(span.bytes - 16));
    try testing.expectEqual(@as(u64, 0), ring.depth());
    for (0..2) |i| try testing.expect(ring.try_push("abcdefgh", @intCast(i)));
    const whole = try ring.read(10);
    try testing.expectEqual(@as(u32, 2), try ring.release(whole.bytes));
    try testing.expectError(error.BadArgument, ring.release(16));
}

test "Ring: in-place claim; the consumer stops at an uncommitted record" {
    const ring = try Ring.create(testing.allocator, 256, .multi);
    defer ring.destroy(testing.allocator);
    var offsets_a: [1]u32 = undefined;
    var offsets_b: [2]u32 = undefined;
    const items_a: LengthItems = .{ .lengths = &.{4}, .type = 1 };
    const items_b: LengthItems = .{ .lengths = &.{ 4, 12 }, .type = 2 };
    const claim_a = ring.claim(items_a);
    ring.place(claim_a, items_a, OffsetWriter{ .offsets = &offsets_a }, false);
    const claim_b = ring.claim(items_b);
    ring.place(claim_b, items_b, OffsetWriter{ .offsets = &offsets_b }, false);
    @memcpy(ring.data[offsets_b[0]..][0..4], "bbbb");
    try ring.commit(offsets_b[0], 2);
    try testing.expectEqual(@as(u32, 0), (try ring.read(10)).records);
    try testing.expectError(error.BadArgument, ring.commit(offsets_b[0], 1)); // already committed
    try testing.expectError(error.BadArgument, ring.commit(offsets_a[0] + 1, 1));
    @memcpy(ring.data[offsets_a[0]..][0..4], "aaaa");
    try ring.commit(offsets_a[0], 1);
    const span = try ring.read(10);
    try testing.expectEqual(@as(u32, 3), span.records);
    try testing.expectEqualSlices(u8, "aaaa", ring.data[span.offset + frame.header_bytes ..][0..4]);
    try testing.expectEqual(@as(u32, 3), try ring.release(span.bytes));
    try testing.expectEqual(@as(u64, 0), ring.depth());
}

test "Ring: single-producer claim publishes only on commit" {
    const ring = try Ring.create(testing.allocator, 256, .single);
    defer ring.destroy(testing.allocator);
    var offsets: [2]u32 = undefined;
    const items: LengthItems = .{ .lengths = &.{ 3, 5 }, .type = 4 };
    const claimed = ring.claim(items);
    ring.place(claimed, items, OffsetWriter{ .offsets = &offsets }, false);
    try testing.expect(ring.claim_outstanding());
    try testing.expectEqual(@as(u32, 0), (try ring.read(10)).records);
    try testing.expectError(error.BadArgument, ring.commit(offsets[0], 1));
    try ring.commit(offsets[0], 2);
    try testing.expect(!ring.claim_outstanding());
    try testing.expectEqual(@as(u32, 2), (try ring.read(10)).records);
}

test "Ring: release accepts only record boundaries that were read" {
    const ring = try Ring.create(testing.allocator, 128, .multi);
    defer ring.destroy(testing.allocator);
    try testing.expect(ring.try_push("hello", 1));
    try testing.expect(ring.try_push("world!", 2));
    const span = try ring.read(10);
    try testing.expectEqual(@as(u32, 32), span.bytes);
    try testing.expectError(error.BadArgument, ring.release(8)); // inside a record
    try testing.expectError(error.BadArgument, ring.release(40)); // past the tail
    try testing.expectEqual(@as(u32, 1), try ring.release(16));
    try testing.expectEqual(@as(u64, 1), ring.depth());
}

test "Ring: pop_frames reports a buffer too small for the next record" {
    const ring = try Ring.create(testing.allocator, 128, .single);
    defer ring.destroy(testing.allocator);
    try testing.expect(ring.try_push("0123456789", 1));
    var out: [16]u8 = undefined;
    try testing.expectError(error.BufferTooSmall, ring.pop_frames(&out, 1));
    try testing.expectEqual(@as(u64, 1), ring.depth());
    var big: [24]u8 = undefined;
    try testing.expectEqual(@as(u32, 1), (try ring.pop_frames(&big, 1)).records);
}

test "Ring: an empty ring accepts a maximal payload at every offset" {
    for ([_]Producers{ .single, .multi }) |producers| {
        const ring = try Ring.create(testing.allocator, 128, producers);
        defer ring.destroy(testing.allocator);
        var payload: [56]u8 = undefined;
        var out: [128]u8 = undefined;
        for (0..16) |i| {
            try testing.expect(ring.try_push(pattern(&payload, i), 0));
            try testing.expectEqual(@as(u32, 1), (try ring.pop_frames(&out, 10)).records);
            try testing.expect(ring.try_push(payload[0 .. i % 3], 0));
            try testing.expectEqual(@as(u32, 1), (try ring.pop_frames(&out, 10)).records);
        }
    }
}
