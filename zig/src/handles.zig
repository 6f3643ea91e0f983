//! A fixed table mapping `u32` handles to the objects behind the C ABI, so a stale, forged or
//! wrong-kind handle is answered with a status instead of a wild pointer dereference.
//!
//! A handle is `generation << index_bits | index`. Generations start at 1 and only grow: a slot
//! whose last generation was used is retired for good instead of wrapping, so a handle, once
//! freed, never becomes valid again — not after 4,095 reuses of its slot, not ever. 0 is never a
//! valid handle (the "null" handle). The table has 2^20 slots (16 MiB of address space, touched
//! only as slots are used), so about 4.3 billion objects can be created in one process before
//! `register` reports the table exhausted.
//!
//! Registering and unregistering are lock-free and may race with each other; a rotating cursor
//! keeps `register` from rescanning the slots in use. Using an object while another thread
//! unregisters it is the caller's error (as with any free).

const std = @import("std");
const assert = std.debug.assert;

pub const index_bits = 20;
pub const slot_count: u32 = 1 << index_bits;
const generation_bits = 32 - index_bits;
/// The last generation a slot is given before it retires.
pub const max_generation: u32 = (1 << generation_bits) - 1;

/// What a slot holds. `closed_ring`: a ring its owner closed, refused by every call but
/// `meshos_ring_destroy`, which frees it once no view of its memory is left (the FFI hosts wait
/// for their views to be collected).
pub const Kind = enum(u8) { free = 0, reserved = 1, ring = 2, log = 3, buffer = 4, retired = 5, closed_ring = 6 };

/// `generation << 8 | kind`.
const State = u32;

fn state_of(generation: u32, kind: Kind) State {
    assert(generation <= max_generation);
    return generation << 8 | @backingInt(kind);
}

fn generation_of(state: State) u32 {
    return state >> 8;
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
    /// Where the next `register` starts looking.
    cursor: std.atomic.Value(u32) = .init(0),

    comptime {
        assert(index_bits + generation_bits == 32);
        assert(max_generation << 8 >> 8 == max_generation); // a state holds every generation
    }

    /// Stores `object` and returns its handle, or null when no slot can take one.
    pub fn register(table: *Table, kind: Kind, object: *anyopaque) ?u32 {
        assert(kind != .free and kind != .reserved and kind != .retired);
        const start = table.cursor.load(.monotonic);
        var scanned: u32 = 0;
        while (scanned < slot_count) : (scanned += 1) {
            const index = (start +% scanned) & (slot_count - 1);
            const slot = &table.slots[index];
            const state = slot.state.load(.monotonic);
            if (kind_of(state) != @backingInt(Kind.free)) continue;
            const generation = generation_of(state) + 1;
            const reserved = state_of(generation, .reserved);
            if (slot.state.cmpxchgStrong(state, reserved, .acquire, .monotonic) != null) continue;
            slot.object = object;
            slot.state.store(state_of(generation, kind), .release);
            table.cursor.store((index + 1) & (slot_count - 1), .monotonic);
            return generation << index_bits | index;
        }
        return null;
    }

    /// The object behind `handle` if it is live and of `kind`.
    pub fn lookup(table: *Table, handle: u32, kind: Kind) ?*anyopaque {
        const generation = handle >> index_bits;
        if (generation == 0) return null;
        const slot = &table.slots[handle & (slot_count - 1)];
        if (slot.state.load(.acquire) != state_of(generation, kind)) return null;
        return slot.object;
    }

    /// Changes the kind of the live object behind `handle` from `from` to `to`; false when it is
    /// not live and of `from` (or another thread changed it first).
    pub fn retag(table: *Table, handle: u32, from: Kind, to: Kind) bool {
        assert(to != .free and to != .reserved and to != .retired);
        if (table.lookup(handle, from) == null) return false;
        const slot = &table.slots[handle & (slot_count - 1)];
        const generation = handle >> index_bits;
        return slot.state.cmpxchgStrong(state_of(generation, from), state_of(generation, to), .acq_rel, .monotonic) == null;
    }

    /// Frees the slot of `handle` (retiring it after its last generation) and returns its
    /// object, or null if it is not live and of `kind`.
    pub fn unregister(table: *Table, handle: u32, kind: Kind) ?*anyopaque {
        const object = table.lookup(handle, kind) orelse return null;
        const slot = &table.slots[handle & (slot_count - 1)];
        const generation = handle >> index_bits;
        const next: Kind = if (generation == max_generation) .retired else .free;
        if (slot.state.cmpxchgStrong(state_of(generation, kind), state_of(generation, next), .acq_rel, .monotonic) != null) {
            return null; // Another thread unregistered it first.
        }
        return object;
    }
};

const testing = std.testing;

test "Table: handles are checked for kind, liveness and range" {
    const table = try testing.allocator.create(Table);
    defer testing.allocator.destroy(table);
    table.* = .{};
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
    try testing.expect(hc != ha);
    try testing.expectEqual(@as(?*anyopaque, null), table.lookup(ha, .ring));
}

test "Table: a freed handle never becomes valid again; a slot retires after its last generation" {
    const table = try testing.allocator.create(Table);
    defer testing.allocator.destroy(table);
    table.* = .{};
    var object: u8 = 0;
    // Drive slot 0 through every generation (the cursor moves on, so reset it each time).
    const first = table.register(.ring, &object).?;
    try testing.expectEqual(@as(u32, 0), first & (slot_count - 1));
    _ = table.unregister(first, .ring).?;
    var generation: u32 = 2;
    while (generation <= max_generation) : (generation += 1) {
        table.cursor.store(0, .monotonic);
        const handle = table.register(.ring, &object).?;
        try testing.expectEqual(generation << index_bits, handle);
        try testing.expectEqual(@as(?*anyopaque, null), table.lookup(first, .ring));
        _ = table.unregister(handle, .ring).?;
    }
    table.cursor.store(0, .monotonic);
    const elsewhere = table.register(.ring, &object).?;
    try testing.expectEqual(@as(u32, 1), elsewhere & (slot_count - 1)); // slot 0 is retired
    try testing.expectEqual(@as(?*anyopaque, null), table.lookup(first, .ring));
}

test "Table: a retagged object is found under its new kind only" {
    const table = try testing.allocator.create(Table);
    defer testing.allocator.destroy(table);
    table.* = .{};
    var object: u8 = 0;
    const handle = table.register(.ring, &object).?;
    try testing.expect(table.retag(handle, .ring, .closed_ring));
    try testing.expect(!table.retag(handle, .ring, .closed_ring));
    try testing.expectEqual(@as(?*anyopaque, null), table.lookup(handle, .ring));
    try testing.expectEqual(@as(?*anyopaque, &object), table.unregister(handle, .closed_ring));
}

test "Table: fills up, then reports no slot" {
    const table = try testing.allocator.create(Table);
    defer testing.allocator.destroy(table);
    table.* = .{};
    var object: u8 = 0;
    for (0..slot_count) |_| _ = table.register(.buffer, &object).?;
    try testing.expectEqual(@as(?u32, null), table.register(.buffer, &object));
}
