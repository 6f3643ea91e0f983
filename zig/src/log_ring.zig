//! The log ring: the newest `capacity_records` log lines in fixed-size slots, overwriting the
//! oldest. Each append is stamped with a sequence number from 1; evictions and messages cut to
//! `max_message_bytes` (at a UTF-8 code point boundary) are counted.
//!
//! One thread appends and reads at a time (the JS thread that owns it). Memory is allocated once,
//! at `create`.

const std = @import("std");
const assert = std.debug.assert;

pub const default_capacity_records: u32 = 2048;
pub const max_capacity_records: u32 = 1 << 20;
pub const max_message_bytes_limit: u32 = 1 << 16;
/// Largest memory a log ring may take.
pub const max_ring_bytes: u64 = 1 << 28;
pub const max_level: u32 = 4;

/// The slot header, also the header of each record `read` writes out.
pub const Entry = extern struct {
    seq: u64,
    ts_ms: i64,
    daemon_id: u64,
    level: u32,
    flags: u32,
    message_bytes: u32,
    reserved: u32 = 0,

    pub const flag_has_daemon: u32 = 1;

    comptime {
        assert(@sizeOf(Entry) == 40);
        assert(@alignOf(Entry) == 8);
    }
};

/// Counters of a log ring.
pub const Stats = extern struct {
    /// Records kept now.
    records: u64,
    /// Last sequence number given out (0 before the first append).
    seq: u64,
    dropped: u64,
    truncated: u64,
    /// Bytes `read` needs for the records kept now.
    read_bytes: u64,
};

/// What `read` wrote.
pub const ReadResult = extern struct { records: u32, bytes: u32 };

pub const CreateError = error{ OutOfMemory, BadCapacity, BadLength };

fn entry_bytes(message_bytes: u32) u32 {
    return @sizeOf(Entry) + std.mem.alignForward(u32, message_bytes, 8);
}

/// The longest prefix of `message` of at most `max_bytes` that ends on a code point boundary.
pub fn utf8_cut(message: []const u8, max_bytes: u32) []const u8 {
    if (message.len <= max_bytes) return message;
    var cut: usize = max_bytes;
    // 0b10xxxxxx continues a code point; bounded by `max_bytes` steps.
    while (cut > 0 and message[cut] & 0xC0 == 0x80) cut -= 1;
    return message[0..cut];
}

pub const LogRing = struct {
    slots: []align(8) u8,
    capacity_records: u32,
    max_message_bytes: u32,
    slot_bytes: u32,
    /// Slot the next append writes.
    next: u32 = 0,
    count: u32 = 0,
    seq: u64 = 0,
    dropped: u64 = 0,
    truncated: u64 = 0,
    /// Sum of `entry_bytes` over the kept records.
    read_bytes: u64 = 0,

    pub fn create(allocator: std.mem.Allocator, capacity_records: u32, max_message_bytes: u32) CreateError!*LogRing {
        if (capacity_records < 1 or capacity_records > max_capacity_records) return error.BadCapacity;
        if (max_message_bytes < 1 or max_message_bytes > max_message_bytes_limit) return error.BadLength;
        const slot_bytes = entry_bytes(max_message_bytes);
        if (@as(u64, slot_bytes) * capacity_records > max_ring_bytes) return error.BadCapacity;
        const log = try allocator.create(LogRing);
        errdefer allocator.destroy(log);
        const slots = try allocator.alignedAlloc(u8, .@"8", @as(usize, slot_bytes) * capacity_records);
        log.* = .{
            .slots = slots,
            .capacity_records = capacity_records,
            .max_message_bytes = max_message_bytes,
            .slot_bytes = slot_bytes,
        };
        return log;
    }

    pub fn destroy(log: *LogRing, allocator: std.mem.Allocator) void {
        allocator.free(log.slots);
        allocator.destroy(log);
    }

    fn slot(log: *const LogRing, index: u32) []align(8) u8 {
        assert(index < log.capacity_records);
        const start = @as(usize, index) * log.slot_bytes;
        return @alignCast(log.slots[start..][0..log.slot_bytes]);
    }

    fn entry(log: *const LogRing, index: u32) *Entry {
        return std.mem.bytesAsValue(Entry, log.slot(index)[0..@sizeOf(Entry)]);
    }

    /// Stores one record, evicting the oldest when full; returns its sequence number.
    pub fn append(log: *LogRing, level: u32, daemon_id: ?u64, ts_ms: i64, message: []const u8) u64 {
        assert(level <= max_level);
        const kept = utf8_cut(message, log.max_message_bytes);
        if (kept.len < message.len) log.truncated += 1;
        if (log.count == log.capacity_records) {
            log.dropped += 1;
            log.read_bytes -= entry_bytes(log.entry(log.next).message_bytes);
        } else {
            log.count += 1;
        }
        log.seq += 1;
        log.entry(log.next).* = .{
            .seq = log.seq,
            .ts_ms = ts_ms,
            .daemon_id = daemon_id orelse 0,
            .level = level,
            .flags = if (daemon_id == null) 0 else Entry.flag_has_daemon,
            .message_bytes = @intCast(kept.len),
        };
        @memcpy(log.slot(log.next)[@sizeOf(Entry)..][0..kept.len], kept);
        log.read_bytes += entry_bytes(@intCast(kept.len));
        log.next = if (log.next + 1 == log.capacity_records) 0 else log.next + 1;
        assert(log.count <= log.capacity_records);
        return log.seq;
    }

    pub fn stats(log: *const LogRing) Stats {
        return .{
            .records = log.count,
            .seq = log.seq,
            .dropped = log.dropped,
            .truncated = log.truncated,
            .read_bytes = log.read_bytes,
        };
    }

    /// Writes the kept records, oldest first, each an `Entry` then its message padded to 8 bytes.
    pub fn read(log: *const LogRing, out: []u8) error{BufferTooSmall}!ReadResult {
        if (out.len < log.read_bytes) return error.BufferTooSmall;
        var index = (log.next + log.capacity_records - log.count) % log.capacity_records;
        var written: u32 = 0;
        for (0..log.count) |_| {
            const e = log.entry(index);
            const size = entry_bytes(e.message_bytes);
            @memset(out[written..][0..size], 0);
            @memcpy(out[written..][0 .. @sizeOf(Entry) + e.message_bytes], log.slot(index)[0 .. @sizeOf(Entry) + e.message_bytes]);
            written += size;
            index = if (index + 1 == log.capacity_records) 0 else index + 1;
        }
        assert(written == log.read_bytes);
        return .{ .records = log.count, .bytes = written };
    }
};

