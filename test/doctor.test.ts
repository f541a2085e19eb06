import * as fs from 'fs';
import * as path from 'path';
import { SELF_UPDATE_S3, tempDir } from './helpers';
import { CicdPipelineProject } from '../src/cicd-pipeline-project';
import {
  CommandResult, DoctorConfiguration, DoctorEnvironment, checkAwsCredentials, checkConnection, checkLogin, checkNode, checkPulumiCli,
  checkSecretsProvider, checkStack, report, runChecks,
} from '../src/doctor/checks';
import { DOCTOR_SCRIPT, SECRETS_PROVIDER_VARIABLE, localEnvironment, repositoryConfiguration } from '../src/doctor/run';

/**
 * `npx projen doctor`: each check against a fake machine (commands, files,
 * environment), present, missing, at the wrong version or with the wrong
 * secrets provider; then the report and the task a repository gets.
 */

const PINNED = '3.270.0';
const ARN = 'arn:aws:codeconnections:eu-west-1:111122223333:connection/0b3e5a8e-1111-4222-8333-944455556666';
const ok = (stdout: string): CommandResult => ({ status: 0, stdout, stderr: '' });
const fails = (stderr: string): CommandResult => ({ status: 255, stdout: '', stderr });

interface Fake {
  /** `command arg arg` → result; anything else is not installed. */
  readonly commands?: Record<string, CommandResult>;
  readonly files?: Record<string, string>;
  readonly env?: Record<string, string>;
  readonly node?: string;
}

/** A machine that has exactly what `fake` says, and records the commands doctor ran. */
function machine(fake: Fake): DoctorEnvironment & { ran: string[] } {
  const ran: string[] = [];
  return {
    ran,
    run(command, args, cwd) {
      const line = [command, ...args].join(' ');
      ran.push(`${cwd ?? '.'}$ ${line}`);
      return fake.commands?.[line] ?? (fake.commands && Object.keys(fake.commands).some(k => k.startsWith(`${command} `))
        ? fails(`unknown command: ${line}`) : { missing: true, status: -1, stdout: '', stderr: '' });
    },
    readFile: file => fake.files?.[file],
    exists: file => fake.files?.[file] !== undefined,
    env: fake.env ?? {},
    nodeVersion: fake.node ?? '24.21.0',
    homeDir: '/home/dev',
  };
}

const PLAIN: DoctorConfiguration = { infraDir: 'infra', environments: ['dev', 'prod'], pinnedSdk: PINNED };
const SELF_UPDATING: DoctorConfiguration = { ...PLAIN, backendUrl: SELF_UPDATE_S3.backendUrl, secretsProvider: SELF_UPDATE_S3.secretsProvider };
const WHOAMI = 'pulumi whoami --output json';

