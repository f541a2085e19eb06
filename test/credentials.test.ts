import * as fs from 'fs';
import * as path from 'path';
import * as fc from 'fast-check';
import { TypeScriptProject } from 'projen/lib/typescript';
import { PROMOTION_PROPS, SELF_UPDATE_CLOUD, snapshotDir, tempDir } from './helpers';
import { CicdPipelineProject } from '../src/cicd-pipeline-project';
import { PipelineInfrastructure } from '../src/pipeline-infrastructure';
import { resolvePipeline } from '../src/pipeline-model';
import { PipelineProps } from '../src/pipeline-props';
import { PipelineConfigError } from '../src/validation';

/**
 * Issue 21: a known credential pasted into any string option is refused —
 * one problem at that option, naming the option and the kind of credential,
 * quoting nothing of the value beyond the credential's fixed prefix — and
 * nothing is written. Every value below is generated at run time, so this
 * file holds no credential-shaped literal for a secret scanner to flag.
 */

// ---------------------------------------------------------------------------
// Credentials, one generator per kind (formats: gitleaks' rules)
// ---------------------------------------------------------------------------

const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const DIGITS = '0123456789';
const HEX = '0123456789abcdef';
const ALNUM = UPPER + LOWER + DIGITS;

/** Shannon entropy, written here again so that the tests do not borrow the detector's own arithmetic. */
function entropy(text: string): number {
  const counts: Record<string, number> = {};
  for (const c of text) counts[c] = (counts[c] ?? 0) + 1;
  return Object.values(counts).reduce((h, n) => h - (n / text.length) * Math.log2(n / text.length), 0);
}

/** `length` characters of `alphabet`, random enough to be a real credential (gitleaks skips low-entropy placeholders). */
const chars = (alphabet: string, length: number) =>
  fc.stringOf(fc.constantFrom(...alphabet.split('')), { minLength: length, maxLength: length }).filter(s => entropy(s) >= 3.2);
const digits = (min: number, max: number) => fc.stringOf(fc.constantFrom(...DIGITS.split('')), { minLength: min, maxLength: max });

interface Kind {
  /** The kind the message names. */
  readonly kind: string;
  /** The fixed start a message may show; everything after it is secret. */
  readonly prefix: string;
  readonly value: fc.Arbitrary<string>;
}

const KINDS: Kind[] = [
  { kind: 'Pulumi access token', prefix: 'pul-', value: chars(HEX, 40).map(s => `pul-${s}`) },
  { kind: 'GitHub personal access token', prefix: 'ghp_', value: chars(ALNUM, 36).map(s => `ghp_${s}`) },
  { kind: 'GitHub fine-grained personal access token', prefix: 'github_pat_', value: chars(ALNUM + '_', 82).map(s => `github_pat_${s}`) },
  { kind: 'GitHub OAuth access token', prefix: 'gho_', value: chars(ALNUM, 36).map(s => `gho_${s}`) },
  { kind: 'GitHub App token', prefix: 'ghu_', value: chars(ALNUM, 36).map(s => `ghu_${s}`) },
  { kind: 'GitHub App token', prefix: 'ghs_', value: chars(ALNUM, 36).map(s => `ghs_${s}`) },
  { kind: 'GitHub refresh token', prefix: 'ghr_', value: chars(ALNUM, 36).map(s => `ghr_${s}`) },
  { kind: 'AWS access key ID', prefix: 'AKIA', value: chars(UPPER + '234567', 16).map(s => `AKIA${s}`) },
  { kind: 'AWS access key ID', prefix: 'ASIA', value: chars(UPPER + '234567', 16).map(s => `ASIA${s}`) },
  { kind: 'npm access token', prefix: 'npm_', value: chars(ALNUM, 36).map(s => `npm_${s}`) },
  {
    kind: 'Slack bot token',
    prefix: 'xoxb-',
    value: fc.tuple(digits(10, 13), digits(10, 13), chars(ALNUM, 24)).map(([a, b, c]) => `xoxb-${a}-${b}-${c}`).filter(s => entropy(s) >= 3),
  },
  {
    kind: 'Slack user token',
    prefix: 'xoxp-',
    value: fc.tuple(digits(10, 13), digits(10, 13), digits(10, 13), chars(LOWER + DIGITS, 32)).map(([a, b, c, d]) => `xoxp-${a}-${b}-${c}-${d}`),
  },
  {
    kind: 'Slack webhook URL',
    prefix: 'https://hooks.slack.com/services/',
    value: fc.tuple(chars(UPPER + DIGITS, 10), chars(UPPER + DIGITS, 10), chars(ALNUM, 24))
      .map(([t, b, s]) => `https://hooks.slack.com/services/T${t}/B${b}/${s}`),
  },
  {
    kind: 'private key',
    prefix: '-----BEGIN RSA PRIVATE KEY-----\n',
    value: chars(ALNUM + '+/', 64).map(body => `-----BEGIN RSA PRIVATE KEY-----\nMIIE${body}\n-----END RSA PRIVATE KEY-----`),
  },
];