// Tests.

const testing = std.testing;

const ReadBack = struct {
    entry: Entry,
    message: []const u8,
};

fn read_back(out: []const u8, index: usize) ReadBack {
    var offset: usize = 0;
    var i: usize = 0;
    while (true) : (i += 1) {
        const e = std.mem.bytesToValue(Entry, out[offset..][0..@sizeOf(Entry)]);
        if (i == index) return .{ .entry = e, .message = out[offset + @sizeOf(Entry) ..][0..e.message_bytes] };
        offset += entry_bytes(e.message_bytes);
    }
}

test "LogRing: stamps seq from 1 and keeps the newest records" {
    const log = try LogRing.create(testing.allocator, 3, 64);
    defer log.destroy(testing.allocator);
    for ([_][]const u8{ "a", "b", "c", "d", "e" }, 0..) |message, i| {
        const daemon: ?u64 = if (i % 2 == 1) i else null;
        try testing.expectEqual(@as(u64, i + 1), log.append(@intCast(i % 5), daemon, @intCast(1000 + i), message));
    }
    const stats = log.stats();
    try testing.expectEqual(@as(u64, 3), stats.records);
    try testing.expectEqual(@as(u64, 2), stats.dropped);
    try testing.expectEqual(@as(u64, 0), stats.truncated);
    var out: [256]u8 = undefined;
    try testing.expectError(error.BufferTooSmall, log.read(out[0 .. stats.read_bytes - 1]));
    const result = try log.read(&out);
    try testing.expectEqual(@as(u32, 3), result.records);
    try testing.expectEqual(stats.read_bytes, result.bytes);
    const first = read_back(&out, 0);
    try testing.expectEqual(@as(u64, 3), first.entry.seq);
    try testing.expectEqual(@as(i64, 1002), first.entry.ts_ms);
    try testing.expectEqual(@as(u32, 0), first.entry.flags);
    try testing.expectEqualStrings("c", first.message);
    const second = read_back(&out, 1);
    try testing.expectEqual(@as(u64, 3), second.entry.daemon_id);
    try testing.expectEqual(Entry.flag_has_daemon, second.entry.flags);
    try testing.expectEqualStrings("e", read_back(&out, 2).message);
}

test "LogRing: cuts long messages at a UTF-8 boundary and counts the cuts" {
    const log = try LogRing.create(testing.allocator, 8, 8);
    defer log.destroy(testing.allocator);
    const cases = [_][2][]const u8{
        .{ "12345678", "12345678" },
        .{ "123456789", "12345678" },
        .{ "1234567\u{e9}", "1234567" },
        .{ "\u{20ac}\u{20ac}\u{20ac}", "\u{20ac}\u{20ac}" },
        .{ "a\u{1f600}\u{1f600}", "a\u{1f600}" },
    };
    for (cases) |case| _ = log.append(2, null, 0, case[0]);
    try testing.expectEqual(@as(u64, 4), log.stats().truncated);
    var out: [512]u8 = undefined;
    _ = try log.read(&out);
    for (cases, 0..) |case, i| try testing.expectEqualStrings(case[1], read_back(&out, i).message);
}

test "LogRing: rejects bad sizes" {
    try testing.expectError(error.BadCapacity, LogRing.create(testing.allocator, 0, 8));
    try testing.expectError(error.BadCapacity, LogRing.create(testing.allocator, max_capacity_records + 1, 8));
    try testing.expectError(error.BadLength, LogRing.create(testing.allocator, 8, 0));
    try testing.expectError(error.BadLength, LogRing.create(testing.allocator, 8, max_message_bytes_limit + 1));
    try testing.expectError(error.BadCapacity, LogRing.create(testing.allocator, max_capacity_records, max_message_bytes_limit));
}

test "LogRing: default capacity drops exactly the overflow" {
    const log = try LogRing.create(testing.allocator, default_capacity_records, 32);
    defer log.destroy(testing.allocator);
    var buffer: [32]u8 = undefined;
    for (0..5000) |i| {
        const message = std.fmt.bufPrint(&buffer, "line {d}", .{i}) catch unreachable;
        _ = log.append(@intCast(i % 5), i, @intCast(i), message);
    }
    const stats = log.stats();
    try testing.expectEqual(@as(u64, default_capacity_records), stats.records);
    try testing.expectEqual(@as(u64, 5000 - default_capacity_records), stats.dropped);
    const out = try testing.allocator.alloc(u8, stats.read_bytes);
    defer testing.allocator.free(out);
    _ = try log.read(out);
    try testing.expectEqual(@as(u64, 5000 - 2047), read_back(out, 0).entry.seq);
    try testing.expectEqualStrings("line 4999", read_back(out, 2047).message);
}
