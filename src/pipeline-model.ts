import { ENVIRONMENT_MAX_LENGTH, ENVIRONMENT_PATTERN, NAME_MAX_LENGTH, NAME_PATTERN, checkDerivedNames } from './naming';
import { BuildComputeType, BuildImage, PipelineExecutionState, PipelineProps } from './pipeline-props';
import { Problems } from './validation';

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
    readonly computeType: string;
    readonly image: string;
    readonly dockerfile: string;
    readonly context: string;
    readonly timeoutMinutes: number;
    readonly logRetentionDays: number;
    readonly preBuildCommands: string[];
    readonly postBuildCommands: string[];
    readonly environmentVariables: Record<string, string>;
    readonly containerName: string;
  };
  readonly registry: { readonly keepImages: number; readonly untaggedExpiryDays: number };
  readonly artifacts: { readonly expiryDays: number; readonly noncurrentVersionExpiryDays: number; readonly forceDestroy: boolean };
  readonly notifications: { readonly emails: string[]; readonly states: string[] };
  /** Tags with fixed values; `Environment` is added per stack. */
  readonly tags: Record<string, string>;
}

/** Tag keys the program sets itself. */
export const ENVIRONMENT_TAG = 'Environment';
export const MANAGED_BY_TAG = 'ManagedBy';
const RESERVED_TAG_KEYS = [ENVIRONMENT_TAG, MANAGED_BY_TAG, 'Team', 'Project', 'CostCenter'];
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
const REGION_PARTITION: Array<[RegExp, string]> = [
  [/^cn-/, 'aws-cn'],
  [/^us-gov-/, 'aws-us-gov'],
  [/^/, 'aws'],
];
const ENV_VAR_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Build variables the buildspec and CodeBuild set; a user value would break the build. */
const RESERVED_ENV_VARS = [
  'REPOSITORY_URI', 'REPOSITORY_NAME', 'AWS_ACCOUNT_ID', 'IMAGE_TAG', 'IMAGE_URI', 'IMAGE_DIGEST', 'DOCKERFILE', 'DOCKER_CONTEXT',
  'CONTAINER_NAME', 'PATH', 'HOME',
];
/** Amazon ECS container names: up to 255 letters, digits, hyphens and underscores. */
const CONTAINER_NAME = /^[A-Za-z0-9_-]{1,255}$/;
const SECRET_LIKE_NAME = /(SECRET|PASSWORD|PASSWD|TOKEN|PRIVATE_?KEY|API_?KEY|CREDENTIAL)/i;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const PROPS_KEYS = [
  'repository', 'branch', 'filePaths', 'connectionArn', 'name', 'environments', 'ephemeralEnvironments',
  'codeBuild', 'registry', 'artifacts', 'notifications', 'tags',
];

/**
 * Applies defaults to `props` and checks every rule. Throws one
 * `PipelineConfigError` listing every problem, each naming its option path
 * under `prefix`.
 */
export function resolvePipeline(props: PipelineProps, prefix = 'pipeline'): PipelineModel {
  const p = new Problems();
  const raw: unknown = props;
  if (!p.struct(prefix, raw)) {
    if (raw === undefined) p.add(prefix, 'is required');
    p.throwIfAny('pipeline configuration');
  }
  const input = raw as Record<string, unknown>;
  p.knownKeys(prefix, input, PROPS_KEYS);

  const before = p.list.length;
  const repository = checkRepository(p, `${prefix}.repository`, input.repository);
  const repositoryValid = p.list.length === before;
  const branch = checkBranch(p, `${prefix}.branch`, input.branch === undefined ? 'main' : input.branch);
  const filePaths = checkFilePaths(p, `${prefix}.filePaths`, input.filePaths);
  const connectionArn = checkConnectionArn(p, `${prefix}.connectionArn`, input.connectionArn);
  const name = checkName(p, `${prefix}.name`, input.name, repositoryValid ? repository : undefined);
  const environments = checkEnvironments(p, `${prefix}.environments`, input.environments === undefined ? ['dev'] : input.environments);
  const ephemeralEnvironments = checkEphemeralEnvironments(p, `${prefix}.ephemeralEnvironments`, input.ephemeralEnvironments, environments);

  const build = resolveBuild(p, `${prefix}.codeBuild`, input.codeBuild, name);
  const registry = resolveRegistry(p, `${prefix}.registry`, input.registry);
  const artifacts = resolveArtifacts(p, `${prefix}.artifacts`, input.artifacts);
  const notifications = resolveNotifications(p, `${prefix}.notifications`, input.notifications);
  const tags = resolveTags(p, `${prefix}.tags`, input.tags, repository, name);

  p.throwIfAny('pipeline configuration');
  return {
    name,
    repository,
    branch,
    filePaths,
    environments,
    ephemeralEnvironments,
    build,
    registry,
    artifacts,
    notifications,
    tags,
    ...(connectionArn ? { connectionArn } : {}),
  };
}

