import { DeployStageModel, MAX_DEPLOY_STAGES } from './deploy-stages';
import { OptionPath, Problems } from './validation';

/** `pipeline.supplyChain` with its defaults applied: the scan gate's thresholds and the image signing. */
export interface SupplyChainModel {
  readonly thresholds: {
    readonly critical: number;
    readonly high: number;
    readonly medium?: number;
    readonly low?: number;
  };
  /** Undefined with `signing: false`: the scan alone. */
  readonly signing?: SigningModel;
}

/** The stack's signing profile: how long its signatures are valid. */
export interface SigningModel {
  readonly validityMonths: number;
}

const THRESHOLD_KEYS = ['criticalThreshold', 'highThreshold', 'mediumThreshold', 'lowThreshold'] as const;
const KEYS = [...THRESHOLD_KEYS, 'signing', 'signatureValidityMonths'] as const;

/**
 * A signature outlives a year of images: long enough for a rollback to any
 * image the registry keeps (`registry.keepImages` builds), short enough that an
 * image nobody rebuilt for a year is rebuilt (and rescanned) before it ships.
 */
export const DEFAULT_SIGNATURE_VALIDITY_MONTHS = 12;
/**
 * AWS Signer's range for a signing profile's signature validity
 * ("SignatureValidityPeriod", AWS Signer API Reference: at most 135 months).
 */
export const SIGNATURE_VALIDITY_MAX_MONTHS = 135;
/**
 * AWS documents the InspectorScan thresholds as counts of findings
 * ("Amazon Inspector InspectorScan invoke action reference", Configuration
 * parameters) with no upper bound. A threshold above 1000 gates nothing an
 * image realistically has: it is more likely a typo than a policy.
 */
export const THRESHOLD_MAX = 1000;

/**
 * Critical and high default to 0: the gate exists so that an image with a
 * known critical or high vulnerability does not reach an environment. A team
 * that must ship with an accepted finding raises the threshold in its
 * projenrc, where the change is reviewed like any other.
 */
export const DEFAULT_THRESHOLDS = { critical: 0, high: 0 } as const;

/**
 * What `projen new` writes into a new repository's projenrc: the gate on,
 * with its thresholds spelled out so that a team sees where to loosen them.
 */
export const NEW_REPOSITORY_SUPPLY_CHAIN = { criticalThreshold: DEFAULT_THRESHOLDS.critical, highThreshold: DEFAULT_THRESHOLDS.high };

/** Checks `pipeline.supplyChain`; undefined when it is not set (the gate is off). */
export function resolveSupplyChain(p: Problems, path: OptionPath, value: unknown): SupplyChainModel | undefined {
  if (value === undefined) return undefined;
  if (!p.struct(path, value)) return undefined;
  p.knownKeys(path, value, KEYS);
  const threshold = (key: typeof THRESHOLD_KEYS[number]): number | undefined =>
    p.integer(path.option(key), value[key], 0, THRESHOLD_MAX) ? value[key] as number : undefined;
  const medium = threshold('mediumThreshold');
  const low = threshold('lowThreshold');
  // An unset or invalid flag (reported) keeps the default: signing on.
  p.boolean(path.option('signing'), value.signing);
  const signing = value.signing !== false;
  const months = p.integer(path.option('signatureValidityMonths'), value.signatureValidityMonths, 1, SIGNATURE_VALIDITY_MAX_MONTHS)
    ? value.signatureValidityMonths as number : DEFAULT_SIGNATURE_VALIDITY_MONTHS;
  if (!signing && value.signatureValidityMonths !== undefined) {
    p.add(path.option('signatureValidityMonths'), `has no effect with ${p.name(path.option('signing'))} false: remove one of them`);
  }
  return {
    thresholds: {
      critical: threshold('criticalThreshold') ?? DEFAULT_THRESHOLDS.critical,
      high: threshold('highThreshold') ?? DEFAULT_THRESHOLDS.high,
      ...(medium !== undefined ? { medium } : {}),
      ...(low !== undefined ? { low } : {}),
    },
    ...(signing ? { signing: { validityMonths: months } } : {}),
  };
}

/** Days in a signature's validity, counted generously (31 a month) so that the registry never outlasts it short. */
export const signatureValidityDays = (signing: SigningModel) => signing.validityMonths * 31;

/**
 * A signature is an untagged artifact in the image's repository (an OCI
 * referrer), and the registry's untagged rule (`registry.untaggedExpiryDays`)
 * would expire it while its image is kept ("Sign images in Amazon ECR": a
 * signature counts as an image; ECR deletes an image's referrers with it, not
 * before). With signing, untagged artifacts are therefore kept as long as a
 * signature is valid: by default, and a shorter explicit expiry is refused.
 * Returns the registry settings to render.
 */
