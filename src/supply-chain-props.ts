/**
 * The supply-chain gate between Build and the first deploy stage: the pushed
 * image is scanned by Amazon Inspector (CodePipeline's `InspectorScan`
 * action), and the execution stops when a severity has more findings than
 * its threshold. The scan's software bill of materials (SBOM) is the action's
 * output artifact, kept in the artifact bucket under its lifecycle.
 *
 * The build also signs the pushed image, by digest, with an AWS Signer
 * signing profile of the stack (Notation), and every deploy stage verifies
 * that signature against this profile alone before it runs its commands: an
 * unsigned image, one signed by anyone else, or a tag without its digest
 * stops the stage.
 *
 * `{}` turns the gate on with its defaults. A threshold is the number of
 * findings of that severity the image may have: `0` lets none through, and an
 * unset medium or low threshold does not gate on that severity. Each is a
 * whole number from 0 to 1000.
 */
export interface SupplyChainProps {
  /**
   * Critical findings the image may have; one more fails the execution.
   * @default 0
   */
  readonly criticalThreshold?: number;

  /**
   * High findings the image may have; one more fails the execution.
   * @default 0
   */
  readonly highThreshold?: number;

  /**
   * Medium findings the image may have; one more fails the execution.
   * @default - medium findings do not fail the execution (they are in the SBOM)
   */
  readonly mediumThreshold?: number;

  /**
   * Low findings the image may have; one more fails the execution.
   * @default - low findings do not fail the execution (they are in the SBOM)
   */
  readonly lowThreshold?: number;

  /**
   * Sign the pushed image with the stack's AWS Signer signing profile and
   * verify the signature before every deploy stage. `false` keeps the scan
   * and turns signing and verification off.
   * @default true
   */
  readonly signing?: boolean;

  /**
   * How long a signature stays valid, in months (1 to 135, AWS Signer's
   * range). A deploy stage refuses an image whose signature has expired: an
   * image older than this cannot be deployed, or rolled back to, without a
   * new build. Changing it replaces the signing profile, and images signed
   * before then no longer verify.
   * @default 12
   */
  readonly signatureValidityMonths?: number;
}
