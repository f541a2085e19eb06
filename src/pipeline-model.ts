import { partitionOfRegion } from './arns';
import { CONTAINER_TYPE, resolveArchitecture } from './build-environment';
import { checkCredentials } from './credentials';
import { DeployStageModel, resolveExecutionMode, resolveStages } from './deploy-stages';
import { checkEmails } from './emails';
import { ENVIRONMENT_MAX_LENGTH, ENVIRONMENT_PATTERN, NAME_MAX_LENGTH, NAME_PATTERN, checkDerivedNames } from './naming';
import { BuildArchitecture, BuildComputeType, PipelineExecutionState, PipelineProps } from './pipeline-props';
import { CACHE_TAG } from './registry-cache';
import { SelfUpdateModel, resolveSelfUpdate } from './self-update-model';
import { SharedResourcesModel, resolveShared } from './shared-resources';
import { SupplyChainModel, checkScanStage, resolveSupplyChain, withSignatureRetention } from './supply-chain';
import { OptionPath, OptionStyle, Problems } from './validation';
import { RESERVED_BUILD_VARIABLES, SecretVariables, checkPlainVariables, checkSecretVariables } from './variables';

/** The placeholder `projen new` writes until the team names its repository. */
export const PLACEHOLDER_REPOSITORY = 'OWNER/REPO';

/**
 * `PipelineProps` with every default applied and every rule checked: the one
 * model the buildspec, the tagging policy and the program's settings are
 * rendered from.
 */
export interface PipelineModel {
  readonly name: string;
  readonly repository: string;
  readonly branch: string;
  readonly filePaths: string[];
  readonly connectionArn?: string;
  readonly environments: string[];
  /** Listed environments whose stateful resources destroy deletes. */
  readonly ephemeralEnvironments: string[];
  readonly build: {
    readonly architecture: BuildArchitecture;
    /** CodeBuild's environment type for the architecture (LINUX_CONTAINER or ARM_CONTAINER). */
    readonly environmentType: string;
    readonly computeType: string;
    readonly image: string;
    readonly dockerfile: string;
    readonly context: string;
    readonly timeoutMinutes: number;
    readonly logRetentionDays: number;
    readonly preBuildCommands: string[];
    readonly postBuildCommands: string[];
    readonly environmentVariables: Record<string, string>;
    /** Secret variables: ARNs the buildspec references and the build role may read. */
    readonly secrets: SecretVariables;
    readonly containerName: string;
  };
  /** `cacheTag`: the mutable tag of BuildKit's registry cache (see buildspec.ts). */
  readonly registry: { readonly keepImages: number; readonly untaggedExpiryDays: number; readonly cacheTag: string };
  readonly artifacts: { readonly expiryDays: number; readonly noncurrentVersionExpiryDays: number; readonly forceDestroy: boolean };
  readonly notifications: { readonly emails: string[]; readonly states: string[] };
  /** Tags with fixed values; `Environment` is added per stack. */
  readonly tags: Record<string, string>;
  /** Deploy stages after Build, in order. */
  readonly stages: DeployStageModel[];
  /** CodePipeline's execution mode (QUEUED when there are deploy stages, unless set). */
  readonly executionMode: string;
  /** The self-update stage and drift check, when opted in. */
  readonly selfUpdate?: SelfUpdateModel;
  /** The scan gate, when opted in. */
  readonly supplyChain?: SupplyChainModel;
  /** The platform's key and bucket, when shared. */
  readonly shared?: SharedResourcesModel;
}

/** Tag keys the program sets itself. */
export const ENVIRONMENT_TAG = 'Environment';
export const MANAGED_BY_TAG = 'ManagedBy';
/**
 * The fleet view: the pipeline and its build projects carry the version of
 * cicd-pipeline-type that rendered them, so one tagging API query lists which
 * repositories run which version. Only those resources carry it: an upgrade
 * then touches no stateful resource's tags.
 */
export const VERSION_TAG_KEY = 'cicd-pipeline-type:version';
/** Every tag key the pipeline sets itself: a custom tag of the same key (ignoring case, as AWS does) would collide. */
const RESERVED_TAG_KEYS = [ENVIRONMENT_TAG, MANAGED_BY_TAG, 'Team', 'Project', 'CostCenter', VERSION_TAG_KEY];
/** AWS allows 50 user tags per resource. */
const MAX_TAGS = 50;
/** Characters AWS accepts in tag keys and values (all services' common subset). */
const TAG_CHARACTERS = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

