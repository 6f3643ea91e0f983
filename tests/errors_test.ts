// The error envelope (spec §2.6.1, RS-13) and MeshOsSdkError.fromCaught.
import assert from "node:assert/strict";
import { MeshOsSdkError } from "../mod.ts";
import { test } from "./_harness.ts";

test("RS-13 the envelope renders <<meshos-sdk-kind:KIND>>MSG exactly", () => {
  const err = new MeshOsSdkError("register_failed", "host already registered");
  assert.equal(err.message, "<<meshos-sdk-kind:register_failed>>host already registered");
  assert.equal(err.kind, "register_failed");
  assert.equal(err.detail, "host already registered");
  assert.equal(err.name, "MeshOsSdkError");
  assert.ok(err instanceof Error && err instanceof MeshOsSdkError);
});

test("fromCaught returns a MeshOsSdkError unchanged", () => {
  const err = new MeshOsSdkError("queue_full", "x");
  assert.equal(MeshOsSdkError.fromCaught(err), err);
});

test("fromCaught parses an envelope inside a plain Error, dropping any prefix", () => {
  const parsed = MeshOsSdkError.fromCaught(new Error("napi: <<meshos-sdk-kind:some_future_kind>>body >> with arrows"));
  assert.ok(parsed instanceof MeshOsSdkError);
  assert.equal(parsed.kind, "some_future_kind");
  assert.equal(parsed.detail, "body >> with arrows");
});

test("fromCaught leaves other Errors alone and wraps non-Errors", () => {
  const plain = new TypeError("nope");
  assert.equal(MeshOsSdkError.fromCaught(plain), plain);
  const unterminated = new Error("<<meshos-sdk-kind:broken");
  assert.equal(MeshOsSdkError.fromCaught(unterminated), unterminated);
  const wrapped = MeshOsSdkError.fromCaught(42);
  assert.ok(wrapped instanceof Error && !(wrapped instanceof MeshOsSdkError));
  assert.equal(wrapped.message, "42");
});
