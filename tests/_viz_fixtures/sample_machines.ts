/**
 * Machines that exercise every feature the chart renderers draw — nested and parallel states,
 * guarded, delayed, `always`, targetless and root-level transitions, final and history states,
 * invoke `onDone`/`onError` — for the viz and inspector tests. Private: not exported by `mod.ts`.
 *
 * @module
 */

import { and, fromPromise, not, or, setup, stateIn } from "xstate";

/**
 * A pipeline worker: everything except root-level transitions.
 *
 * @example
 * ```ts
 * toMermaid(pipelineMachine);
 * ```
 */
export const pipelineMachine = setup({
  guards: {
    hasConfig: () => true,
    isPaused: () => false,
    queueEmpty: () => true,
    budgetLeft: () => true,
  },
  delays: { retryDelay: 1_000 },
  actors: { loadConfig: fromPromise(() => Promise.resolve("config")) },
}).createMachine({
  id: "pipeline",
  initial: "idle",
  states: {
    idle: {
      on: {
        START: { target: "loading", guard: "hasConfig" },
        SKIP: { target: "working", guard: and(["hasConfig", not("isPaused")]) },
      },
    },
    loading: {
      invoke: { id: "load", src: "loadConfig", onDone: "working", onError: "failed" },
      after: { 5_000: "failed" },
    },
    working: {
      type: "parallel",
      on: { ABORT: "failed", NUDGE: { actions: () => {} } },
      onDone: "finished",
      states: {
        fetch: {
          initial: "waiting",
          states: {
            waiting: { after: { 500: "polling" } },
            polling: {
              always: { target: "waiting", guard: or(["queueEmpty", stateIn({ working: { emit: "sent" } })]) },
              on: { GOT: "fetched" },
            },
            fetched: { type: "final" },
          },
        },
        emit: {
          initial: "pending",
          states: {
            pending: { on: { SEND: { target: "sent", guard: "budgetLeft" } } },
            sent: { type: "final" },
            hist: { type: "history", history: "deep" },
          },
        },
      },
    },
    failed: {
      after: { retryDelay: "loading" },
      on: { RESET: "idle" },
    },
    finished: { type: "final" },
  },
});

/**
 * A supervisor with transitions on the machine root and awkward names (dots, quotes, a leading
 * digit, a reserved-looking `end`).
 *
 * @example
 * ```ts
 * toDot(supervisorMachine);
 * ```
 */
export const supervisorMachine = setup({ guards: { "may.stop": () => true } }).createMachine({
  id: "supervisor",
  initial: "up",
  on: { "ctl.halt": ".end", "ctl.ping": { actions: () => {} } },
  states: {
    up: {
      initial: "1st",
      states: { "1st": { on: { 'say "hi"': "second" } }, second: {} },
      on: { "ctl.stop": { target: "end", guard: "may.stop" } },
    },
    end: { type: "final" },
  },
});