/** Values CloudWatch Logs accepts for `retentionInDays`. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

const GITHUB_OWNER = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/;
const GITHUB_REPO = /^[A-Za-z0-9._-]{1,100}$/;
const CONNECTION_ARN =
  /^arn:(aws|aws-cn|aws-us-gov):(codeconnections|codestar-connections):([a-z]{2}(?:-[a-z]+)+-\d):(\d{12}):connection\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** Amazon ECS container names: up to 255 letters, digits, hyphens and underscores. */
const CONTAINER_NAME = /^[A-Za-z0-9_-]{1,255}$/;
/** Control characters and the line breaks of a Java regex (AWS validates with `.*`, whose `.` matches none of them). */
const CONTROL_CHARACTERS = /[\x00-\x1f\x7f-\x9f\u2028\u2029]/;
const PROPS_KEYS = [
  'repository', 'branch', 'filePaths', 'connectionArn', 'name', 'environments', 'ephemeralEnvironments',
  'codeBuild', 'registry', 'artifacts', 'notifications', 'tags', 'stages', 'executionMode', 'selfUpdate',
  'supplyChain', 'shared',
];
const SUBJECT = 'pipeline configuration';

/** How problems are spelled for the user (see `optionStyle`). */
export interface ResolveOptions {
  /**
   * Option names in camelCase (`.projenrc.ts`) or snake_case (`.projenrc.py`).
   * @default 'typescript'
   */
  readonly style?: OptionStyle;
  /** The projenrc file the options are written in, named in the error. */
  readonly file?: string;
  /** Checks of the project's other options, reported in the same error. */
  readonly alsoCheck?: (p: Problems) => void;
  /** The project's other options (by name) that are written to files: refused like pipeline options when they hold a credential. */
  readonly alsoScan?: Record<string, unknown>;
}

/** Refuses credentials in the pipeline options and `alsoScan`, before any other check can quote one. */
function checkAllCredentials(p: Problems, root: OptionPath, pipeline: unknown, options: ResolveOptions): void {
  const others = Object.entries(options.alsoScan ?? {}).map(([name, value]) => [OptionPath.of(name), value] as const);
  checkCredentials(p, [[root, pipeline], ...others]);
}

/** The repository value and the option the user set it with. */
interface RepositorySource {
  readonly value: unknown;
  readonly path: OptionPath;
}

/**
 * Applies defaults to `props` and checks every rule. Throws one
 * `PipelineConfigError` listing every problem, each naming its option path
 * under `pipeline`.
 */
export function resolvePipeline(props: PipelineProps, options: ResolveOptions = {}): PipelineModel {
  const p = new Problems(options.style, options.file);
  const root = OptionPath.of('pipeline');
  const raw: unknown = props;
  checkAllCredentials(p, root, raw, options);
  options.alsoCheck?.(p);
  if (!p.struct(root, raw)) {
    if (raw === undefined) p.add(root, 'is required');
    p.throwIfAny(SUBJECT);
  }
  const input = raw as Record<string, unknown>;
  const model = resolveInput(p, root, input, { value: input.repository, path: root.option('repository') });
  p.throwIfAny(SUBJECT);
  return model;
}

/**
 * Checks the pipeline options of a project whose repository may instead come
 * from its top-level `githubRepository` (so a problem with it names
 * `githubRepository`), and returns the props with the repository filled in:
 * the one the user set, or the placeholder. Throws like `resolvePipeline`.
 */