describe('each check', () => {
  test('Node.js: a supported line passes; 20 is missing, with the line to install', () => {
    expect(checkNode(machine({ node: '24.21.0' })).status).toBe('ok');
    expect(checkNode(machine({ node: '20.19.2' }))).toMatchObject({ status: 'missing', detail: expect.stringContaining('20.19.2'), next: expect.stringContaining('Node.js 22 or later') });
  });

  test('Pulumi CLI: missing, older than the pinned SDK, the same, newer', () => {
    expect(checkPulumiCli(machine({}), PLAIN)).toMatchObject({ status: 'missing', detail: 'not found on the PATH', next: expect.stringContaining(`version ${PINNED}`) });
    expect(checkPulumiCli(machine({ commands: { 'pulumi version': ok('v3.200.1\n') } }), PLAIN))
      .toMatchObject({ status: 'missing', detail: `3.200.1 is older than the pinned SDK @pulumi/pulumi ${PINNED}` });
    expect(checkPulumiCli(machine({ commands: { 'pulumi version': ok(`v${PINNED}\n`) } }), PLAIN)).toMatchObject({ status: 'ok', version: PINNED });
    expect(checkPulumiCli(machine({ commands: { 'pulumi version': ok('v3.300.0\n') } }), PLAIN))
      .toMatchObject({ status: 'ok', detail: expect.stringContaining('the pipeline runs the CLI of that version') });
  });

  test('AWS credentials: found from the environment or ~/.aws, without calling AWS; otherwise missing', () => {
    expect(checkAwsCredentials(machine({ env: { AWS_PROFILE: 'dev' } }))).toMatchObject({ status: 'ok', detail: 'from AWS_PROFILE' });
    expect(checkAwsCredentials(machine({ files: { '/home/dev/.aws/config': '[default]' } }))).toMatchObject({ status: 'ok' });
    expect(checkAwsCredentials(machine({}))).toMatchObject({ status: 'missing', next: expect.stringContaining('aws configure sso') });
  });

  test('login: skipped without the CLI; not logged in; logged in elsewhere than selfUpdate\'s backend; logged in there', () => {
    expect(checkLogin(machine({}), PLAIN, false).status).toBe('skipped');
    const ci = machine({ commands: { [WHOAMI]: fails('error: PULUMI_ACCESS_TOKEN must be set for login during non-interactive CLI sessions') } });
    expect(checkLogin(ci, SELF_UPDATING, true)).toMatchObject({
      status: 'missing', detail: expect.stringContaining('PULUMI_ACCESS_TOKEN must be set'), next: expect.stringContaining(`pulumi login ${SELF_UPDATE_S3.backendUrl}`),
    });
    expect(ci.ran).toEqual([`infra$ ${WHOAMI}`]); // in the Pulumi project, whose Pulumi.yaml names the backend
    const cloud = machine({ commands: { [WHOAMI]: ok(JSON.stringify({ user: 'ada', url: 'https://api.pulumi.com' })) } });
    expect(checkLogin(cloud, SELF_UPDATING, true)).toMatchObject({ status: 'missing', detail: expect.stringContaining('but selfUpdate\'s backend is s3://') });
    const s3 = machine({ commands: { [WHOAMI]: ok(JSON.stringify({ user: 'ada', url: 's3://acme-pulumi-state/pipelines' })) } });
    expect(checkLogin(s3, SELF_UPDATING, true)).toMatchObject({ status: 'ok', detail: 'ada on s3://acme-pulumi-state/pipelines' });
  });

  test('login: an older CLI without `--output json` is asked with `--json`', () => {
    const old = machine({ commands: { [WHOAMI]: fails('Error: unknown flag: --output'), 'pulumi whoami --json': ok('{"user":"ada","url":"https://api.pulumi.com"}') } });
    expect(checkLogin(old, PLAIN, true)).toMatchObject({ status: 'ok', detail: 'ada on https://api.pulumi.com' });
  });

  test('stack: none selected; a listed environment; an unlisted (ephemeral) one', () => {
    expect(checkStack(machine({}), PLAIN, false).status).toBe('skipped');
    expect(checkStack(machine({ commands: { 'pulumi stack --show-name': fails('error: no stack selected; please use `pulumi stack select`') } }), PLAIN, true))
      .toMatchObject({ status: 'missing', next: expect.stringContaining('pulumi stack select dev --cwd infra') });
    expect(checkStack(machine({ commands: { 'pulumi stack --show-name': ok('acme/web-app/prod\n') } }), PLAIN, true)).toMatchObject({ status: 'ok', stack: 'prod' });
    expect(checkStack(machine({ commands: { 'pulumi stack --show-name': ok('pr12\n') } }), PLAIN, true))
      .toMatchObject({ status: 'ok', stack: 'pr12', detail: expect.stringContaining('ephemeral') });
  });

  test('secrets provider: the stack file records selfUpdate\'s provider; a wrong one, none, or no stack file is missing', () => {
    const stackFile = (line: string) => machine({ files: { 'infra/Pulumi.dev.yaml': `${line}\nconfig:\n  web-app:environmentSuffix: dev\n` } });
    expect(checkSecretsProvider(stackFile(`secretsprovider: ${SELF_UPDATE_S3.secretsProvider}`), SELF_UPDATING, 'dev')).toMatchObject({ status: 'ok' });
    expect(checkSecretsProvider(stackFile('secretsprovider: awskms://alias/other?region=eu-west-1'), SELF_UPDATING, 'dev')).toMatchObject({
      status: 'missing',
      detail: `infra/Pulumi.dev.yaml records awskms://alias/other?region=eu-west-1, not selfUpdate's ${SELF_UPDATE_S3.secretsProvider}`,
      next: expect.stringContaining(`pulumi stack change-secrets-provider "${SELF_UPDATE_S3.secretsProvider}"`),
    });
    expect(checkSecretsProvider(stackFile('encryptionsalt: v1:abc'), SELF_UPDATING, 'dev')).toMatchObject({ status: 'missing', detail: expect.stringContaining('records none') });
    expect(checkSecretsProvider(machine({}), SELF_UPDATING, 'dev')).toMatchObject({ status: 'missing', detail: expect.stringContaining('does not exist') });
    expect(checkSecretsProvider(stackFile('encryptionsalt: v1:abc'), PLAIN, 'dev').status).toBe('ok');
    expect(checkSecretsProvider(machine({}), SELF_UPDATING, undefined).status).toBe('skipped');
  });

  test('connection: asked of AWS only with credentials; PENDING is missing with the console step; AVAILABLE passes', () => {
    const none = machine({ commands: { 'pulumi stack output connectionArn': ok(ARN) } });
    expect(checkConnection(none, PLAIN, false, 'dev').status).toBe('skipped');
    expect(none.ran).toEqual([]);
    const get = `aws codeconnections get-connection --connection-arn ${ARN} --region eu-west-1 --output json`;
    const pending = machine({ commands: { 'pulumi stack output connectionArn': ok(`${ARN}\n`), [get]: ok(JSON.stringify({ Connection: { ConnectionStatus: 'PENDING' } })) } });
    expect(checkConnection(pending, PLAIN, true, 'dev')).toMatchObject({ status: 'missing', detail: `${ARN} is PENDING`, next: expect.stringContaining('Update pending connection') });
    const available = machine({ commands: { [get]: ok(JSON.stringify({ Connection: { ConnectionStatus: 'AVAILABLE' } })) } });
    expect(checkConnection(available, { ...PLAIN, connectionArn: ARN }, true, undefined)).toMatchObject({ status: 'ok' });
    expect(checkConnection(machine({ commands: { 'pulumi stack output connectionArn': ok(ARN) } }), PLAIN, true, 'dev'))
      .toMatchObject({ status: 'skipped', detail: expect.stringContaining('AWS CLI is not installed') });
    expect(checkConnection(machine({}), PLAIN, true, undefined)).toMatchObject({ status: 'skipped', detail: 'not created yet' });
  });
});

