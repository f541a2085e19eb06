/** The supply-chain gate (`pipeline.supplyChain`): the Inspector scan between Build and the deploy stages, its SBOM and notification. */
export * from './supply-chain';