export function resolveProjectPipeline(pipeline: PipelineProps | undefined, githubRepository: string | undefined,
  options: ResolveOptions = {}): PipelineProps {
  const p = new Problems(options.style, options.file);
  const root = OptionPath.of('pipeline');
  const top = OptionPath.of('githubRepository');
  const raw: unknown = pipeline;
  checkAllCredentials(p, root, raw, { ...options, alsoScan: { githubRepository, ...options.alsoScan } });
  options.alsoCheck?.(p);
  const input = raw === undefined || !p.struct(root, raw) ? {} : raw;
  const fromPipeline = input.repository;
  let source: RepositorySource | undefined;
  if (fromPipeline !== undefined) {
    source = { value: fromPipeline, path: root.option('repository') };
    if (githubRepository !== undefined && githubRepository !== fromPipeline) {
      p.add(top, `${JSON.stringify(githubRepository)} conflicts with ${p.name(source.path)} ${JSON.stringify(fromPipeline)}; set one of them`);
    }
  } else if (githubRepository !== undefined) {
    source = { value: githubRepository, path: top };
  }
  // Without either, the placeholder keeps `projen new` building; the program refuses to deploy it.
  resolveInput(p, root, input, source ?? { value: PLACEHOLDER_REPOSITORY, path: top });
  p.throwIfAny(SUBJECT);
  return { ...input, repository: (source?.value as string | undefined) ?? PLACEHOLDER_REPOSITORY } as PipelineProps;
}

function resolveInput(p: Problems, root: OptionPath, input: Record<string, unknown>, repositorySource: RepositorySource): PipelineModel {
  p.knownKeys(root, input, PROPS_KEYS);

  const repository = valid(p, () => checkRepository(p, repositorySource.path, repositorySource.value));
  const branch = checkBranch(p, root.option('branch'), input.branch === undefined ? 'main' : input.branch);
  const filePaths = checkFilePaths(p, root.option('filePaths'), input.filePaths);
  const connectionArn = checkConnectionArn(p, root.option('connectionArn'), input.connectionArn);
  const namePath = root.option('name');
  const name = valid(p, () => checkName(p, namePath, input.name, repository.ok ? repository.value : undefined, repositorySource.path));
  const environments = checkEnvironments(p, root.option('environments'), input.environments === undefined ? ['dev'] : input.environments);
  const ephemeralEnvironments = checkEphemeralEnvironments(p, root.option('ephemeralEnvironments'), input.ephemeralEnvironments, environments);

  const build = resolveBuild(p, root.option('codeBuild'), input.codeBuild, name.value);
  const registry = resolveRegistry(p, root.option('registry'), input.registry);
  const artifacts = resolveArtifacts(p, root.option('artifacts'), input.artifacts);
  const notifications = resolveNotifications(p, root.option('notifications'), input.notifications);
  // Team and Project default from the repository owner and the name: a problem with them belongs to those options.
  const tags = resolveTags(p, root.option('tags'), input.tags, {
    team: { value: repository.value.split('/')[0] || name.value, path: repositorySource.path, ok: repository.ok },
    project: { value: name.value, path: namePath, ok: name.ok },
  });
  const stagesPath = root.option('stages');
  // Stage names derive AWS names from the pipeline name: a bad one is reported at pipeline.name alone.
  const stages = resolveStages(p, stagesPath, input.stages, name.ok ? name.value : undefined, build);
  const executionMode = resolveExecutionMode(p, root.option('executionMode'), input.executionMode, stages, stagesPath);
  const selfUpdate = resolveSelfUpdate(p, root.option('selfUpdate'), input.selfUpdate);
  const supplyChain = resolveSupplyChain(p, root.option('supplyChain'), input.supplyChain);
  checkScanStage(p, stagesPath, stages, supplyChain);
  const shared = resolveShared(p, root.option('shared'), input.shared, {
    connectionArn,
    // The pipeline's name is `<name>-<env>` (naming.ts); a bad name is its own problem.
    pipelineNames: name.ok ? environments.map(environment => `${name.value}-${environment}`) : [],
  });

  return {
    name: name.value,
    repository: repository.value,
    branch,
    filePaths,
    environments,
    ephemeralEnvironments,
    build,
    registry: withSignatureRetention(p, root.option('registry'), input.registry, registry, supplyChain),
    artifacts,
    notifications,
    tags,
    stages,
    executionMode,
    ...(connectionArn ? { connectionArn } : {}),
    ...(selfUpdate ? { selfUpdate } : {}),
    ...(supplyChain ? { supplyChain } : {}),
    ...(shared ? { shared } : {}),
  };
}

/** Runs a check and tells whether it added a problem. */
function valid<T>(p: Problems, check: () => T): { value: T; ok: boolean } {
  const before = p.list.length;
  const value = check();
  return { value, ok: p.list.length === before };
}

