//! `zig build` installs, from the same sources, the shared library for this machine
//! (zig-out/lib/libmeshos.so), the wasm32 module (zig-out/bin/meshos.wasm) and the shared library
//! of every platform the package ships, cross-compiled (zig-out/platforms/<platform>-<arch>/,
//! named as Node's `process.platform` and `process.arch`). Every library is built for its
//! architecture's baseline CPU: no instruction the oldest CPU of the architecture lacks (x86-64
//! without AVX, for instance), so a prebuilt file runs on any machine of its platform. The
//! library links no libc, so one Linux file serves glibc and musl systems alike.
//!
//! `zig build test` runs the inline tests and the ring stress tests (src/ring_stress_test.zig);
//! with `-Dtarget=aarch64-linux -fqemu` it runs them for arm64 under qemu.

const std = @import("std");

pub fn build(b: *std.Build) void {
    // Baseline CPU unless -Dcpu says otherwise: a library built here must run on any x86-64.
    const target = b.standardTargetOptions(.{ .default_target = .{ .cpu_model = .baseline } });
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

    // The prebuilt libraries the package ships (see `src/ffi/_artifacts.ts`, which picks one).
    const platforms = [_]struct { dir: []const u8, query: std.Target.Query }{
        .{ .dir = "linux-x64", .query = .{ .cpu_arch = .x86_64, .os_tag = .linux, .cpu_model = .baseline } },
        .{ .dir = "linux-arm64", .query = .{ .cpu_arch = .aarch64, .os_tag = .linux, .cpu_model = .baseline } },
        .{ .dir = "darwin-x64", .query = .{ .cpu_arch = .x86_64, .os_tag = .macos, .cpu_model = .baseline } },
        .{ .dir = "darwin-arm64", .query = .{ .cpu_arch = .aarch64, .os_tag = .macos, .cpu_model = .baseline } },
        .{ .dir = "win32-x64", .query = .{ .cpu_arch = .x86_64, .os_tag = .windows, .cpu_model = .baseline } },
    };
    for (platforms) |platform| {
        const library = b.addLibrary(.{
            .name = "meshos",
            .linkage = .dynamic,
            .root_module = b.createModule(.{
                .root_source_file = b.path("src/root.zig"),
                .target = b.resolveTargetQuery(platform.query),
                .optimize = optimize,
                .strip = strip,
            }),
        });
        const dir: std.Build.InstallDir = .{ .custom = b.fmt("platforms/{s}", .{platform.dir}) };
        b.getInstallStep().dependOn(&b.addInstallArtifact(library, .{
            .dest_dir = .{ .override = dir },
            .implib_dir = .disabled,
            .pdb_dir = .disabled,
        }).step);
    }

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