/** One fixed sample of each kind (the first value its generator gives for a fixed seed). */
const sample = (kind: Kind) => fc.sample(kind.value, { numRuns: 1, seed: 21 })[0];

/** The part of a credential that must never appear: everything after its fixed prefix (a key block's armour is no secret). */
const secretPart = (kind: Kind, value: string) => value.slice(value.indexOf(kind.prefix) + kind.prefix.length).replace(/\n-----END [A-Z ]+-----$/, '');

/** Fails if `text` contains any 8 consecutive characters of `secret` (a shorter run would match ordinary words). */
function expectNoPartOf(text: string, secret: string): void {
  for (let i = 0; i + 8 <= secret.length; i++) {
    const window = secret.slice(i, i + 8);
    if (text.toLowerCase().includes(window.toLowerCase())) throw new Error(`the message repeats ${JSON.stringify(window)} of the credential:\n${text}`);
  }
}

// ---------------------------------------------------------------------------
// Every string option, with a setter on valid props
// ---------------------------------------------------------------------------

/** Valid props using every string option (the promotion props, self-update on Pulumi Cloud, every tag). */
function baseProps(): Record<string, any> {
  const props = JSON.parse(JSON.stringify({
    ...PROMOTION_PROPS,
    branch: 'main',
    filePaths: ['src/**'],
    connectionArn: 'arn:aws:codeconnections:eu-west-1:111122223333:connection/0b3e5a8e-1111-4222-8333-944455556666',
    name: 'web-app',
    ephemeralEnvironments: ['dev'],
    executionMode: 'QUEUED',
    selfUpdate: { ...SELF_UPDATE_CLOUD, driftSchedule: 'rate(1 day)' },
    tags: { team: 'web', project: 'shop', costCenter: 'cc-1', custom: { Owner: 'ops' } },
  }));
  props.codeBuild = {
    ...props.codeBuild,
    computeType: 'BUILD_GENERAL1_SMALL',
    image: 'aws/codebuild/standard:7.0',
    dockerfile: 'Dockerfile',
    context: '.',
    preBuildCommands: ['npm ci'],
    postBuildCommands: ['echo done'],
    environmentVariables: { NODE_ENV: 'production' },
    containerName: 'web',
  };
  props.notifications = { emails: ['team@acme.example'], states: ['FAILED'] };
  return props;
}

type Setter = (props: Record<string, any>, value: string) => void;

