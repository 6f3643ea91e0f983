/**
 * Options shared by `toMermaid`, `toDot` and `toSvg`.
 *
 * @module
 */

/**
 * How a chart is drawn.
 *
 * @example
 * ```ts
 * const options: ChartOptions = { highlight: ["running.backpressured"], direction: "LR" };
 * ```
 */
export interface ChartOptions {
  /**
   * Dotted state paths to mark as current, e.g. `["running.backpressured"]` (one per parallel
   * region if needed). Each named state is drawn as active and its ancestors as containing the
   * active state. A leading machine id (`daemon.running`) is accepted; paths that name no state
   * are ignored, so a stale snapshot never breaks a render.
   */
  highlight?: readonly string[];
  /** Layout direction: top-to-bottom (default) or left-to-right. */
  direction?: "TB" | "LR";
  /** Caption drawn above the chart; defaults to the machine id. `""` draws none. */
  title?: string;
}
