/** The supply-chain gate (`pipeline.supplyChain`): the Inspector scan between Build and the deploy stages, its SBOM and notification;
 * the image's signing and its verification before every deploy stage (signing.ts). */
export * from './supply-chain';
export * from './signing';