/** [option path as .projenrc.ts spells it, the same in .projenrc.py, where the value goes]. */
const STRING_OPTIONS: Array<[string, string, Setter]> = [
  ['pipeline.repository', 'pipeline.repository', (p, v) => { p.repository = v; }],
  ['pipeline.branch', 'pipeline.branch', (p, v) => { p.branch = v; }],
  ['pipeline.filePaths[0]', 'pipeline.file_paths[0]', (p, v) => { p.filePaths[0] = v; }],
  ['pipeline.connectionArn', 'pipeline.connection_arn', (p, v) => { p.connectionArn = v; }],
  ['pipeline.name', 'pipeline.name', (p, v) => { p.name = v; }],
  ['pipeline.environments[1]', 'pipeline.environments[1]', (p, v) => { p.environments[1] = v; }],
  ['pipeline.ephemeralEnvironments[0]', 'pipeline.ephemeral_environments[0]', (p, v) => { p.ephemeralEnvironments[0] = v; }],
  ['pipeline.codeBuild.computeType', 'pipeline.code_build.compute_type', (p, v) => { p.codeBuild.computeType = v; }],
  ['pipeline.codeBuild.image', 'pipeline.code_build.image', (p, v) => { p.codeBuild.image = v; }],
  ['pipeline.codeBuild.dockerfile', 'pipeline.code_build.dockerfile', (p, v) => { p.codeBuild.dockerfile = v; }],
  ['pipeline.codeBuild.context', 'pipeline.code_build.context', (p, v) => { p.codeBuild.context = v; }],
  ['pipeline.codeBuild.preBuildCommands[0]', 'pipeline.code_build.pre_build_commands[0]', (p, v) => { p.codeBuild.preBuildCommands[0] = `export TOKEN=${v}`; }],
  ['pipeline.codeBuild.postBuildCommands[0]', 'pipeline.code_build.post_build_commands[0]', (p, v) => { p.codeBuild.postBuildCommands[0] = `curl -d '${v}' x`; }],
  ['pipeline.codeBuild.environmentVariables.NODE_ENV', 'pipeline.code_build.environment_variables.NODE_ENV', (p, v) => { p.codeBuild.environmentVariables.NODE_ENV = v; }],
  ['pipeline.codeBuild.environmentVariables', 'pipeline.code_build.environment_variables', (p, v) => { p.codeBuild.environmentVariables[v] = 'x'; }],
  ['pipeline.codeBuild.secrets.NPM_TOKEN', 'pipeline.code_build.secrets.NPM_TOKEN', (p, v) => { p.codeBuild.secrets.NPM_TOKEN = v; }],
  ['pipeline.codeBuild.containerName', 'pipeline.code_build.container_name', (p, v) => { p.codeBuild.containerName = v; }],
  ['pipeline.stages[1].name', 'pipeline.stages[1].name', (p, v) => { p.stages[1].name = v; }],
  ['pipeline.stages[1].commands[1]', 'pipeline.stages[1].commands[1]', (p, v) => { p.stages[1].commands[1] = `./deploy.sh --token ${v}`; }],
  ['pipeline.stages[1].environmentVariables.TARGET', 'pipeline.stages[1].environment_variables.TARGET', (p, v) => { p.stages[1].environmentVariables.TARGET = v; }],
  ['pipeline.stages[1].secrets.DB_PASSWORD', 'pipeline.stages[1].secrets.DB_PASSWORD', (p, v) => { p.stages[1].secrets.DB_PASSWORD = v; }],
  ['pipeline.stages[1].manualApproval.emails[0]', 'pipeline.stages[1].manual_approval.emails[0]', (p, v) => { p.stages[1].manualApproval.emails[0] = v; }],
  ['pipeline.stages[1].assumeRoleArn', 'pipeline.stages[1].assume_role_arn', (p, v) => { p.stages[1].assumeRoleArn = v; }],
  ['pipeline.executionMode', 'pipeline.execution_mode', (p, v) => { p.executionMode = v; }],
  ['pipeline.notifications.emails[0]', 'pipeline.notifications.emails[0]', (p, v) => { p.notifications.emails[0] = v; }],
  ['pipeline.notifications.states[0]', 'pipeline.notifications.states[0]', (p, v) => { p.notifications.states[0] = v; }],
  ['pipeline.tags.team', 'pipeline.tags.team', (p, v) => { p.tags.team = v; }],
  ['pipeline.tags.project', 'pipeline.tags.project', (p, v) => { p.tags.project = v; }],
  ['pipeline.tags.costCenter', 'pipeline.tags.cost_center', (p, v) => { p.tags.costCenter = v; }],
  ['pipeline.tags.custom.Owner', 'pipeline.tags.custom.Owner', (p, v) => { p.tags.custom.Owner = v; }],
  ['pipeline.tags.custom', 'pipeline.tags.custom', (p, v) => { p.tags.custom[v] = 'x'; }],
  ['pipeline.selfUpdate.backendUrl', 'pipeline.self_update.backend_url', (p, v) => { p.selfUpdate.backendUrl = v; }],
  ['pipeline.selfUpdate.secretsProvider', 'pipeline.self_update.secrets_provider', (p, v) => { p.selfUpdate.secretsProvider = v; }],
  ['pipeline.selfUpdate.accessTokenSecretArn', 'pipeline.self_update.access_token_secret_arn', (p, v) => { p.selfUpdate.accessTokenSecretArn = v; }],
  ['pipeline.selfUpdate.driftSchedule', 'pipeline.self_update.drift_schedule', (p, v) => { p.selfUpdate.driftSchedule = v; }],
];

