import * as fs from 'fs';

/**
 * The pipeline settings that cicd-pipeline-type renders from `PipelineProps`
 * into `pipeline-settings.json`. The library has validated every value; this
 * program re-checks only what depends on the stack (the environment suffix and
 * the names derived from it).
 */
export interface PipelineSettings {
  readonly schemaVersion: 1;
  /** The Pulumi project these settings were rendered for (`name` in Pulumi.yaml). */
  readonly pulumiProject: string;
  readonly name: string;
  readonly source: {
    readonly repository: string;
    readonly branch: string;
    readonly filePaths: string[];
    readonly connectionArn?: string;
  };
  readonly environment: {
    /** Rule every environment suffix must meet. */
    readonly pattern: string;
    /** The environments that have stack files. */
    readonly listed: string[];
    /** Listed environments that are nevertheless ephemeral (see `environmentLifecycle`). */
    readonly ephemeral: string[];
  };
  /** Physical names with `{env}` / `{account}` placeholders and their AWS length limits. */
  readonly names: Record<NameKey, { readonly template: string; readonly maxLength: number }>;
  readonly build: {
    readonly buildspec: string;
    /** `x86_64` or `arm64`: the image is built on (and for) this architecture. */
    readonly architecture: string;
    /** CodeBuild's environment type for the architecture: LINUX_CONTAINER or ARM_CONTAINER. */
    readonly environmentType: string;
    readonly computeType: string;
    readonly image: string;
    readonly timeoutMinutes: number;
    readonly logRetentionDays: number;
    /** ARNs of the secrets and parameters the buildspec references: the build role may read exactly these. */
    readonly secrets: string[];
  };
  /** `cacheTag`: the one mutable tag, where the build keeps BuildKit's layer cache. */
  readonly registry: { readonly keepImages: number; readonly untaggedExpiryDays: number; readonly cacheTag: string };
  readonly artifacts: { readonly expiryDays: number; readonly noncurrentVersionExpiryDays: number; readonly forceDestroy: boolean };
  readonly notifications: { readonly emails: string[]; readonly states: string[] };
  /** Tags with fixed values; the program adds `Environment` and `ManagedBy`. */
  readonly tags: Record<string, string>;
  /** Deploy stages after Build, in pipeline order. */
  readonly stages: DeployStageSettings[];
  /** CodePipeline's execution mode: QUEUED, SUPERSEDED or PARALLEL. */
  readonly executionMode: string;
  /** The version of cicd-pipeline-type that rendered these settings, as a tag of the pipeline and its build projects. */
  readonly fleet: { readonly versionTag: { readonly key: string; readonly value: string } };
  /** The self-update stage and the drift check; absent unless the repository opted in. */
  readonly selfUpdate?: SelfUpdateSettings;
  /** The supply-chain gate (scan between Build and the deploy stages); absent unless the repository opted in. */
  readonly supplyChain?: SupplyChainSettings;
  /** The platform's KMS key (key or alias ARN) and artifact bucket, used instead of the stack's own (shared-resources.ts). */
  readonly shared?: { readonly kmsKeyArn?: string; readonly artifactBucket?: string };
}

/**
 * The scan gate's thresholds: findings of a severity the image may have (medium and low: not gated when absent);
 * and, unless the repository turned it off, the image signing and its verification before every deploy stage.
 */
export interface SupplyChainSettings {
  readonly thresholds: { readonly critical: number; readonly high: number; readonly medium?: number; readonly low?: number };
  readonly signing?: { readonly validityMonths: number };
}

/** Where the stacks keep their state: an S3 bucket (under `<prefix>/.pulumi/`) or Pulumi Cloud. */
export type BackendSettings =
  | { readonly kind: 's3'; readonly url: string; readonly bucket: string; readonly prefix: string; readonly region?: string }
  | { readonly kind: 'cloud'; readonly url: string };

export interface SelfUpdateSettings {
  readonly backend: BackendSettings;
  /** The KMS key of the `awskms://` secrets provider; what the ARN does not say is the stack's own. */
  readonly secretsKey?: {
    readonly keyId?: string;
    readonly alias?: string;
    readonly region?: string;
    readonly account?: string;
    readonly partition?: string;
  };
  /** The Secrets Manager secret holding the Pulumi Cloud access token. */
  readonly accessTokenSecretArn?: string;
  /** The stack's name, with `{env}` for the environment suffix. */
  readonly stack: string;
  /** The managed buildspecs, relative to the repository root. */
  readonly buildspecs: { readonly update: string; readonly drift: string };
  readonly image: string;
  readonly computeType: string;
  readonly timeoutMinutes: number;
  /** An EventBridge schedule expression. */
  readonly driftSchedule: string;
  /** False when the schedule is off (the drift check then runs on demand only). */
  readonly driftScheduled: boolean;
}

