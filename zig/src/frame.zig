//! The frame: one record in ring format. A ring's data region is a run of frames, and so are the
//! buffers `Ring.push_frames` takes and `Ring.pop_frames` fills; `src/ffi/_ring_format.ts` reads
//! and writes the same bytes.
//!
//! A frame is an 8-byte `Header` (the length of header plus payload, not rounded up, then the
//! type, both `u32` in the host's byte order: little-endian on every target built), the payload,
//! then padding up to the next 8-byte boundary. The padding bytes carry no meaning. A frame of
//! `padding_type` fills the end of a ring's data region at the wrap and never reaches a consumer.

const std = @import("std");
const assert = std.debug.assert;

pub const header_bytes: u32 = 8;
/// Every frame starts, and so ends, on a multiple of this.
pub const alignment_bytes: u32 = 8;
/// Type of the filler frame at the wrap; never handed to a consumer.
pub const padding_type: u32 = 0xFFFF_FFFF;
/// Largest type a producer may give a frame (the top bit stays free for `padding_type`).
pub const max_type: u32 = 0x7FFF_FFFF;

pub const Header = extern struct {
    /// Header plus payload bytes, not rounded up.
    length: u32,
    type: u32,
};

comptime {
    assert(@sizeOf(Header) == header_bytes);
    assert(@offsetOf(Header, "length") == 0);
    assert(@offsetOf(Header, "type") == 4);
    assert(header_bytes % alignment_bytes == 0);
    assert(std.math.isPowerOfTwo(alignment_bytes));
    assert(max_type < padding_type);
}

pub const Error = error{ BadLength, BadType };

/// Bytes a frame with `payload_bytes` of payload takes: header, payload and padding.
pub fn padded_bytes(payload_bytes: u32) u32 {
    assert(payload_bytes <= std.math.maxInt(u32) - header_bytes - (alignment_bytes - 1));
    return std.mem.alignForward(u32, header_bytes + payload_bytes, alignment_bytes);
}

/// Bytes the frame at `frames[offset..]` takes (header, payload, padding), once checked: its
/// header and padded payload lie within `frames`, its payload is at most `max_payload_bytes`, and
/// its type is at most `max_type`.
pub fn check(frames: []const u8, offset: usize, max_payload_bytes: u32) Error!u32 {
    assert(offset < frames.len);
    assert(max_payload_bytes <= std.math.maxInt(u32) - header_bytes - (alignment_bytes - 1));
    if (frames.len - offset < header_bytes) return error.BadLength;
    const h = std.mem.bytesToValue(Header, frames[offset..][0..header_bytes]);
    if (h.length < header_bytes or h.length - header_bytes > max_payload_bytes) return error.BadLength;
    if (h.type > max_type) return error.BadType;
    const size = padded_bytes(h.length - header_bytes);
    if (frames.len - offset < size) return error.BadLength;
    return size;
}

/// Checks that `frames` is a whole number of well-formed frames (see `check`); returns how many.
pub fn check_all(frames: []const u8, max_payload_bytes: u32) Error!u32 {
    var offset: usize = 0;
    var count: u32 = 0;
    // Bounded: every step advances `offset` by at least one header.
    while (offset < frames.len) : (count += 1) offset += try check(frames, offset, max_payload_bytes);
    assert(offset == frames.len);
    return count;
}

/// One frame as a reader sees it.
pub const Frame = struct { type: u32, payload: []const u8 };

/// Walks frames in order: a buffer `check_all` accepted, or one a ring wrote.
pub const Reader = struct {
    frames: []const u8,
    offset: usize = 0,

    pub fn next(reader: *Reader) ?Frame {
        if (reader.offset == reader.frames.len) return null;
        assert(reader.frames.len - reader.offset >= header_bytes);
        const h = std.mem.bytesToValue(Header, reader.frames[reader.offset..][0..header_bytes]);
        assert(h.length >= header_bytes);
        const payload_bytes = h.length - header_bytes;
        const size = padded_bytes(payload_bytes);
        assert(size <= reader.frames.len - reader.offset);
        defer reader.offset += size;
        return .{ .type = h.type, .payload = reader.frames[reader.offset + header_bytes ..][0..payload_bytes] };
    }
};

// Tests.

const testing = std.testing;

test "Frame: a frame is padded to 8 bytes, header included" {
    try testing.expectEqual(@as(u32, 8), padded_bytes(0));
    try testing.expectEqual(@as(u32, 16), padded_bytes(1));
    try testing.expectEqual(@as(u32, 16), padded_bytes(8));
    try testing.expectEqual(@as(u32, 24), padded_bytes(9));
}

test "Frame: check rejects malformed frames" {
    var frames: [32]u8 = @splat(0);
    try testing.expectError(error.BadLength, check_all(frames[0..4], 24));
    try testing.expectError(error.BadLength, check_all(frames[0..8], 24)); // length 0
    std.mem.bytesAsValue(Header, frames[0..8]).* = .{ .length = header_bytes + 25, .type = 0 };
    try testing.expectError(error.BadLength, check_all(frames[0..32], 24)); // over max payload
    std.mem.bytesAsValue(Header, frames[0..8]).* = .{ .length = header_bytes + 20, .type = padding_type };
    try testing.expectError(error.BadType, check_all(frames[0..32], 24));
    std.mem.bytesAsValue(Header, frames[0..8]).* = .{ .length = header_bytes + 20, .type = 1 };
    try testing.expectError(error.BadLength, check_all(frames[0..24], 24)); // cut short
    try testing.expectEqual(@as(u32, 1), try check_all(frames[0..32], 24));
    try testing.expectEqual(@as(u32, 0), try check_all(frames[0..0], 24));
}

test "Frame: the reader walks frames in order, padding skipped" {
    var frames: [40]u8 = @splat(0xAA);
    std.mem.bytesAsValue(Header, frames[0..8]).* = .{ .length = header_bytes + 3, .type = 7 };
    @memcpy(frames[8..11], "abc");
    std.mem.bytesAsValue(Header, frames[16..24]).* = .{ .length = header_bytes, .type = max_type };
    std.mem.bytesAsValue(Header, frames[24..32]).* = .{ .length = header_bytes + 8, .type = 0 };
    @memcpy(frames[32..40], "01234567");
    try testing.expectEqual(@as(u32, 3), try check_all(&frames, 8));
    var reader: Reader = .{ .frames = &frames };
    const first = reader.next().?;
    try testing.expectEqual(@as(u32, 7), first.type);
    try testing.expectEqualStrings("abc", first.payload);
    const second = reader.next().?;
    try testing.expectEqual(max_type, second.type);
    try testing.expectEqual(@as(usize, 0), second.payload.len);
    const third = reader.next().?;
    try testing.expectEqual(@as(u32, 0), third.type);
    try testing.expectEqualStrings("01234567", third.payload);
    try testing.expectEqual(@as(?Frame, null), reader.next());
}