function checkRepository(p: Problems, path: OptionPath, value: unknown): string {
  if (value === undefined) {
    p.add(path, 'is required: the GitHub repository as "owner/name"');
    return PLACEHOLDER_REPOSITORY;
  }
  if (!p.string(path, value, true)) return PLACEHOLDER_REPOSITORY;
  if (/^(?:[a-z+]+:\/\/|git@|(?:www\.)?github\.com[/:])/i.test(value)) {
    p.add(path, `must be "owner/name", not a URL (got ${JSON.stringify(value)})`);
    return value;
  }
  const parts = value.split('/');
  if (parts.length !== 2) {
    p.add(path, `must be "owner/name", e.g. "acme/web-app" (got ${JSON.stringify(value)})`);
    return value;
  }
  const [owner, repo] = parts;
  if (!GITHUB_OWNER.test(owner)) {
    p.add(path, `owner ${JSON.stringify(owner)} is not a GitHub account name (letters, digits, single hyphens, at most 39)`);
  }
  if (!GITHUB_REPO.test(repo) || repo === '.' || repo === '..') {
    p.add(path, `name ${JSON.stringify(repo)} is not a GitHub repository name (letters, digits, ".", "_", "-", at most 100)`);
  } else if (/\.git$/i.test(repo)) {
    // GitHub drops a trailing ".git" from a new repository's name, so no repository is called that.
    p.add(path, `name ${JSON.stringify(repo)} ends in ".git", which GitHub strips from repository names: write ${JSON.stringify(`${owner}/${repo.slice(0, -4)}`)}`);
  }
  return value;
}

function checkBranch(p: Problems, path: OptionPath, value: unknown): string {
  if (!p.string(path, value, true)) return 'main';
  if (value.startsWith('refs/')) {
    // The V2 trigger's branch filter matches branch names, so a full ref never starts the pipeline.
    const name = value.startsWith('refs/heads/') ? value.slice('refs/heads/'.length) : undefined;
    p.add(path, `${JSON.stringify(value)} is a full git ref; give the branch name` +
      (name ? ` (${JSON.stringify(name)})` : ' (only branches start the pipeline)'));
    return value;
  }
  // git check-ref-format rules, plus no glob characters: the trigger treats them as patterns.
  const broken =
    value.length === 0 || value.length > 255 || /[\s~^:?*[\\{}!\x00-\x1f\x7f]/.test(value) || value.includes('..') ||
    value.includes('@{') || value.includes('//') || value.startsWith('/') || value.endsWith('/') ||
    value.startsWith('-') || value.endsWith('.') || value.endsWith('.lock') || value === '@' || value === 'HEAD' ||
    value.split('/').some(part => part.startsWith('.'));
  if (broken) {
    p.add(path, `${JSON.stringify(value)} is not a valid git branch name (1-255 characters, no spaces, "..", "~^:?*[\\{}!", no leading "-", "." or "/", no trailing "/", "." or ".lock", not HEAD)`);
  }
  return value;
}

function checkFilePaths(p: Problems, path: OptionPath, value: unknown): string[] {
  // CodePipeline accepts at most 8 file path filters, each at most 255 characters.
  if (!p.stringArray(path, value, 8)) return [];
  value.forEach((glob, i) => {
    const at = path.index(i);
    if (glob.trim().length === 0 || glob.length > 255) p.add(at, 'must be 1 to 255 characters, not blank');
    if (value.indexOf(glob) !== i) p.add(at, `${JSON.stringify(glob)} is listed twice`);
    if (glob.startsWith('/')) p.add(at, 'must be relative to the repository root (no leading "/")');
    if (CONTROL_CHARACTERS.test(glob)) {
      // GitFilePathFilterCriteria's pattern is `.*`, which matches no line break: AWS would reject it only at deploy.
      p.add(at, 'must not contain control characters or line breaks');
    } else if (glob.split('/').some(segment => segment === '.' || segment === '..') || glob.includes('//')) {
      // The filter is matched against the paths git records, which are normalized.
      p.add(at, `${JSON.stringify(glob)} has a ".", ".." or empty segment, so it can never match a file of the repository`);
    }
  });
  return value;
}

function checkConnectionArn(p: Problems, path: OptionPath, value: unknown): string | undefined {
  if (!p.string(path, value, false)) return undefined;
  const match = CONNECTION_ARN.exec(value);
  if (!match) {
    // Not quoted: what people paste in place of the ARN may be a token.
    p.add(path, 'is not a connection ARN (arn:<partition>:codeconnections|codestar-connections:<region>:<12-digit account>:connection/<uuid>)' +
      (value.startsWith('arn:') ? '' : '; it is not shown, as a value that is no ARN at all may be a secret'));
    return value;
  }
  const [, partition, , region] = match;
  const expected = partitionOfRegion(region);
  if (partition !== expected) {
    p.add(path, `region ${region} belongs to partition ${expected}, not ${partition}`);
  }
  return value;
}

function checkName(p: Problems, path: OptionPath, value: unknown, repository: string | undefined, repositoryPath: OptionPath): string {
  if (value === undefined && repository === undefined) return 'pipeline'; // the repository's own problem says enough
  if (value === undefined) {
    const repoName = repository!.split('/')[1] ?? '';
    const derived = repoName.toLowerCase().replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+/, '').slice(0, NAME_MAX_LENGTH).replace(/-+$/, '');
    if (!NAME_PATTERN.test(derived)) {
      p.add(path, `cannot be derived from the repository name ${JSON.stringify(repoName)} (${p.name(repositoryPath)}); ` +
        `set it (lowercase letters, digits, single hyphens, at most ${NAME_MAX_LENGTH})`);
      return 'pipeline';
    }
    for (const problem of checkDerivedNames(derived, 'x'.repeat(ENVIRONMENT_MAX_LENGTH))) {
      p.add(path, `defaults to ${JSON.stringify(derived)} (from ${p.name(repositoryPath)}), which ${problem}; set it`);
    }
    return derived;
  }
  if (!p.string(path, value, true)) return 'pipeline';
  if (value.length > NAME_MAX_LENGTH || !NAME_PATTERN.test(value)) {
    p.add(path, `${JSON.stringify(value)} must be 1 to ${NAME_MAX_LENGTH} lowercase letters, digits and single hyphens ` +
      '(no hyphen at either end)');
    return value;
  }
  // Every suffix the environment pattern allows must give valid names, not just the listed ones.
  for (const problem of checkDerivedNames(value, 'x'.repeat(ENVIRONMENT_MAX_LENGTH))) p.add(path, problem);
  return value;
}