/** One deploy stage: its commands are in its buildspec; here is what its resources and role need. */
export interface DeployStageSettings {
  /** The CodePipeline stage name. */
  readonly name: string;
  /** The stage's managed buildspec, relative to the repository root (read from the source artifact). */
  readonly buildspec: string;
  /** ARNs of the secrets and parameters its buildspec references: its role may read exactly these. */
  readonly secrets: string[];
  /** The one role the stage's role may assume. */
  readonly assumeRoleArn?: string;
  /** Present when the stage waits for an approval; `emails` are subscribed to the pipeline's topic. */
  readonly manualApproval?: { readonly emails: string[] };
  readonly rollbackOnFailure: boolean;
  /** The stage's release gates (stage conditions); absent unless configured. */
  readonly guard?: StageGuardSettings;
  /**
   * Where the commands run: CodeBuild's environment type (LINUX_/ARM_CONTAINER, or
   * LINUX_/ARM_LAMBDA_CONTAINER for Lambda compute), compute type and image, and the
   * longest a deploy may run (Lambda's fixed 15 minutes, which CodeBuild takes as no setting).
   */
  readonly environment: { readonly type: string; readonly computeType: string; readonly image: string; readonly timeoutMinutes: number };
  /** Physical names with an `{env}` placeholder and their AWS length limits. */
  readonly names: Record<StageNameKey, { readonly template: string; readonly maxLength: number }>;
}

/** A deploy stage's release gates, as the library validated them. */
export interface StageGuardSettings {
  /** Alarms by name; `arn` when the user gave one (the program checks its account and region). */
  readonly alarms: Array<{ readonly name: string; readonly arn?: string }>;
  /** Minutes the alarms are watched after the stage succeeds; absent: no bake. */
  readonly bakeMinutes?: number;
  /** The DeploymentWindow rule's Cron (6 or 7 fields) and IANA TimeZone. */
  readonly window?: { readonly cron: string; readonly timezone: string };
  readonly retryOnFailure: boolean;
}

/** The physical names of one deploy stage's resources. */
export type StageNameKey = 'deployProject' | 'deployRole' | 'deployLogGroup';

export type NameKey =
  | 'pipeline' | 'buildProject' | 'repository' | 'artifactBucket' | 'connection' | 'pipelineRole' | 'buildRole'
  | 'notificationRule' | 'notificationTopic' | 'logGroup'
  | 'updateProject' | 'updateRole' | 'updateLogGroup' | 'driftProject' | 'driftRole' | 'driftLogGroup'
  | 'eventsRole' | 'driftScheduleRule' | 'driftFailureRule' | 'boundaryPolicy' | 'updatePipelinePolicy' | 'driftPipelinePolicy'
  | 'signingProfilePrefix';

/** The config key (in `Pulumi.<stack>.yaml`) and the variable that set the suffix. */
export const ENVIRONMENT_CONFIG_KEY = 'environmentSuffix';
export const ENVIRONMENT_VARIABLE = 'ENVIRONMENT_SUFFIX';
/** The repository `projen new` writes until the team sets its own. */
export const PLACEHOLDER_REPOSITORY = 'OWNER/REPO';

/** Reads the rendered settings file (projen's `"//"` marker key is ignored). */
export function loadSettings(file: string): PipelineSettings {
  const { '//': _marker, ...settings } = JSON.parse(fs.readFileSync(file, 'utf-8'));
  if (settings.schemaVersion !== 1) {
    throw new Error(`${file}: schemaVersion ${settings.schemaVersion} is not supported by this program; run "npx projen".`);
  }
  return settings as PipelineSettings;
}

/**
 * The environment suffix of this stack: stack config first, then the
 * `ENVIRONMENT_SUFFIX` variable. There is no default: a wrong guess would
 * deploy into someone else's environment.
 */
export function resolveEnvironment(settings: PipelineSettings, fromConfig: string | undefined, fromEnv: string | undefined): string {
  const value = fromConfig ?? fromEnv;
  const howToSet =
    `set it with "pulumi config set ${ENVIRONMENT_CONFIG_KEY} <env>" (stored in infra/Pulumi.<stack>.yaml) ` +
    `or the ${ENVIRONMENT_VARIABLE} environment variable`;
  if (value === undefined || value === '') {
    throw new Error(`The environment suffix is not set: ${howToSet}.`);
  }
  if (!new RegExp(settings.environment.pattern).test(value)) {
    throw new Error(`The environment suffix ${JSON.stringify(value)} does not match ${settings.environment.pattern}: ${howToSet}.`);
  }
  return value;
}

