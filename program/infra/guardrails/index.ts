/**
 * The guardrails: one named check per promise of the program, one file per
 * part or feature (the parts in pipeline order, then the opt-in features),
 * sharing the helpers in kit.ts. A consumer's `infra/pipeline.test.ts` runs
 * them as one checklist, titled by part.
 */
import { ARTIFACTS } from './artifacts';
import { BUILD } from './build';
import { BUILD_ECONOMY } from './build-economy';
import { CREATION_ORDER } from './creation-order';
import { DRIFT } from './drift';
import { Check, FileCheck, GuardrailPart, GuardrailRun, TYPES, asList, one, statementsOf } from './kit';
import { LIFECYCLE } from './lifecycle';
import { runUnderMocks } from './mock-run';
import { NOTIFICATIONS } from './notifications';
import { PERMISSIONS } from './permissions';
import { REGISTRY } from './registry';
import { RELEASE_GATES } from './release-gates';
import { SECRETS } from './secrets';
import { SELF_UPDATE } from './self-update';
import { SHARED_RESOURCES, forSharedResources } from './shared-resources';
import { SOURCE } from './source';
import { STAGES } from './stages';
import { SUPPLY_CHAIN } from './supply-chain';
import { TAGS } from './tags';
import { PipelineSettings } from '../settings';

export * from './kit';

/**
 * Every part's promises, in the order the test output lists them. A new
 * part or feature adds its own file here (e.g. `supply-chain.ts`).
 */
export const GUARDRAIL_PARTS: readonly GuardrailPart[] = [
  SOURCE, ARTIFACTS, LIFECYCLE, REGISTRY, BUILD, BUILD_ECONOMY, NOTIFICATIONS, STAGES, SECRETS, PERMISSIONS, CREATION_ORDER, TAGS,
  RELEASE_GATES, SUPPLY_CHAIN, SELF_UPDATE, DRIFT, SHARED_RESOURCES,
];

/** The checks of every part by promise; a promise made twice would silently hide one check, so it is refused. */
function byPromise<T>(lists: Array<Record<string, T> | undefined>): Record<string, T> {
  const all: Record<string, T> = {};
  for (const [promise, check] of lists.flatMap(list => Object.entries(list ?? {}))) {
    if (promise in all) throw new Error(`two guardrails make the same promise: ${promise}`);
    all[promise] = check;
  }
  return all;
}

/** The program's promises on what the mocked engine registered, one check each. A failure names the promise that broke. */
export const GUARDRAILS: Record<string, Check> = byPromise(GUARDRAIL_PARTS.map(part => part.checks));

/** The promises about the repository's own managed files, checked where they exist (a consumer repo). */
export const FILE_GUARDRAILS: Record<string, FileCheck> = byPromise(GUARDRAIL_PARTS.map(part => part.fileChecks));

export interface GuardrailOptions {
  /** The environment suffix the program runs with.
   * @default - the first listed environment */
  readonly environment?: string;
  /** Repository root holding buildspec.yml and tagging-policy.json (a consumer repo).
   * @default - only the checks on registered resources run */
  readonly repoRoot?: string;
}

/**
 * Registers one jest test per guardrail, grouped by part, on what the mocked
 * engine registered. Consumer repos run them against their own settings; this
 * library runs them against many.
 */
export function describeGuardrails(title: string, loadSettings: () => PipelineSettings, options: GuardrailOptions = {}): void {
  describe(title, () => {
    let run: GuardrailRun;
    beforeAll(async () => {
      const settings = loadSettings();
      const environment = options.environment ?? settings.environment.listed[0];
      const resources = await runUnderMocks(settings, environment);
      // A configured connection may be PENDING; a created one does not exist before the first deploy.
      const beforeAuthorization = await runUnderMocks(settings, environment, { connection: settings.source.connectionArn ? 'PENDING' : 'absent' });
      run = { settings, environment, resources, beforeAuthorization };
    });

    const repoRoot = options.repoRoot;
    for (const { part, checks, fileChecks } of GUARDRAIL_PARTS) {
      describe(part, () => {
        // A promise that a shared key or bucket hands to the platform is checked as "the stack registers none of it".
        const kit = { one, statementsOf, asList, TYPES };
        for (const [promise, check] of Object.entries(checks)) test(promise, () => forSharedResources(kit, promise, check)(run));
        if (repoRoot !== undefined) {
          for (const [promise, check] of Object.entries(fileChecks ?? {})) test(promise, () => check(run, repoRoot));
        }
      });
    }
  });
}
