/** Under jest only (the consumer's moduleNameMapper): Pulumi's closure serialization, loaded on first use. */
// Under jest only, the consumer's `moduleNameMapper` gives this module to @pulumi/pulumi's
// runtime/index.js in place of `./closure/serializeClosure` and `./closure/codePaths`. Loading
// those loads TypeScript and npm's arborist: in a CPU profile, a fifth of a guardrail run, for
// `pulumi.runtime.serializeFunction` (closure serialization), which neither the program nor its
// mocked runs call. runtime/index.js copies these three functions when it loads, so they are
// functions that load the real modules (by their full path, which the mapper leaves alone) on
// first use: a test that does serialize a closure still gets Pulumi's own code.
/* eslint-disable @typescript-eslint/no-require-imports */

const serializeClosure = () => require('@pulumi/pulumi/runtime/closure/serializeClosure');
const codePaths = () => require('@pulumi/pulumi/runtime/closure/codePaths');

export const serializeFunction = (...args: unknown[]) => serializeClosure().serializeFunction(...args);
export const serializeFunctionAsync = (...args: unknown[]) => serializeClosure().serializeFunctionAsync(...args);
export const computeCodePaths = (...args: unknown[]) => codePaths().computeCodePaths(...args);