export function withSignatureRetention<R extends { readonly untaggedExpiryDays: number }>(
  p: Problems, registryPath: OptionPath, registryInput: unknown, registry: R, supplyChain: SupplyChainModel | undefined,
): R {
  if (!supplyChain?.signing) return registry;
  const days = signatureValidityDays(supplyChain.signing);
  const explicit = (registryInput as { untaggedExpiryDays?: unknown } | undefined)?.untaggedExpiryDays;
  if (explicit === undefined) return { ...registry, untaggedExpiryDays: days };
  if (typeof explicit === 'number' && explicit < days) {
    p.add(registryPath.option('untaggedExpiryDays'), `must be at least ${days} with ${p.name(OptionPath.of('pipeline.supplyChain.signing'))} ` +
      `(${supplyChain.signing.validityMonths} months of signature validity): a signature is an untagged artifact beside its image, and ` +
      'expiring it earlier leaves an image that no deploy stage will verify; unset it to keep signatures as long as they are valid');
  }
  return registry;
}

/** The stage the gate adds between Build and the deploy stages (the program's supply-chain.ts, SCAN_STAGE). */
export const SCAN_STAGE_NAME = 'Scan';

/**
 * With the gate, a deploy stage may not be named like the Scan stage
 * (CodePipeline stage names are unique in a pipeline), and the Scan stage
 * takes one of CodePipeline's 50 stages.
 */
export function checkScanStage(
  p: Problems, stagesPath: OptionPath, stages: readonly DeployStageModel[], supplyChain: SupplyChainModel | undefined,
): void {
  if (!supplyChain) return;
  stages.forEach((stage, i) => {
    if (stage.name.toLowerCase() === SCAN_STAGE_NAME.toLowerCase()) {
      const gate = p.name(OptionPath.of('pipeline.supplyChain'));
      p.add(stagesPath.index(i).option('name'), `is the name of the supply-chain gate's stage (${SCAN_STAGE_NAME}, with ${gate}): choose another`);
    }
  });
  if (stages.length === MAX_DEPLOY_STAGES) {
    p.add(stagesPath, `must have at most ${MAX_DEPLOY_STAGES - 1} stages with ${p.name(OptionPath.of('pipeline.supplyChain'))}: its ${SCAN_STAGE_NAME} stage takes one of CodePipeline's 50`);
  }
}

/** The key projen's `new` command passes the project's creation arguments under (projen's render-options, PROJEN_NEW). */
const PROJEN_NEW = '__new__';

/**
 * The project's options with the supply-chain gate on when `projen new`
 * creates the repository: both the options of this first synthesis and the
 * arguments projen renders into the new projenrc (its `__new__` field) get
 * `pipeline.supplyChain`, unless the command line set it. An existing
 * repository's projenrc is never touched, so an upgrade does not turn the
 * gate on.
 */
export function withNewRepositoryDefaults<T extends object>(options: T): T {
  const creation = (options as Record<string, unknown>)[PROJEN_NEW] as { args?: Record<string, unknown> } | undefined;
  if (creation === undefined || typeof creation !== 'object' || creation === null) return options;
  const withGate = (pipeline: unknown): unknown => {
    if (pipeline !== undefined && (typeof pipeline !== 'object' || pipeline === null || Array.isArray(pipeline))) return pipeline; // validation reports it
    const given = pipeline as Record<string, unknown> | undefined;
    return given?.supplyChain !== undefined ? given : { ...given, supplyChain: { ...NEW_REPOSITORY_SUPPLY_CHAIN } };
  };
  const args = creation.args ?? {};
  // projen writes an object option into .projenrc.py as JSON, keys as they are; jsii's Python structs take
  // snake_case keyword arguments (PipelineProps(**pipeline)), so a Python projenrc gets snake_case keys.
  const written = (options as { projenrcPython?: unknown }).projenrcPython === true ? snakeKeys(withGate(args.pipeline)) : withGate(args.pipeline);
  return {
    ...options,
    pipeline: withGate((options as Record<string, unknown>).pipeline),
    [PROJEN_NEW]: { ...creation, args: { ...args, pipeline: written } },
  };
}

/** Every key of plain objects, at any depth, in snake_case (jsii's Python names for struct properties). */
function snakeKeys(value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key.replace(/[A-Z]/g, c => `_${c.toLowerCase()}`), snakeKeys(inner)]));
}