/** The problems `resolvePipeline` reports; fails if it accepts the props or throws anything else. */
function errorOf(props: unknown, style: 'typescript' | 'python' = 'typescript'): PipelineConfigError {
  try {
    resolvePipeline(props as PipelineProps, { style, file: style === 'python' ? '.projenrc.py' : '.projenrc.ts' });
  } catch (error) {
    if (error instanceof PipelineConfigError) return error;
    throw error;
  }
  throw new Error('resolvePipeline accepted a credential');
}

/** Checks one credential in one option: refused there, the kind named, nothing of its secret part in the whole error. */
function expectRefused(kind: Kind, value: string, option: [string, string, Setter], style: 'typescript' | 'python' = 'typescript'): void {
  const [tsPath, pyPath, set] = option;
  const props = baseProps();
  set(props, value);
  const error = errorOf(props, style);
  const at = style === 'python' ? pyPath : tsPath;
  const mine = error.problems.filter(problem => problem.startsWith(`${at}: `));
  expect(mine).toEqual([expect.stringMatching(new RegExp(`looks like an? ${kind.kind} `))]);
  expect(mine[0]).toMatch(/Secrets Manager or Parameter Store/);
  expectNoPartOf(error.message, secretPart(kind, value));
}

// The props used as the base are valid: any problem below comes from the credential.
test('the base props use every string option and are valid', () => {
  expect(() => resolvePipeline(baseProps() as PipelineProps)).not.toThrow();
});

describe('hand-written: each kind of credential in each string option', () => {
  const cases = KINDS.flatMap(kind => STRING_OPTIONS.map(option => [kind.kind, kind.prefix.trim(), option[0], kind, option] as const));
  test.each(cases)('%s (%s…) in %s is refused there, without its value', (_kind, _prefix, _path, kind, option) => {
    expectRefused(kind, sample(kind), option);
  });
});

