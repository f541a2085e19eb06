/**
 * The Node.js support matrix of consumer repos and of this library (README,
 * "Node.js support", says why). Node.js release lines and their end-of-life
 * dates: https://github.com/nodejs/Release#release-schedule
 *
 * - 20 reached end-of-life on 2026-04-30: not supported.
 * - 22 (Maintenance LTS, end-of-life 2027-04-30), 24 (Maintenance LTS,
 *   end-of-life 2028-04-30) and 26 (Active LTS since 2026-10-28, end-of-life
 *   2029-04-30) are supported.
 *
 * The pinned `@pulumi/pulumi` declares `engines.node >= 22`, which is the floor.
 */
export const SUPPORTED_NODE_MAJORS: readonly number[] = [22, 24, 26];

/** `engines.node` of a consumer repo (and of this library): the oldest supported line. */
export const MIN_NODE_VERSION = '22.0.0';

/**
 * The Node.js line that generated workflows and the sample Dockerfile use. 24,
 * not 26: the jsii runtime that runs a `.projenrc.py` (jsii 1.142) lists 22
 * and 24 as tested and prints an "untested node version" banner on 26; npm
 * trusted publishing needs the npm 11 that Node 24 bundles.
 */
export const RECOMMENDED_NODE_MAJOR = 24;

/** `workflowNodeVersion` of a consumer repo (and of this library): `actions/setup-node` syntax. */
export const WORKFLOW_NODE_VERSION = `${RECOMMENDED_NODE_MAJOR}.x`;

/** The Node.js this process runs on (the jsii kernel's, under `.projenrc.py`). */
export function currentNodeVersion(): string {
  return process.versions.node;
}

/**
 * The warning for a synth on a Node.js older than the support matrix, or
 * undefined on a supported one. A warning, not an error: the synth itself
 * works, but the pinned `@pulumi/pulumi` and the workflows need 22 or later.
 */
export function nodeSupportWarning(version: string): string | undefined {
  const major = Number(/^v?(\d+)\./.exec(version)?.[1]);
  const floor = Math.min(...SUPPORTED_NODE_MAJORS);
  if (!Number.isFinite(major) || major >= floor) return undefined;
  return `Node.js ${version.replace(/^v/, '')} is end-of-life and not supported: this repository needs Node.js ${floor} or later ` +
    `(engines >= ${MIN_NODE_VERSION}; the pinned @pulumi/pulumi refuses older ones), and its workflows use ${RECOMMENDED_NODE_MAJOR}. ` +
    `Install Node.js ${RECOMMENDED_NODE_MAJOR} (e.g. \`nvm install ${RECOMMENDED_NODE_MAJOR}\`).`;
}