function checkEnvironments(p: Problems, path: OptionPath, value: unknown): string[] {
  if (!p.stringArray(path, value, 20)) return [];
  if (value.length === 0) p.add(path, 'must name at least one environment');
  const pattern = new RegExp(ENVIRONMENT_PATTERN);
  const seen = new Set<string>();
  value.forEach((env, i) => {
    if (!pattern.test(env)) {
      p.add(path.index(i), `${JSON.stringify(env)} must be 1 to ${ENVIRONMENT_MAX_LENGTH} lowercase letters or digits, starting with a letter`);
      return;
    }
    if (seen.has(env)) p.add(path.index(i), `${JSON.stringify(env)} is listed twice`);
    seen.add(env);
  });
  return value;
}

function checkEphemeralEnvironments(p: Problems, path: OptionPath, value: unknown, environments: string[]): string[] {
  if (!p.stringArray(path, value, 20)) return [];
  value.forEach((env, i) => {
    // Unlisted suffixes are ephemeral already; naming one here is a typo of a listed one.
    if (!environments.includes(env)) p.add(path.index(i), `${JSON.stringify(env)} is not in environments (unlisted suffixes are ephemeral already)`);
    if (value.indexOf(env) !== i) p.add(path.index(i), `${JSON.stringify(env)} is listed twice`);
  });
  return value;
}

