import assert from "node:assert/strict";
import { test } from "./_harness.ts";
import { MeshOsSdkError } from "../src/errors/meshos_sdk_error.ts";
import {
  type BackpressureHysteresis,
  backpressureLevel,
  createBackpressureHysteresis,
  isResendDue,
  updateBackpressure,
} from "../src/actors/backpressure_hysteresis.ts";

function run(depths: number[], start: BackpressureHysteresis = createBackpressureHysteresis()) {
  let hysteresis = start;
  return depths.map((depth) => {
    const step = updateBackpressure(hysteresis, depth);
    hysteresis = step.hysteresis;
    return step;
  });
}

test("BP-1 depth 1000 asserts: flag on, BackpressureOn due", () => {
  const [step] = run([1000]);
  assert.equal(step.change, "asserted");
  assert.equal(step.hysteresis.active, true);
  assert.equal(step.sendOn, true);
  assert.equal(step.sendOff, false);
  assert.equal(step.level, 1);
});

test("BP-1 below the threshold stays off (steady, nothing to send)", () => {
  const [step] = run([999]);
  assert.equal(step.change, "steady");
  assert.equal(step.hysteresis.active, false);
  assert.equal(step.sendOn, false);
  assert.equal(step.sendOff, false);
});

test("BP-2 after assert, 150 releases: flag off, BackpressureOff due", () => {
  const [, step] = run([1000, 150]);
  assert.equal(step.change, "released");
  assert.equal(step.hysteresis.active, false);
  assert.equal(step.hysteresis.lastSentLevel, null);
  assert.equal(step.sendOff, true);
  assert.equal(step.sendOn, false);
});

test("BP-3 after assert, 500 is steady (still on), then 100 releases", () => {
  const [, mid, end] = run([1000, 500, 100]);
  assert.equal(mid.change, "steady");
  assert.equal(mid.hysteresis.active, true);
  assert.equal(end.change, "released");
  assert.equal(end.hysteresis.active, false);
});

test("BP-3 boundaries: release fires at exactly 200, not at 201", () => {
  const [, at201, at200] = run([1000, 201, 200]);
  assert.equal(at201.change, "steady");
  assert.equal(at200.change, "released");
});

test("level = clamp((depth − release) / (threshold − release), 0, 1)", () => {
  const config = { threshold: 1000, release: 200 };
  assert.equal(backpressureLevel(200, config), 0);
  assert.equal(backpressureLevel(100, config), 0);
  assert.equal(backpressureLevel(600, config), 0.5);
  assert.equal(backpressureLevel(1000, config), 1);
  assert.equal(backpressureLevel(5000, config), 1);
  assert.equal(backpressureLevel(Number.NaN, config), 0);
});

test("while on, a re-send is due only when the level moved by ≥ 0.25 since the last sent", () => {
  // threshold 1000, release 200: level = (depth − 200) / 800.
  const steps = run([1000, 900, 800, 700, 600, 550, 1200, 300]);
  assert.deepEqual(
    steps.map((s) => [s.change, s.level, s.sendOn, s.hysteresis.lastSentLevel]),
    [
      ["asserted", 1, true, 1],
      ["steady", 0.875, false, 1],
      ["steady", 0.75, true, 0.75], // moved exactly 0.25
      ["steady", 0.625, false, 0.75],
      ["steady", 0.5, true, 0.5],
      ["steady", 0.4375, false, 0.5],
      ["steady", 1, true, 1], // moves up count too
      ["steady", 0.125, true, 0.125],
    ],
  );
});

test("off: no re-sends whatever the level does", () => {
  const steps = run([900, 100, 950, 300]);
  assert.ok(steps.every((s) => !s.sendOn && !s.sendOff && s.change === "steady"));
});

test("isResendDue: first send always due; custom step honoured", () => {
  assert.equal(isResendDue(null, 0.1, 0.25), true);
  assert.equal(isResendDue(0.5, 0.7, 0.25), false);
  assert.equal(isResendDue(0.5, 0.6, 0.1), true);
  const custom = createBackpressureHysteresis({ threshold: 100, release: 0, resendStep: 0.1 });
  const steps = run([100, 95, 89], custom);
  assert.deepEqual(steps.map((s) => s.sendOn), [true, false, true]);
});

test("invalid thresholds are invalid_config naming the field and the value", () => {
  assert.throws(() => createBackpressureHysteresis({ threshold: 200, release: 200 }), (err: unknown) => {
    assert.ok(err instanceof MeshOsSdkError);
    assert.equal(err.kind, "invalid_config");
    assert.equal(
      err.detail,
      "backpressureThreshold: expected greater than backpressureRelease (200); got 200",
    );
    return true;
  });
  assert.throws(() => createBackpressureHysteresis({ release: -1 }), /backpressureRelease.*-1/);
  assert.throws(() => createBackpressureHysteresis({ resendStep: 0 }), /resendStep/);
});
