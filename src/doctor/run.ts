import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DoctorConfiguration, DoctorEnvironment, QUIET_PULUMI_ENV, report, runChecks } from './checks';

/** The environment variable the `doctor` task sets to the secrets provider `selfUpdate` names. */
export const SECRETS_PROVIDER_VARIABLE = 'CICD_PIPELINE_SECRETS_PROVIDER';

/** This script in a consumer repository, where the project type is a devDependency (for a `.projenrc.py` too). */
export const DOCTOR_SCRIPT = 'node_modules/cicd-pipeline-type/lib/doctor/run.js';

/** This machine, from the repository root `root`. */
export function localEnvironment(root: string): DoctorEnvironment {
  return {
    run(command, args, cwd) {
      const result = spawnSync(command, [...args], {
        cwd: path.join(root, cwd ?? '.'),
        encoding: 'utf-8',
        env: { ...process.env, ...QUIET_PULUMI_ENV },
        stdio: ['ignore', 'pipe', 'pipe'],
        timeout: 60_000,
      });
      const error = result.error as NodeJS.ErrnoException | undefined;
      if (error?.code === 'ENOENT') return { missing: true, status: -1, stdout: '', stderr: '' };
      return { status: result.status ?? -1, stdout: result.stdout ?? '', stderr: result.stderr ?? error?.message ?? '' };
    },
    readFile(file) {
      try {
        return fs.readFileSync(path.join(root, file), 'utf-8');
      } catch {
        return undefined;
      }
    },
    exists: file => fs.existsSync(file),
    env: process.env,
    nodeVersion: process.versions.node,
    homeDir: os.homedir(),
  };
}

/** What the repository configures, from the managed settings the program reads and the pinned SDK. */
export function repositoryConfiguration(env: DoctorEnvironment, infraDir: string): DoctorConfiguration {
  const settings = parse(env.readFile(path.posix.join(infraDir, 'pipeline-settings.json')));
  const installed = parse(env.readFile('node_modules/@pulumi/pulumi/package.json'));
  const manifest = parse(env.readFile('package.json'));
  const secretsProvider = env.env[SECRETS_PROVIDER_VARIABLE];
  return {
    infraDir,
    environments: settings?.environment?.listed ?? [],
    ...(settings?.selfUpdate?.backend?.url ? { backendUrl: settings.selfUpdate.backend.url } : {}),
    ...(secretsProvider ? { secretsProvider } : {}),
    ...(settings?.source?.connectionArn ? { connectionArn: settings.source.connectionArn } : {}),
    ...(installed?.version ?? manifest?.devDependencies?.['@pulumi/pulumi'] ? { pinnedSdk: installed?.version ?? manifest.devDependencies['@pulumi/pulumi'] } : {}),
  };
}

function parse(text: string | undefined): any {
  try {
    return text === undefined ? undefined : JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Runs every check from the current directory (the repository root) and prints the report; returns the exit code. */
export function main(args: readonly string[]): number {
  const env = localEnvironment(process.cwd());
  const infraDir = args[0] ?? 'infra';
  if (env.readFile(path.posix.join(infraDir, 'Pulumi.yaml')) === undefined) {
    console.error(`doctor: ${infraDir}/Pulumi.yaml not found; run it from the repository root (npx projen doctor).`);
    return 1;
  }
  const { text, exitCode } = report(runChecks(env, repositoryConfiguration(env, infraDir)));
  console.log(text);
  return exitCode;
}

if (require.main === module) {
  process.exitCode = main(process.argv.slice(2));
}
