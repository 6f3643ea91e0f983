//! A fixed table mapping `u32` handles to the objects behind the C ABI, so a stale, forged or
//! wrong-kind handle is answered with a status instead of a wild pointer dereference.
//!
//! A handle is `generation << 16 | index`. Generations start at 1 and skip 0 when they wrap, so 0
//! is never a valid handle (the "null" handle). Registering and unregistering are lock-free and
//! may race with each other; using an object while another thread unregisters it is the caller's
//! error (as with any free).

const std = @import("std");
const assert = std.debug.assert;

pub const slot_count: u32 = 4096;

pub const Kind = enum(u8) { free = 0, reserved = 1, ring = 2, log = 3, buffer = 4 };

/// `generation << 8 | kind`.
const State = u32;

fn state_of(generation: u16, kind: Kind) State {
    return @as(u32, generation) << 8 | @backingInt(kind);
}

fn generation_of(state: State) u16 {
    return @truncate(state >> 8);
}

fn kind_of(state: State) u8 {
    return @truncate(state);
}

const Slot = struct {
    state: std.atomic.Value(State) = .init(0),
    object: ?*anyopaque = null,
};

pub const Table = struct {
    slots: [slot_count]Slot = @splat(.{}),

    comptime {
        assert(slot_count <= 1 << 16);
    }

    /// Stores `object` and returns its handle, or null when every slot is taken.
    pub fn register(table: *Table, kind: Kind, object: *anyopaque) ?u32 {
        assert(kind != .free and kind != .reserved);
        for (&table.slots, 0..) |*slot, index| {
            const state = slot.state.load(.monotonic);
            if (kind_of(state) != @backingInt(Kind.free)) continue;
            var generation = generation_of(state) +% 1;
            if (generation == 0) generation = 1;
            const reserved = state_of(generation, .reserved);
            if (slot.state.cmpxchgStrong(state, reserved, .acquire, .monotonic) != null) continue;
            slot.object = object;
            slot.state.store(state_of(generation, kind), .release);
            return @as(u32, generation) << 16 | @as(u32, @intCast(index));
        }
        return null;
    }

    /// The object behind `handle` if it is live and of `kind`.
    pub fn lookup(table: *Table, handle: u32, kind: Kind) ?*anyopaque {
        const index = handle & 0xFFFF;
        if (index >= slot_count) return null;
        const generation: u16 = @truncate(handle >> 16);
        if (generation == 0) return null;
        const slot = &table.slots[index];
        if (slot.state.load(.acquire) != state_of(generation, kind)) return null;
        return slot.object;
    }

    /// Frees the slot of `handle` and returns its object, or null if it is not live and of `kind`.
    pub fn unregister(table: *Table, handle: u32, kind: Kind) ?*anyopaque {
        const object = table.lookup(handle, kind) orelse return null;
        const slot = &table.slots[handle & 0xFFFF];
        const generation: u16 = @truncate(handle >> 16);
        if (slot.state.cmpxchgStrong(state_of(generation, kind), state_of(generation, .free), .acq_rel, .monotonic) != null) {
            return null; // Another thread unregistered it first.
        }
        return object;
    }
};

const testing = std.testing;

test "Table: handles are checked for kind, liveness and range" {
    var table: Table = .{};
    var a: u32 = 1;
    var b: u32 = 2;
    const ha = table.register(.ring, &a).?;
    const hb = table.register(.log, &b).?;
    try testing.expect(ha != 0 and hb != 0 and ha != hb);
    try testing.expectEqual(@as(?*anyopaque, &a), table.lookup(ha, .ring));
    try testing.expectEqual(@as(?*anyopaque, null), table.lookup(ha, .log));
    try testing.expectEqual(@as(?*anyopaque, null), table.lookup(0, .ring));
    try testing.expectEqual(@as(?*anyopaque, null), table.lookup(0xFFFF_FFFF, .ring));
    try testing.expectEqual(@as(?*anyopaque, &a), table.unregister(ha, .ring));
    try testing.expectEqual(@as(?*anyopaque, null), table.unregister(ha, .ring));
    try testing.expectEqual(@as(?*anyopaque, null), table.lookup(ha, .ring));
    const hc = table.register(.ring, &a).?;
    try testing.expect(hc != ha); // same slot, new generation
    try testing.expectEqual(@as(?*anyopaque, null), table.lookup(ha, .ring));
}

test "Table: fills up, then reports no slot" {
    var table: Table = .{};
    var object: u8 = 0;
    for (0..slot_count) |_| _ = table.register(.buffer, &object).?;
    try testing.expectEqual(@as(?u32, null), table.register(.buffer, &object));
}