describe('hand-written: messages', () => {
  const ghp = KINDS[1];
  const token = sample(ghp);

  test('the message names the option, the kind and where the credential belongs instead', () => {
    const props = baseProps();
    props.stages[1].commands[1] = `curl -H "Authorization: token ${token}" https://api.github.com`;
    const error = errorOf(props);
    expect(error.problems).toContainEqual(
      'pipeline.stages[1].commands[1]: looks like a GitHub personal access token ("ghp_…"): never write a credential in .projenrc.ts, ' +
      'whose options are committed and printed in CI logs (the value is not shown here). Revoke it, store a new one in AWS Secrets ' +
      'Manager or Parameter Store, and give its ARN instead (pipeline.codeBuild.secrets, a stage\'s secrets or pipeline.selfUpdate.accessTokenSecretArn)');
  });

  test('in .projenrc.py the option and the advice are spelled in snake_case', () => {
    const error = errorOf({ ...baseProps(), codeBuild: { ...baseProps().codeBuild, preBuildCommands: [`echo ${token}`] } }, 'python');
    expect(error.problems).toContainEqual(expect.stringMatching(
      /^pipeline\.code_build\.pre_build_commands\[0\]: looks like a GitHub personal access token .*never write a credential in \.projenrc\.py.*\(pipeline\.code_build\.secrets, a stage's secrets or pipeline\.self_update\.access_token_secret_arn\)$/));
  });

  test('one problem per option, however many checks the value also breaks', () => {
    // A token as the repository breaks "owner/name", the derived name and the Team tag: only the credential is reported.
    const error = errorOf({ ...baseProps(), repository: token, name: undefined });
    expect(error.problems.filter(p => p.startsWith('pipeline.repository: '))).toHaveLength(1);
    expectNoPartOf(error.message, secretPart(ghp, token));
  });

  test('an option no check knows (as one added later would be) is walked too', () => {
    const error = errorOf({ ...baseProps(), codeBuild: { ...baseProps().codeBuild, cacheKey: [{ token }] } });
    expect(error.problems).toContainEqual(expect.stringMatching(/^pipeline\.codeBuild\.cacheKey\[0\]\.token: looks like a GitHub personal access token/));
    expectNoPartOf(error.message, secretPart(ghp, token));
  });

  test('a credential used as a map key is reported at the map, never by the key', () => {
    const props = baseProps();
    props.codeBuild.environmentVariables[token] = 'x';
    const error = errorOf(props);
    expect(error.problems).toContainEqual(expect.stringMatching(/^pipeline\.codeBuild\.environmentVariables: has a key that looks like a GitHub personal access token/));
    expectNoPartOf(error.message, secretPart(ghp, token));
  });

  test('an AWS secret access key is refused beside an access key ID, each at its own option', () => {
    const keyId = sample(KINDS[7]);
    const secretKey = fc.sample(chars(ALNUM + '+/', 40), { numRuns: 1, seed: 7 })[0];
    const props = baseProps();
    props.codeBuild.preBuildCommands = [`export KEY_ID=${keyId}`, `export SECRET_KEY=${secretKey}`];
    const error = errorOf(props);
    expect(error.problems).toEqual(expect.arrayContaining([
      expect.stringMatching(/^pipeline\.codeBuild\.preBuildCommands\[0\]: looks like an AWS access key ID \("AKIA\/ASIA…"\)/),
      expect.stringMatching(/^pipeline\.codeBuild\.preBuildCommands\[1\]: looks like an AWS secret access key:/),
    ]));
    expectNoPartOf(error.message, secretKey);
    expectNoPartOf(error.message, keyId.slice(4));
  });

  test('a key ID and its secret key in one option give one problem, and neither is repeated', () => {
    const keyId = sample(KINDS[7]);
    const secretKey = fc.sample(chars(ALNUM + '+/', 40), { numRuns: 1, seed: 8 })[0];
    const props = baseProps();
    props.codeBuild.preBuildCommands = [`aws configure set aws_access_key_id ${keyId} && aws configure set aws_secret_access_key ${secretKey}`];
    props.tags.custom.Note = `${secretKey.slice(0, 12)}...`; // a message quoting part of it elsewhere is withheld too
    props.tags.custom[`${secretKey.slice(0, 12)}!`] = 'x';
    const error = errorOf(props);
    expect(error.problems.filter(p => p.startsWith('pipeline.codeBuild.preBuildCommands[0]: '))).toHaveLength(1);
    expectNoPartOf(error.message, secretKey);
  });

  test('alone, 40 characters of the secret-key alphabet are no credential (a commit SHA is one)', () => {
    const props = baseProps();
    props.codeBuild.preBuildCommands = ['git checkout 3f786850e387550fdab836ed7e6dc881de23001b'];
    expect(() => resolvePipeline(props as PipelineProps)).not.toThrow();
  });

  test('a cyclic object is walked without overflowing the stack, and reported as the wrong shape it is', () => {
    const codeBuild: Record<string, unknown> = {};
    codeBuild.self = codeBuild;
    expect(errorOf({ ...baseProps(), codeBuild }).problems).toContainEqual(expect.stringMatching(/^pipeline\.codeBuild\.self: is not an option/));
  });

  test.each([
    ['a placeholder token (gitleaks\' entropy threshold)', `ghp_${'x'.repeat(36)}`],
    ['a Pulumi token one character short (gitleaks\' exact length)', `pul-${'0123456789abcdef'.repeat(3).slice(0, 39)}`],
    ['AWS\'s documented example key ID (gitleaks\' allowlist)', 'AKIAIOSFODNN7EXAMPLE'],
    ['a variable holding the token at build time', 'echo "$GITHUB_TOKEN" | gh auth login --with-token'],
  ])('%s is accepted', (_title, command) => {
    const props = baseProps();
    props.codeBuild.preBuildCommands = [command];
    expect(() => resolvePipeline(props as PipelineProps)).not.toThrow();
  });
});

describe('a value that is no ARN, where an ARN belongs, is described, never printed', () => {
  const random = 'Zq8vLr2NcX5tWm9KpB3yHs7D';
  test.each<[string, Setter, string]>([
    ['a password as a build secret', (p, v) => { p.codeBuild.secrets.NPM_TOKEN = v; }, 'hunter2'],
    ['a JSON blob as a stage secret', (p, v) => { p.stages[1].secrets.DB_PASSWORD = v; }, '{"username":"app","password":"hunter2"}'],
    ['a password as a role ARN', (p, v) => { p.stages[1].assumeRoleArn = v; }, 'hunter2'],
    ['a password as the connection ARN', (p, v) => { p.connectionArn = v; }, 'hunter2'],
    ['a password as the token\'s secret ARN', (p, v) => { p.selfUpdate.accessTokenSecretArn = v; }, 'hunter2'],
    ['a passphrase as the secrets provider', (p, v) => { p.selfUpdate.secretsProvider = v; }, 'hunter2'],
    ['a token as the backend', (p, v) => { p.selfUpdate.backendUrl = v; }, 'hunter2'],
    ['a password inside an http backend URL', (p, v) => { p.selfUpdate.backendUrl = `http://ci:${v}@pulumi.acme.example`; }, 'hunter2'],
    ['a random string as a stage name', (p, v) => { p.stages[1].name = `${v}!`; }, random],
    ['a random string as an environment', (p, v) => { p.environments[1] = v; }, random],
    ['a random string as the branch', (p, v) => { p.branch = `${v}~1`; }, random],
  ])('%s', (_title, set, secret) => {
    const props = baseProps();
    set(props, secret);
    const error = errorOf(props);
    expect(error.problems.length).toBeGreaterThan(0);
    expect(error.message).not.toContain(secret);
  });

  test('a secret value in place of a secret ARN says what it looks like and what to give instead', () => {
    const props = baseProps();
    props.codeBuild.secrets.NPM_TOKEN = 'hunter2';
    expect(errorOf(props).problems).toContainEqual(expect.stringMatching(
      /^pipeline\.codeBuild\.secrets\.NPM_TOKEN: is not a secret ARN \(a Secrets Manager or Parameter Store ARN\); it looks like a secret value, which is not shown/));
  });

  test('a bad value that helps to see is still quoted (a branch name)', () => {
    const error = errorOf({ ...baseProps(), branch: 'feature branch' });
    expect(error.problems).toContainEqual(expect.stringContaining('"feature branch" is not a valid git branch name'));
  });
});

describe('project options beside pipeline', () => {
  const ghp = KINDS[1];
  const token = sample(ghp);
  test.each([
    ['githubRepository', { githubRepository: `acme/${token}` }],
    ['pulumiProject', { pulumiProject: token }],
    ['pythonExec', { pythonExec: token }],
  ])('a credential in %s is refused there, without its value', (option, options) => {
    let error: unknown;
    try {
      new CicdPipelineProject({ name: 'web-app', defaultReleaseBranch: 'main', outdir: tempDir('cred'), ...options } as any);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PipelineConfigError);
    const problems = (error as PipelineConfigError).problems;
    expect(problems.filter(p => p.startsWith(`${option}: `))).toEqual([expect.stringContaining('a GitHub personal access token')]);
    expectNoPartOf((error as PipelineConfigError).message, secretPart(ghp, token));
  });
});

describe('PipelineInfrastructure in any Node project', () => {
  const ghp = KINDS[1];
  const token = sample(ghp);
  test.each(['pulumiProject', 'infraDir', 'buildspecPath', 'taggingPolicyPath'])('a credential in its %s is refused there, without its value', option => {
    const project = new TypeScriptProject({ name: 'svc', defaultReleaseBranch: 'main', outdir: tempDir('cred-plain') });
    let error: unknown;
    try {
      new PipelineInfrastructure(project, { pipeline: { repository: 'acme/svc' }, [option]: `x/${token}` });
    } catch (e) {
      error = e;
    }
    expect((error as PipelineConfigError).problems).toEqual([expect.stringMatching(new RegExp(`^${option}: looks like a GitHub personal access token`))]);
    expectNoPartOf((error as PipelineConfigError).message, secretPart(ghp, token));
  });
});

// ---------------------------------------------------------------------------
// Nothing written
// ---------------------------------------------------------------------------


/** The project type's own string options beside `pipeline`, written to package.json, Pulumi.yaml, the README and tasks. */
const PROJECT_OPTIONS = ['githubRepository', 'pulumiProject', 'pythonExec', 'name'];

describe('nothing is written', () => {
  // The constructor throws before projen writes anything: each kind, in every option, against one existing folder.
  test.each(KINDS.map(kind => [kind.kind, kind.prefix.trim(), kind] as const))('%s (%s…) in any string option, the project\'s own included: the constructor throws and an existing folder stays byte-identical', (_kind, _prefix, kind) => {
    const outdir = tempDir('cred-nothing-written');
    fs.writeFileSync(path.join(outdir, 'package.json'), '{ "name": "hand-written" }\n');
    fs.mkdirSync(path.join(outdir, 'infra'));
    fs.writeFileSync(path.join(outdir, 'infra', 'pipeline-settings.json'), '{}\n');
    const before = snapshotDir(outdir);
    const value = sample(kind);
    const attempts: Array<[string, Record<string, unknown>]> = [
      ...STRING_OPTIONS.map(([optionPath, , set]): [string, Record<string, unknown>] => {
        const pipeline = baseProps();
        set(pipeline, value);
        return [optionPath, { pipeline }];
      }),
      ...PROJECT_OPTIONS.map((option): [string, Record<string, unknown>] => [option, { [option]: value, pipeline: baseProps() }]),
    ];
    for (const [optionPath, options] of attempts) {
      let project: CicdPipelineProject | undefined;
      let error: unknown;
      try {
        project = new CicdPipelineProject({ name: 'web-app', defaultReleaseBranch: 'main', outdir, ...options });
        project.synth();
      } catch (e) {
        error = e;
      }
      expect({ optionPath, constructed: project !== undefined }).toEqual({ optionPath, constructed: false });
      expect((error as PipelineConfigError).problems).toContainEqual(expect.stringMatching(new RegExp(`^${optionPath.replace(/[.[\]]/g, '\\$&')}: `)));
      expect(snapshotDir(outdir)).toEqual(before);
    }
    fs.rmSync(outdir, { recursive: true, force: true });
  });
});

// ---------------------------------------------------------------------------
// Generated: any credential, anywhere in any string option, in either language
// ---------------------------------------------------------------------------

describe('property: generated credentials', () => {
  const optionIndex = fc.integer({ min: 0, max: STRING_OPTIONS.length - 1 });
  const embedding = fc.constantFrom<(v: string) => string>(v => v, v => `token=${v}`, v => `${v} `, v => `"${v}";`);

  test('are refused at the option they are in, naming the kind and quoting none of the secret, in TypeScript and Python spelling', () => {
    fc.assert(fc.property(
      fc.integer({ min: 0, max: KINDS.length - 1 }).chain(k => fc.tuple(fc.constant(KINDS[k]), KINDS[k].value)),
      optionIndex, embedding, fc.constantFrom<'typescript' | 'python'>('typescript', 'python'),
      ([kind, value], o, embed, style) => {
        const option = STRING_OPTIONS[o];
        // Map keys take the credential alone (a key with spaces or quotes is another problem, reported at the key).
        const pasted = option[0].endsWith('environmentVariables') || option[0].endsWith('custom') ? value : embed(value);
        const [tsPath, pyPath, set] = option;
        const props = baseProps();
        set(props, pasted);
        const error = errorOf(props, style);
        const at = style === 'python' ? pyPath : tsPath;
        expect(error.problems.filter(problem => problem.startsWith(`${at}: `))).toEqual([expect.stringMatching(new RegExp(`looks like an? ${kind.kind} `))]);
        expectNoPartOf(error.message, secretPart(kind, value));
      },
    ), { numRuns: 300, seed: 2121 });
  });
});