function checkRepository(p: Problems, path: string, value: unknown): string {
  if (value === undefined) {
    p.add(path, 'is required: the GitHub repository as "owner/name"');
    return PLACEHOLDER_REPOSITORY;
  }
  if (!p.string(path, value, true)) return PLACEHOLDER_REPOSITORY;
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
  }
  return value;
}

function checkBranch(p: Problems, path: string, value: unknown): string {
  if (!p.string(path, value, true)) return 'main';
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

function checkFilePaths(p: Problems, path: string, value: unknown): string[] {
  // CodePipeline accepts at most 8 file path filters, each at most 255 characters.
  if (!p.stringArray(path, value, 8)) return [];
  value.forEach((glob, i) => {
    if (glob.trim().length === 0 || glob.length > 255) p.add(`${path}[${i}]`, 'must be 1 to 255 characters, not blank');
    if (value.indexOf(glob) !== i) p.add(`${path}[${i}]`, `${JSON.stringify(glob)} is listed twice`);
    if (glob.startsWith('/')) p.add(`${path}[${i}]`, 'must be relative to the repository root (no leading "/")');
  });
  return value;
}

function checkConnectionArn(p: Problems, path: string, value: unknown): string | undefined {
  if (!p.string(path, value, false)) return undefined;
  const match = CONNECTION_ARN.exec(value);
  if (!match) {
    p.add(path, `${JSON.stringify(value)} is not a connection ARN ` +
      '(arn:<partition>:codeconnections|codestar-connections:<region>:<12-digit account>:connection/<uuid>)');
    return value;
  }
  const [, partition, , region] = match;
  const expected = REGION_PARTITION.find(([re]) => re.test(region))![1];
  if (partition !== expected) {
    p.add(path, `region ${region} belongs to partition ${expected}, not ${partition}`);
  }
  return value;
}

function checkName(p: Problems, path: string, value: unknown, repository: string | undefined): string {
  if (value === undefined && repository === undefined) return 'pipeline'; // the repository's own problem says enough
  if (value === undefined) {
    const derived = (repository!.split('/')[1] ?? '').toLowerCase().replace(/[^a-z0-9]+/g, '-')
      .replace(/^[^a-z]+/, '').slice(0, NAME_MAX_LENGTH).replace(/-+$/, '');
    if (!NAME_PATTERN.test(derived)) {
      p.add(path, `cannot be derived from the repository name; set it (lowercase letters, digits, hyphens, at most ${NAME_MAX_LENGTH})`);
      return 'pipeline';
    }
    return derived;
  }
  if (!p.string(path, value, true)) return 'pipeline';
  if (value.length > NAME_MAX_LENGTH || !NAME_PATTERN.test(value)) {
    p.add(path, `${JSON.stringify(value)} must be 1 to ${NAME_MAX_LENGTH} lowercase letters, digits and single hyphens, starting with a letter`);
    return value;
  }
  // Every suffix the environment pattern allows must give valid names, not just the listed ones.
  for (const problem of checkDerivedNames(value, 'x'.repeat(ENVIRONMENT_MAX_LENGTH))) p.add(path, problem);
  return value;
}

function checkEnvironments(p: Problems, path: string, value: unknown): string[] {
  if (!p.stringArray(path, value, 20)) return [];
  if (value.length === 0) p.add(path, 'must name at least one environment');
  const pattern = new RegExp(ENVIRONMENT_PATTERN);
  const seen = new Set<string>();
  value.forEach((env, i) => {
    if (!pattern.test(env)) {
      p.add(`${path}[${i}]`, `${JSON.stringify(env)} must be 1 to ${ENVIRONMENT_MAX_LENGTH} lowercase letters or digits, starting with a letter`);
      return;
    }
    if (seen.has(env)) p.add(`${path}[${i}]`, `${JSON.stringify(env)} is listed twice`);
    seen.add(env);
  });
  return value;
}

function checkEphemeralEnvironments(p: Problems, path: string, value: unknown, environments: string[]): string[] {
  if (!p.stringArray(path, value, 20)) return [];
  value.forEach((env, i) => {
    // Unlisted suffixes are ephemeral already; naming one here is a typo of a listed one.
    if (!environments.includes(env)) p.add(`${path}[${i}]`, `${JSON.stringify(env)} is not in environments (unlisted suffixes are ephemeral already)`);
    if (value.indexOf(env) !== i) p.add(`${path}[${i}]`, `${JSON.stringify(env)} is listed twice`);
  });
  return value;
}

function resolveBuild(p: Problems, path: string, value: unknown, name: string): PipelineModel['build'] {
  const b = p.struct(path, value) ? value : {};
  p.knownKeys(path, b, ['computeType', 'image', 'dockerfile', 'context', 'timeoutMinutes', 'logRetentionDays',
    'preBuildCommands', 'postBuildCommands', 'environmentVariables', 'containerName']);
  if (p.string(`${path}.containerName`, b.containerName, false) && !CONTAINER_NAME.test(b.containerName)) {
    p.add(`${path}.containerName`, `${JSON.stringify(b.containerName)} is not an ECS container name (1 to 255 letters, digits, "-", "_")`);
  }
  p.oneOf(`${path}.computeType`, b.computeType, Object.values(BuildComputeType));
  p.oneOf(`${path}.image`, b.image, Object.values(BuildImage));
  for (const key of ['dockerfile', 'context'] as const) {
    const v = b[key];
    if (p.string(`${path}.${key}`, v, false)) {
      if (v.length === 0 || v.startsWith('/') || v.split('/').includes('..') || /[\s"'$`\\]/.test(v)) {
        p.add(`${path}.${key}`, `${JSON.stringify(v)} must be a path inside the repository (relative, no "..", no spaces or shell characters)`);
      }
    }
  }
  p.integer(`${path}.timeoutMinutes`, b.timeoutMinutes, 5, 2160);
  p.oneOf(`${path}.logRetentionDays`, b.logRetentionDays, LOG_RETENTION_DAYS);
  for (const key of ['preBuildCommands', 'postBuildCommands'] as const) {
    if (p.stringArray(`${path}.${key}`, b[key], 50)) {
      (b[key] as string[]).forEach((cmd, i) => {
        if (cmd.trim().length === 0) p.add(`${path}.${key}[${i}]`, 'must not be empty');
      });
    }
  }
  const vars = b.environmentVariables;
  if (p.stringMap(`${path}.environmentVariables`, vars)) {
    for (const key of Object.keys(vars)) {
      const at = `${path}.environmentVariables.${key}`;
      if (!ENV_VAR_NAME.test(key)) {p.add(at, 'is not a valid variable name (letters, digits, "_", not starting with a digit)');} else if (key.startsWith('CODEBUILD_') || key.startsWith('AWS_') || RESERVED_ENV_VARS.includes(key)) {
        p.add(at, 'is reserved: CodeBuild or the pipeline sets it');
      } else if (SECRET_LIKE_NAME.test(key)) {
        p.add(at, 'looks like a secret; buildspec.yml is committed, so keep secrets in Secrets Manager or Parameter Store');
      }
    }
  }
  return {
    computeType: (b.computeType as string | undefined) ?? BuildComputeType.SMALL,
    image: (b.image as string | undefined) ?? BuildImage.STANDARD_7_0,
    dockerfile: (b.dockerfile as string | undefined) ?? 'Dockerfile',
    context: (b.context as string | undefined) ?? '.',
    timeoutMinutes: (b.timeoutMinutes as number | undefined) ?? 30,
    logRetentionDays: (b.logRetentionDays as number | undefined) ?? 30,
    preBuildCommands: (b.preBuildCommands as string[] | undefined) ?? [],
    postBuildCommands: (b.postBuildCommands as string[] | undefined) ?? [],
    environmentVariables: (vars as Record<string, string> | undefined) ?? {},
    containerName: (b.containerName as string | undefined) ?? name,
  };
}

function resolveRegistry(p: Problems, path: string, value: unknown): PipelineModel['registry'] {
  const r = p.struct(path, value) ? value : {};
  p.knownKeys(path, r, ['keepImages', 'untaggedExpiryDays']);
  p.integer(`${path}.keepImages`, r.keepImages, 1, 10000);
  p.integer(`${path}.untaggedExpiryDays`, r.untaggedExpiryDays, 1, 3650);
  return {
    keepImages: (r.keepImages as number | undefined) ?? 30,
    untaggedExpiryDays: (r.untaggedExpiryDays as number | undefined) ?? 7,
  };
}

function resolveArtifacts(p: Problems, path: string, value: unknown): PipelineModel['artifacts'] {
  const a = p.struct(path, value) ? value : {};
  p.knownKeys(path, a, ['expiryDays', 'noncurrentVersionExpiryDays', 'forceDestroy']);
  p.integer(`${path}.expiryDays`, a.expiryDays, 1, 3650);
  p.integer(`${path}.noncurrentVersionExpiryDays`, a.noncurrentVersionExpiryDays, 1, 3650);
  if (a.forceDestroy !== undefined && typeof a.forceDestroy !== 'boolean') {
    p.add(`${path}.forceDestroy`, 'must be true or false');
  }
  return {
    expiryDays: (a.expiryDays as number | undefined) ?? 30,
    noncurrentVersionExpiryDays: (a.noncurrentVersionExpiryDays as number | undefined) ?? 30,
    forceDestroy: a.forceDestroy === true,
  };
}

function resolveNotifications(p: Problems, path: string, value: unknown): PipelineModel['notifications'] {
  const n = p.struct(path, value) ? value : {};
  p.knownKeys(path, n, ['emails', 'states']);
  if (p.stringArray(`${path}.emails`, n.emails, 100)) {
    (n.emails as string[]).forEach((email, i, all) => {
      if (all.findIndex(e => e.toLowerCase() === email.toLowerCase()) !== i) p.add(`${path}.emails[${i}]`, `${JSON.stringify(email)} is listed twice`);
      if (!EMAIL.test(email) || email.length > 254) p.add(`${path}.emails[${i}]`, `${JSON.stringify(email)} is not an e-mail address`);
    });
  }
  if (p.stringArray(`${path}.states`, n.states, 5)) {
    const states = n.states as string[];
    if (states.length === 0) p.add(`${path}.states`, 'must name at least one state (or leave it unset)');
    states.forEach((s, i) => {
      p.oneOf(`${path}.states[${i}]`, s, Object.values(PipelineExecutionState));
      if (states.indexOf(s) !== i) p.add(`${path}.states[${i}]`, `${JSON.stringify(s)} is listed twice`);
    });
  }
  return {
    emails: (n.emails as string[] | undefined) ?? [],
    states: (n.states as string[] | undefined) ?? [PipelineExecutionState.FAILED, PipelineExecutionState.SUCCEEDED],
  };
}

function resolveTags(p: Problems, path: string, value: unknown, repository: string, name: string): Record<string, string> {
  const t = p.struct(path, value) ? value : {};
  p.knownKeys(path, t, ['team', 'project', 'costCenter', 'custom']);
  // [tag key, value, option path] so that each problem names the option that set it.
  const entries: Array<[string, string, string]> = [
    ['Team', defaulted(p, `${path}.team`, t.team, repository.split('/')[0] || name), `${path}.team`],
    ['Project', defaulted(p, `${path}.project`, t.project, name), `${path}.project`],
  ];
  if (p.string(`${path}.costCenter`, t.costCenter, false)) {
    if (t.costCenter.length === 0) p.add(`${path}.costCenter`, 'must not be empty (leave it unset for no CostCenter tag)');
    entries.push(['CostCenter', t.costCenter, `${path}.costCenter`]);
  }
  if (p.stringMap(`${path}.custom`, t.custom)) {
    for (const [key, v] of Object.entries(t.custom)) {
      if (RESERVED_TAG_KEYS.some(r => r.toLowerCase() === key.toLowerCase())) {
        p.add(`${path}.custom.${key}`, 'is a tag the pipeline sets itself (Environment, ManagedBy, Team, Project, CostCenter)');
      } else {
        entries.push([key, v, `${path}.custom.${key}`]);
      }
    }
  }
  const seen = new Map<string, string>();
  for (const [key, v, at] of entries) {
    const other = seen.get(key.toLowerCase());
    if (other !== undefined) p.add(at, `tag key ${JSON.stringify(key)} differs from ${JSON.stringify(other)} only in case; AWS treats them as one key`);
    seen.set(key.toLowerCase(), key);
    if (key.length < 1 || key.length > 128) p.add(at, `tag key must be 1 to 128 characters (got ${key.length})`);
    if (key.toLowerCase().startsWith('aws:')) p.add(at, 'tag key must not start with "aws:" (reserved by AWS)');
    if (!TAG_CHARACTERS.test(key)) p.add(at, 'tag key has characters AWS rejects (allowed: letters, digits, spaces, _ . : / = + - @)');
    if (v.length > 256) p.add(at, `tag value must be at most 256 characters (got ${v.length})`);
    if (!TAG_CHARACTERS.test(v)) p.add(at, 'tag value has characters AWS rejects (allowed: letters, digits, spaces, _ . : / = + - @)');
  }
  // Environment and ManagedBy are added by the program.
  if (entries.length + 2 > MAX_TAGS) {
    p.add(`${path}.custom`, `gives ${entries.length + 2} tags with Environment and ManagedBy; AWS allows ${MAX_TAGS}`);
  }
  return Object.fromEntries(entries.map(([key, v]) => [key, v]));
}

function defaulted(p: Problems, path: string, value: unknown, fallback: string): string {
  if (value === undefined) return fallback;
  if (!p.string(path, value, true)) return fallback;
  if (value.length === 0) p.add(path, 'must not be empty');
  return value;
}
