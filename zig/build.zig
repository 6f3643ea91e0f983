//! `zig build` installs the shared library (zig-out/lib/libmeshos.so) and the wasm32 module
//! (zig-out/bin/meshos.wasm) from the same sources; `zig build test` runs the inline tests and the
//! ring stress tests (src/ring_stress_test.zig).

const std = @import("std");

pub fn build(b: *std.Build) void {
    const target = b.standardTargetOptions(.{});
    const optimize = b.standardOptimizeOption(.{});
    const strip = optimize != .debug;

    const native = b.addLibrary(.{
        .name = "meshos",
        .linkage = .dynamic,
        .root_module = b.createModule(.{
            .root_source_file = b.path("src/root.zig"),
            .target = target,
            .optimize = optimize,
            .strip = strip,
        }),
    });
    b.installArtifact(native);

    const wasm = b.addExecutable(.{
        .name = "meshos",
        .root_module = b.createModule(.{
            .root_source_file = b.path("src/root.zig"),
            .target = b.resolveTargetQuery(.{ .cpu_arch = .wasm32, .os_tag = .freestanding }),
            .optimize = optimize,
            // No shared memory: one JS thread owns the instance, so atomics can be plain.
            .single_threaded = true,
            .strip = strip,
        }),
    });
    wasm.entry = .disabled;
    wasm.rdynamic = true;
    b.installArtifact(wasm);

    const test_optimize = b.option(std.builtin.OptimizeMode, "test-optimize", "Optimize mode of `zig build test`") orelse .debug;
    const test_step = b.step("test", "Run the inline tests and the ring stress tests");
    const suites = [_]struct { root_source_file: []const u8, filters: []const []const u8 }{
        // The inline tests of every file root.zig reaches.
        .{ .root_source_file = "src/root.zig", .filters = &.{} },
        // Only the stress tests: the inline tests of ring.zig, which it imports, already ran above.
        .{ .root_source_file = "src/ring_stress_test.zig", .filters = &.{"Ring stress:"} },
    };
    for (suites) |suite| {
        const tests = b.addTest(.{
            .root_module = b.createModule(.{
                .root_source_file = b.path(suite.root_source_file),
                .target = target,
                .optimize = test_optimize,
            }),
            .filters = suite.filters,
        });
        test_step.dependOn(&b.addRunArtifact(tests).step);
    }
}