describe('the report', () => {
  test('in CI with nothing installed: one clear line per check, the first missing thing as the next step, exit 1', () => {
    const { text, exitCode } = report(runChecks(machine({ env: { CI: 'true' } }), SELF_UPDATING));
    expect(exitCode).toBe(1);
    expect(text.split('\n')).toEqual([
      'cicd-pipeline-type doctor (read-only)',
      '  ok       Node.js: 24.21.0',
      '  MISSING  Pulumi CLI: not found on the PATH',
      '  MISSING  AWS credentials: none found (no AWS_PROFILE, AWS_ACCESS_KEY_ID or ~/.aws files)',
      '  skipped  Pulumi login: needs the Pulumi CLI',
      '  skipped  Selected stack: needs a Pulumi login',
      '  skipped  Secrets provider: needs a selected stack',
      '  skipped  GitHub connection: needs AWS credentials',
      '',
      `Next: Pulumi CLI: install it (version ${PINNED}, https://www.pulumi.com/docs/iac/download-install/).`,
    ]);
  });

  test('everything in place: exit 0, and the next step is the deploy', () => {
    const ready = machine({
      env: { AWS_PROFILE: 'dev' },
      commands: {
        'pulumi version': ok(`v${PINNED}`),
        [WHOAMI]: ok('{"user":"ada","url":"s3://acme-pulumi-state/pipelines"}'),
        'pulumi stack --show-name': ok('dev'),
        'pulumi stack output connectionArn': fails('error: current stack does not have output property connectionArn'),
      },
      files: { 'infra/Pulumi.dev.yaml': `secretsprovider: ${SELF_UPDATE_S3.secretsProvider}\n` },
    });
    const { text, exitCode } = report(runChecks(ready, SELF_UPDATING));
    expect(exitCode).toBe(0);
    expect(text).not.toContain('MISSING');
    expect(text).toMatch(/Next: GitHub connection: `npx projen deploy` creates it \(PIPELINE.md\)\.$/);
  });
});

describe('the doctor task of a repository', () => {
  test('runs the shipped script with the Pulumi folder, and the secrets provider of selfUpdate in its environment', () => {
    const outdir = tempDir('doctor');
    process.env.PROJEN_DISABLE_POST = 'true';
    new CicdPipelineProject({ name: 'web-app', defaultReleaseBranch: 'main', githubRepository: 'acme/web-app', outdir, pipeline: { selfUpdate: SELF_UPDATE_S3 } }).synth();
    const task = JSON.parse(fs.readFileSync(path.join(outdir, '.projen', 'tasks.json'), 'utf-8')).tasks.doctor;
    expect(task.steps).toEqual([{ exec: `node ${DOCTOR_SCRIPT} infra` }]);
    expect(task.env).toEqual({ [SECRETS_PROVIDER_VARIABLE]: SELF_UPDATE_S3.secretsProvider });
    // The script ships compiled beside the library's index (lib/ in the package, src/ here).
    expect(fs.existsSync(path.join(__dirname, '..', 'src', 'doctor', `${path.basename(DOCTOR_SCRIPT, '.js')}.ts`))).toBe(true);

    // What doctor reads from that repository: the rendered settings, the pinned SDK, the task's variable.
    const env = { ...localEnvironment(outdir), env: { [SECRETS_PROVIDER_VARIABLE]: SELF_UPDATE_S3.secretsProvider } };
    const pkg = JSON.parse(fs.readFileSync(path.join(outdir, 'package.json'), 'utf-8'));
    expect(repositoryConfiguration(env, 'infra')).toEqual({
      infraDir: 'infra',
      environments: ['dev'],
      backendUrl: SELF_UPDATE_S3.backendUrl,
      secretsProvider: SELF_UPDATE_S3.secretsProvider,
      pinnedSdk: pkg.devDependencies['@pulumi/pulumi'],
    });
    fs.rmSync(outdir, { recursive: true, force: true });
  });
});
