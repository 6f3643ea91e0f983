/**
 * The package version, as peers see it in `PeerSnapshot.softwareVersion`. Kept equal to the
 * `version` of package.json and deno.json (a test checks all three).
 *
 * @module
 */

/** This SDK's version. */
export const SDK_VERSION = "0.1.0";
