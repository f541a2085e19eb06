import * as path from 'path';
import { nodeSupportWarning } from '../node-support';

/**
 * The read-only checks of `npx projen doctor`. Each takes what it needs from a
 * `DoctorEnvironment` (the real one runs commands and reads files; tests pass
 * fakes) and returns one line's worth: a status, what it found, and the next
 * step when something is missing. Only commands the user configured reach the
 * network: `pulumi` talks to the backend the user logged in to, `aws` runs
 * only when AWS credentials exist.
 */

/** What a command printed, or that it is not installed. */
export interface CommandResult {
  /** The command is not on the PATH. */
  readonly missing?: boolean;
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface DoctorEnvironment {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly nodeVersion: string;
  readonly homeDir: string;
  /** Runs a command in `cwd` (relative to the repository root) without a shell. */
  run(command: string, args: readonly string[], cwd?: string): CommandResult;
  /** A file's text (path relative to the repository root), or undefined when it does not exist. */
  readFile(file: string): string | undefined;
  /** Whether a file exists (absolute path, e.g. in the home directory). */
  exists(file: string): boolean;
}

export type CheckStatus = 'ok' | 'missing' | 'skipped';

export interface CheckResult {
  readonly name: string;
  readonly status: CheckStatus;
  readonly detail: string;
  /** What to do about it (for `missing`), or what comes next. */
  readonly next?: string;
}

/** What doctor compares the local set-up with: the repository's configuration. */
export interface DoctorConfiguration {
  /** The Pulumi project folder. */
  readonly infraDir: string;
  /** The environments listed in the options (each a stack). */
  readonly environments: readonly string[];
  /** The backend `selfUpdate` names, if any. */
  readonly backendUrl?: string;
  /** The secrets provider `selfUpdate` names, if any. */
  readonly secretsProvider?: string;
  /** The connection given in the options, if any. */
  readonly connectionArn?: string;
  /** The `@pulumi/pulumi` version the repository pins. */
  readonly pinnedSdk?: string;
}

/** Where a user without the Pulumi CLI finds it. */
export const PULUMI_INSTALL_URL = 'https://www.pulumi.com/docs/iac/download-install/';
/** The managed guide's steps, where every next step comes from. */
const GUIDE = 'PIPELINE.md';

const ok = (name: string, detail: string): CheckResult => ({ name, status: 'ok', detail });
const missing = (name: string, detail: string, next: string): CheckResult => ({ name, status: 'missing', detail, next });
const skipped = (name: string, detail: string): CheckResult => ({ name, status: 'skipped', detail });

/** Pulumi's own update check would reach the network on every command. */
export const QUIET_PULUMI_ENV = { PULUMI_SKIP_UPDATE_CHECK: 'true' };

export function checkNode(env: DoctorEnvironment): CheckResult {
  const version = env.nodeVersion.replace(/^v/, '');
  const warning = nodeSupportWarning(version);
  // The warning says why, then what to do: "Node.js <v> is end-of-life and not supported: <what to do>".
  return warning ? missing('Node.js', `${version} is end-of-life and not supported`, warning.slice(warning.indexOf(': ') + 2)) : ok('Node.js', version);
}

const SEMVER = /(\d+)\.(\d+)\.(\d+)/;
function compareVersions(a: string, b: string): number {
  const pa = SEMVER.exec(a)!.slice(1).map(Number);
  const pb = SEMVER.exec(b)!.slice(1).map(Number);
  for (let i = 0; i < 3; i++) if (pa[i] !== pb[i]) return pa[i] - pb[i];
  return 0;
}

/** The Pulumi CLI: on the PATH, and not older than the SDK the program is pinned to (the update stage runs exactly that). */
export function checkPulumiCli(env: DoctorEnvironment, config: DoctorConfiguration): CheckResult & { version?: string } {
  const name = 'Pulumi CLI';
  const install = `install it (${config.pinnedSdk ? `version ${config.pinnedSdk}, ` : ''}${PULUMI_INSTALL_URL})`;
  const result = env.run('pulumi', ['version']);
  if (result.missing) return missing(name, 'not found on the PATH', install);
  const version = SEMVER.exec(result.stdout)?.[0];
  if (result.status !== 0 || !version) return missing(name, `"pulumi version" failed: ${firstLine(result.stderr || result.stdout)}`, install);
  if (!config.pinnedSdk || !SEMVER.test(config.pinnedSdk)) return { ...ok(name, `${version} (the pinned SDK is unknown: run npm install)`), version };
  if (compareVersions(version, config.pinnedSdk) < 0) {
    return {
      ...missing(name, `${version} is older than the pinned SDK @pulumi/pulumi ${config.pinnedSdk}`,
        `install Pulumi CLI ${config.pinnedSdk} (the pipeline's own stages run that version): ${PULUMI_INSTALL_URL}`),
      version,
    };
  }
  return { ...ok(name, `${version} (pinned SDK ${config.pinnedSdk}${version === config.pinnedSdk ? '' : '; the pipeline runs the CLI of that version'})`), version };
}

/** Credentials the AWS SDKs and CLI would find, without calling AWS. */
export function checkAwsCredentials(env: DoctorEnvironment): CheckResult {
  const name = 'AWS credentials';
  const fromEnv = ['AWS_ACCESS_KEY_ID', 'AWS_PROFILE', 'AWS_WEB_IDENTITY_TOKEN_FILE', 'AWS_CONTAINER_CREDENTIALS_FULL_URI', 'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI']
    .find(key => env.env[key]);
  if (fromEnv) return ok(name, `from ${fromEnv}`);
  const files = [env.env.AWS_SHARED_CREDENTIALS_FILE ?? path.join(env.homeDir, '.aws', 'credentials'), env.env.AWS_CONFIG_FILE ?? path.join(env.homeDir, '.aws', 'config')];
  const file = files.find(f => env.exists(f));
  if (file) return ok(name, `from ${file}`);
  return missing(name, 'none found (no AWS_PROFILE, AWS_ACCESS_KEY_ID or ~/.aws files)',
    'sign in to the account the pipeline goes to (e.g. `aws configure sso`, then `export AWS_PROFILE=<profile>`)');
}

/** Runs a pulumi command in the Pulumi project, where its `Pulumi.yaml` (and any backend it names) applies. */
function pulumi(env: DoctorEnvironment, config: DoctorConfiguration, args: string[]): CommandResult {
  return env.run('pulumi', args, config.infraDir);
}

/** `pulumi whoami`: logged in, and to the backend `selfUpdate` names. */
export function checkLogin(env: DoctorEnvironment, config: DoctorConfiguration, cliPresent: boolean): CheckResult & { loggedIn?: boolean } {
  const name = 'Pulumi login';
  const login = `\`pulumi login${config.backendUrl ? ` ${config.backendUrl}` : ''}\` (${GUIDE}, "From synth to a running pipeline")`;
  if (!cliPresent) return skipped(name, 'needs the Pulumi CLI');
  let result = pulumi(env, config, ['whoami', '--output', 'json']);
  if (result.status !== 0 && /unknown flag/.test(result.stderr)) result = pulumi(env, config, ['whoami', '--json']);
  if (result.status !== 0) return missing(name, `not logged in: ${firstLine(result.stderr || result.stdout)}`, login);
  let who: { user?: string; url?: string };
  try {
    who = JSON.parse(result.stdout);
  } catch {
    who = { user: result.stdout.trim() };
  }
  const where = who.url ? ` on ${who.url}` : '';
  if (config.backendUrl && who.url && !sameBackend(who.url, config.backendUrl)) {
    return { ...missing(name, `logged in${where}, but selfUpdate's backend is ${config.backendUrl}`, login), loggedIn: true };
  }
  return { ...ok(name, `${who.user ?? 'logged in'}${where}`), loggedIn: true };
}

/** Backends compare without a trailing slash and without query parameters (`?region=` is how to reach it, not which it is). */
function sameBackend(a: string, b: string): boolean {
  const norm = (url: string) => url.split('?')[0].replace(/\/+$/, '');
  return norm(a) === norm(b);
}

/** The selected stack: one exists, and it is one of the listed environments. */
export function checkStack(env: DoctorEnvironment, config: DoctorConfiguration, loggedIn: boolean): CheckResult & { stack?: string } {
  const name = 'Selected stack';
  if (!loggedIn) return skipped(name, 'needs a Pulumi login');
  const init = `create and select one stack per environment (${config.environments.join(', ')}) as ${GUIDE} says, e.g. \`pulumi stack select ${config.environments[0] ?? 'dev'} --cwd ${config.infraDir}\``;
  const result = pulumi(env, config, ['stack', '--show-name']);
  const stack = result.stdout.trim();
  if (result.status !== 0 || !stack) return missing(name, `none: ${firstLine(result.stderr) || 'no stack is selected'}`, init);
  const short = stack.split('/').pop()!;
  if (!config.environments.includes(short)) {
    return { ...ok(name, `${stack} (not a listed environment: an ephemeral one, whose stateful resources destroy deletes)`), stack: short };
  }
  return { ...ok(name, stack), stack: short };
}

/** The selected stack's secrets provider, as its stack file records it, against `selfUpdate.secretsProvider`. */
export function checkSecretsProvider(env: DoctorEnvironment, config: DoctorConfiguration, stack: string | undefined): CheckResult {
  const name = 'Secrets provider';
  if (!stack) return skipped(name, 'needs a selected stack');
  const file = path.posix.join(config.infraDir, `Pulumi.${stack}.yaml`);
  const text = env.readFile(file);
  const recorded = text === undefined ? undefined : /^secretsprovider:\s*(.+?)\s*$/m.exec(text)?.[1].replace(/^(["'])(.*)\1$/, '$2');
  if (!config.secretsProvider) {
    return ok(name, recorded ? `${recorded} (from ${file}; the configuration names none)` : 'the backend\'s default (the configuration names none)');
  }
  const recreate = `the update stage decrypts with ${config.secretsProvider}: \`pulumi stack change-secrets-provider "${config.secretsProvider}" --cwd ${config.infraDir}\`, then commit ${file}`;
  if (text === undefined) return missing(name, `${file} does not exist, so the stack's provider is not recorded in the repository`, recreate);
  if (recorded !== config.secretsProvider) {
    return missing(name, `${file} records ${recorded ?? 'none (the backend\'s default)'}, not selfUpdate's ${config.secretsProvider}`, recreate);
  }
  return ok(name, `${recorded}, as selfUpdate says`);
}

/** The GitHub connection's status, asked of AWS only when the user has credentials. */
export function checkConnection(env: DoctorEnvironment, config: DoctorConfiguration, credentials: boolean, stack: string | undefined): CheckResult {
  const name = 'GitHub connection';
  if (!credentials) return skipped(name, 'needs AWS credentials');
  let arn = config.connectionArn;
  if (!arn && stack) {
    const output = pulumi(env, config, ['stack', 'output', 'connectionArn']);
    if (output.status === 0 && output.stdout.trim().startsWith('arn:')) arn = output.stdout.trim();
  }
  if (!arn) return { ...skipped(name, 'not created yet'), next: `\`npx projen deploy\` creates it (${GUIDE})` };
  // GetConnection (AWS CodeConnections API Reference): Connection.ConnectionStatus is PENDING, AVAILABLE or ERROR.
  const service = arn.split(':')[2] === 'codestar-connections' ? 'codestar-connections' : 'codeconnections';
  const result = env.run('aws', [service, 'get-connection', '--connection-arn', arn, '--region', arn.split(':')[3], '--output', 'json']);
  if (result.missing) return skipped(name, `${arn}: the AWS CLI is not installed, so its status is unknown here (the connectionStatus stack output has it as of the last deploy)`);
  if (result.status !== 0) return missing(name, `${arn}: ${firstLine(result.stderr)}`, 'check that your credentials are for the account the pipeline is in');
  const status = (JSON.parse(result.stdout) as { Connection?: { ConnectionStatus?: string } }).Connection?.ConnectionStatus ?? 'unknown';
  if (status === 'AVAILABLE') return ok(name, `${arn} is AVAILABLE`);
  return missing(name, `${arn} is ${status}`,
    'authorize it: AWS console → Developer Tools → Settings → Connections → Update pending connection, then `npx projen deploy` again');
}

/** Every check in order; a check that depends on an earlier one is skipped when that one is missing. */
export function runChecks(env: DoctorEnvironment, config: DoctorConfiguration): CheckResult[] {
  const node = checkNode(env);
  const cli = checkPulumiCli(env, config);
  const credentials = checkAwsCredentials(env);
  const login = checkLogin(env, config, cli.version !== undefined);
  const stack = checkStack(env, config, login.loggedIn === true);
  const secrets = checkSecretsProvider(env, config, stack.stack);
  const connection = checkConnection(env, config, credentials.status === 'ok', stack.stack);
  return [node, cli, credentials, login, stack, secrets, connection]
    .map(({ name, status, detail, next }) => ({ name, status, detail, ...(next ? { next } : {}) }));
}

/** The report: one line per check, then the next step; exit code 1 when anything is missing. */
export function report(results: readonly CheckResult[]): { text: string; exitCode: number } {
  const mark: Record<CheckStatus, string> = { ok: 'ok     ', missing: 'MISSING', skipped: 'skipped' };
  const lines = results.map(result => `  ${mark[result.status]}  ${result.name}: ${result.detail}`);
  const first = results.find(result => result.status === 'missing');
  const next = first
    ? `Next: ${nextOf(first)}.`
    : `Next: ${nextOf(results.find(result => result.next)) ?? `\`npx projen deploy\` (${GUIDE} has the steps after it)`}.`;
  return { text: ['cicd-pipeline-type doctor (read-only)', ...lines, '', next].join('\n'), exitCode: first ? 1 : 0 };
}

function nextOf(result: CheckResult | undefined): string | undefined {
  return result && `${result.name}: ${result.next?.replace(/\.$/, '')}`;
}

function firstLine(text: string): string {
  return text.trim().split('\n')[0] ?? '';
}