function resolveBuild(p: Problems, path: OptionPath, value: unknown, name: string): PipelineModel['build'] {
  const b = p.struct(path, value) ? value : {};
  p.knownKeys(path, b, ['architecture', 'computeType', 'image', 'dockerfile', 'context', 'timeoutMinutes', 'logRetentionDays',
    'preBuildCommands', 'postBuildCommands', 'environmentVariables', 'secrets', 'containerName']);
  if (p.string(path.option('containerName'), b.containerName, false) && !CONTAINER_NAME.test(b.containerName)) {
    p.add(path.option('containerName'), `${JSON.stringify(b.containerName)} is not an ECS container name (1 to 255 letters, digits, "-", "_")`);
  }
  p.oneOf(path.option('computeType'), b.computeType, Object.values(BuildComputeType));
  const { architecture, image } = resolveArchitecture(p, path, b.architecture, b.image);
  for (const key of ['dockerfile', 'context'] as const) {
    const v = b[key];
    if (p.string(path.option(key), v, false)) {
      if (v.length === 0 || v.startsWith('/') || v.split('/').includes('..') || /[\s"'$`\\]/.test(v) || CONTROL_CHARACTERS.test(v)) {
        p.add(path.option(key), `${JSON.stringify(v)} must be a path inside the repository (relative, no "..", no spaces or shell characters)`);
      }
    }
  }
  p.integer(path.option('timeoutMinutes'), b.timeoutMinutes, 5, 2160);
  p.oneOf(path.option('logRetentionDays'), b.logRetentionDays, LOG_RETENTION_DAYS);
  for (const key of ['preBuildCommands', 'postBuildCommands'] as const) {
    if (p.stringArray(path.option(key), b[key], 50)) {
      (b[key] as string[]).forEach((cmd, i) => {
        if (cmd.trim().length === 0) p.add(path.option(key).index(i), 'must not be empty');
      });
    }
  }
  const environmentVariables = checkPlainVariables(p, path.option('environmentVariables'), b.environmentVariables, RESERVED_BUILD_VARIABLES);
  const secrets = checkSecretVariables(p, path.option('secrets'), b.secrets, RESERVED_BUILD_VARIABLES, environmentVariables);
  return {
    architecture,
    environmentType: CONTAINER_TYPE[architecture],
    computeType: (b.computeType as string | undefined) ?? BuildComputeType.SMALL,
    image,
    dockerfile: (b.dockerfile as string | undefined) ?? 'Dockerfile',
    context: (b.context as string | undefined) ?? '.',
    timeoutMinutes: (b.timeoutMinutes as number | undefined) ?? 30,
    logRetentionDays: (b.logRetentionDays as number | undefined) ?? 30,
    preBuildCommands: (b.preBuildCommands as string[] | undefined) ?? [],
    postBuildCommands: (b.postBuildCommands as string[] | undefined) ?? [],
    environmentVariables,
    secrets,
    containerName: (b.containerName as string | undefined) ?? name,
  };
}

function resolveRegistry(p: Problems, path: OptionPath, value: unknown): PipelineModel['registry'] {
  const r = p.struct(path, value) ? value : {};
  p.knownKeys(path, r, ['keepImages', 'untaggedExpiryDays']);
  p.integer(path.option('keepImages'), r.keepImages, 1, 10000);
  p.integer(path.option('untaggedExpiryDays'), r.untaggedExpiryDays, 1, 3650);
  return {
    keepImages: (r.keepImages as number | undefined) ?? 30,
    untaggedExpiryDays: (r.untaggedExpiryDays as number | undefined) ?? 7,
    cacheTag: CACHE_TAG,
  };
}

function resolveArtifacts(p: Problems, path: OptionPath, value: unknown): PipelineModel['artifacts'] {
  const a = p.struct(path, value) ? value : {};
  p.knownKeys(path, a, ['expiryDays', 'noncurrentVersionExpiryDays', 'forceDestroy']);
  p.integer(path.option('expiryDays'), a.expiryDays, 1, 3650);
  p.integer(path.option('noncurrentVersionExpiryDays'), a.noncurrentVersionExpiryDays, 1, 3650);
  p.boolean(path.option('forceDestroy'), a.forceDestroy);
  return {
    expiryDays: (a.expiryDays as number | undefined) ?? 30,
    noncurrentVersionExpiryDays: (a.noncurrentVersionExpiryDays as number | undefined) ?? 30,
    forceDestroy: a.forceDestroy === true,
  };
}

function resolveNotifications(p: Problems, path: OptionPath, value: unknown): PipelineModel['notifications'] {
  const n = p.struct(path, value) ? value : {};
  p.knownKeys(path, n, ['emails', 'states']);
  checkEmails(p, path.option('emails'), n.emails, 100);
  const statesPath = path.option('states');
  if (p.stringArray(statesPath, n.states, 5)) {
    const states = n.states as string[];
    if (states.length === 0) p.add(statesPath, 'must name at least one state (or leave it unset)');
    states.forEach((s, i) => {
      p.oneOf(statesPath.index(i), s, Object.values(PipelineExecutionState));
      if (states.indexOf(s) !== i) p.add(statesPath.index(i), `${JSON.stringify(s)} is listed twice`);
    });
  }
  return {
    emails: (n.emails as string[] | undefined) ?? [],
    states: (n.states as string[] | undefined) ?? [PipelineExecutionState.FAILED, PipelineExecutionState.SUCCEEDED],
  };
}

/** A tag value the user does not set: its default, the option it comes from, and whether that option passed. */
interface DefaultTag {
  readonly value: string;
  readonly path: OptionPath;
  readonly ok: boolean;
}

function resolveTags(p: Problems, path: OptionPath, value: unknown, defaults: { team: DefaultTag; project: DefaultTag }): Record<string, string> {
  const t = p.struct(path, value) ? value : {};
  p.knownKeys(path, t, ['team', 'project', 'costCenter', 'custom']);
  // [tag key, value, option path, check it] so that each problem names the option the user should change;
  // a default from an option that already has a problem is not checked again.
  const entries: Array<[string, string, OptionPath, boolean]> = [];
  for (const [key, option, fallback] of [['Team', 'team', defaults.team], ['Project', 'project', defaults.project]] as const) {
    const at = path.option(option);
    const given = t[option];
    if (given === undefined) {
      entries.push([key, fallback.value, fallback.path, fallback.ok]);
    } else if (p.string(at, given, true)) {
      if (given.length === 0) p.add(at, 'must not be empty');
      entries.push([key, given, at, true]);
    } else {
      entries.push([key, fallback.value, at, false]);
    }
  }
  const costCenterPath = path.option('costCenter');
  if (p.string(costCenterPath, t.costCenter, false)) {
    if (t.costCenter.length === 0) p.add(costCenterPath, 'must not be empty (leave it unset for no CostCenter tag)');
    entries.push(['CostCenter', t.costCenter, costCenterPath, true]);
  }
  const customPath = path.option('custom');
  if (p.stringMap(customPath, t.custom)) {
    for (const [key, v] of Object.entries(t.custom)) {
      if (RESERVED_TAG_KEYS.some(r => r.toLowerCase() === key.toLowerCase())) {
        p.add(customPath.key(key), `is a tag the pipeline sets itself (${RESERVED_TAG_KEYS.join(', ')})`);
      } else {
        entries.push([key, v, customPath.key(key), true]);
      }
    }
  }
  const seen = new Map<string, string>();
  for (const [key, v, at, check] of entries) {
    const other = seen.get(key.toLowerCase());
    if (other !== undefined) p.add(at, `tag key ${JSON.stringify(key)} differs from ${JSON.stringify(other)} only in case; AWS treats them as one key`);
    seen.set(key.toLowerCase(), key);
    if (!check) continue;
    if (key.length < 1 || key.length > 128) p.add(at, `tag key must be 1 to 128 characters (got ${key.length})`);
    if (key.toLowerCase().startsWith('aws:')) p.add(at, 'tag key must not start with "aws:" (reserved by AWS)');
    if (!TAG_CHARACTERS.test(key)) p.add(at, 'tag key has characters AWS rejects (allowed: letters, digits, spaces, _ . : / = + - @)');
    if (v.length > 256) p.add(at, `tag value must be at most 256 characters (got ${v.length})`);
    if (!TAG_CHARACTERS.test(v)) p.add(at, 'tag value has characters AWS rejects (allowed: letters, digits, spaces, _ . : / = + - @)');
  }
  // The program adds Environment and ManagedBy to every resource, and the fleet's version tag to the pipeline
  // and its build projects, which must therefore stay within the limit too.
  if (entries.length + 3 > MAX_TAGS) {
    p.add(customPath, `gives ${entries.length + 3} tags on the pipeline with Environment, ManagedBy and ${VERSION_TAG_KEY}; ` +
      `AWS allows ${MAX_TAGS}`);
  }
  return Object.fromEntries(entries.map(([key, v]) => [key, v]));
}