/**
 * What `pulumi destroy` does to the stack's stateful resources (the key, the
 * artifact bucket, the ECR repository):
 * - `long-lived`: a listed environment (it has a stack file). They are
 *   retained: destroy removes them from the stack and leaves them in AWS, with
 *   their data still readable.
 * - `ephemeral`: any other suffix (e.g. a per-PR `pr123` set through
 *   ENVIRONMENT_SUFFIX), or a listed one named in `ephemeralEnvironments`.
 *   Destroy empties and deletes the bucket and the registry and schedules the
 *   key's deletion after the shortest window AWS allows.
 */
export type EnvironmentLifecycle = 'long-lived' | 'ephemeral';

export function environmentLifecycle(settings: PipelineSettings, environment: string): EnvironmentLifecycle {
  const { listed, ephemeral } = settings.environment;
  return listed.includes(environment) && !ephemeral.includes(environment) ? 'long-lived' : 'ephemeral';
}

/** The physical names for one environment and account, each within its AWS limit. */
export function resourceNames(settings: PipelineSettings, environment: string, account: string): Record<NameKey, string> {
  return render(settings.names, environment, account);
}

/** The physical names of a deploy stage's resources for one environment, each within its AWS limit. */
export function stageResourceNames(stage: DeployStageSettings, environment: string): Record<StageNameKey, string> {
  return render(stage.names, environment, '');
}

type NameRules<K extends string> = Record<K, { readonly template: string; readonly maxLength: number }>;

function render<K extends string>(rules: NameRules<K>, environment: string, account: string): Record<K, string> {
  const names = {} as Record<K, string>;
  for (const [key, rule] of Object.entries(rules) as Array<[K, { template: string; maxLength: number }]>) {
    const name = rule.template.split('{env}').join(environment).split('{account}').join(account);
    if (name.length > rule.maxLength) {
      throw new Error(`The ${key} name "${name}" is ${name.length} characters; AWS allows ${rule.maxLength}. Use a shorter environment suffix or pipeline name.`);
    }
    names[key] = name;
  }
  return names;
}

/**
 * Refuses to run when the stack belongs to another Pulumi project than the one
 * the settings were rendered for: the stack's state and config (`<project>:…`)
 * would be another repository's, and `pulumi up` would replace its pipeline.
 */
export function assertProject(settings: PipelineSettings, stackProject: string): void {
  if (stackProject !== settings.pulumiProject) {
    throw new Error(
      `This stack belongs to the Pulumi project "${stackProject}", but infra/pipeline-settings.json was rendered for ` +
      `"${settings.pulumiProject}" (another repository's, or a renamed one). Run "npx projen" and select a stack of ` +
      `"${settings.pulumiProject}"; to rename a project on purpose, see "Renaming the Pulumi project" in README.md.`,
    );
  }
}

/** The name of environment `environment`'s stack, with self-update (`{env}` replaced). */
export function selfUpdateStackName(selfUpdate: SelfUpdateSettings, environment: string): string {
  return selfUpdate.stack.split('{env}').join(environment);
}

/**
 * With self-update, the stack must be named after its environment: the update
 * stage runs `pulumi up` on exactly that stack, so a stack of another name
 * would have its pipeline updated from a stack that does not exist (or from
 * another environment's).
 */
export function assertSelfUpdateStack(settings: PipelineSettings, stack: string, environment: string): void {
  if (!settings.selfUpdate) return;
  const expected = selfUpdateStackName(settings.selfUpdate, environment);
  if (stack !== expected) {
    throw new Error(
      `With selfUpdate, the stack of environment "${environment}" must be named "${expected}" (the pipeline updates that stack), ` +
      `but this is stack "${stack}". Select or create it: "cd infra && pulumi stack select --create ${expected}", or rename this one: ` +
      `"pulumi stack rename ${expected}".`,
    );
  }
}

/** Refuses to deploy a pipeline for the placeholder repository. */
export function assertConfigured(settings: PipelineSettings): void {
  if (settings.source.repository === PLACEHOLDER_REPOSITORY) {
    throw new Error(
      `The pipeline's GitHub repository is still the placeholder ${PLACEHOLDER_REPOSITORY}: ` +
      'set `githubRepository: "owner/name"` (or `pipeline.repository`) in .projenrc.ts, or `github_repository="owner/name"` ' +
      '(or `pipeline=PipelineProps(repository=...)`) in .projenrc.py, and run "npx projen".',
    );
  }
}
