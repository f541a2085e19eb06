import * as fs from 'fs';
import * as path from 'path';
import { Testing } from 'projen';
import * as YAML from 'yaml';
import { CicdPipelineProject, CicdPipelineProjectOptions } from '../src';
import { REPO_ROOT, tempDir } from './helpers';
import { MIN_NODE_VERSION, SUPPORTED_NODE_MAJORS } from '../src/node-support';

const LIBRARY_WORKFLOWS = path.join(REPO_ROOT, '.github', 'workflows');

/** Long-lived publishing credentials that trusted publishing replaces. */
const TOKEN_VARIABLES = ['NPM_TOKEN', 'TWINE_USERNAME', 'TWINE_PASSWORD'];

interface SetupNode { readonly workflow: string; readonly job: string; readonly nodeVersion: unknown }

/** Every `actions/setup-node` step of every job of the given workflow files (name -> YAML text). */
function setupNodeSteps(workflows: Record<string, string>): SetupNode[] {
  const found: SetupNode[] = [];
  for (const [workflow, text] of Object.entries(workflows)) {
    for (const [job, spec] of Object.entries<any>(YAML.parse(text).jobs ?? {})) {
      for (const step of spec.steps ?? []) {
        if (typeof step.uses === 'string' && step.uses.startsWith('actions/setup-node@')) {
          found.push({ workflow, job, nodeVersion: step.with?.['node-version'] });
        }
      }
    }
  }
  return found;
}

/** The Node.js major an `actions/setup-node` version spec selects ("24.x", "24", "24.21.0"), or undefined. */
function majorOf(spec: unknown): number | undefined {
  const match = /^(\d+)(\.(x|\d+))*$/.exec(String(spec));
  return match ? Number(match[1]) : undefined;
}

function libraryWorkflows(): Record<string, string> {
  return Object.fromEntries(fs.readdirSync(LIBRARY_WORKFLOWS).filter(f => f.endsWith('.yml'))
    .map(f => [f, fs.readFileSync(path.join(LIBRARY_WORKFLOWS, f), 'utf-8')]));
}

function consumerWorkflows(options: Partial<CicdPipelineProjectOptions> = {}) {
  const snap = Testing.synth(new CicdPipelineProject({
    name: 'web-app', defaultReleaseBranch: 'main', outdir: tempDir('workflows'), githubRepository: 'acme/web-app', ...options,
  }));
  const workflows = Object.fromEntries(Object.entries(snap)
    .filter(([file]) => file.startsWith('.github/workflows/'))
    .map(([file, text]) => [file, String(text)]));
  return { workflows, pkg: snap['package.json'] };
}

/** Every setup-node step selects a line of the support matrix: an explicit version, never the runner's default. */
function expectOnlySupportedNode(steps: SetupNode[]) {
  expect(steps.length).toBeGreaterThan(0);
  for (const step of steps) {
    expect({ ...step, supported: SUPPORTED_NODE_MAJORS.includes(majorOf(step.nodeVersion) ?? -1) }).toEqual({ ...step, supported: true });
  }
}

describe('the release workflow publishes through trusted publishing (OIDC), without long-lived tokens', () => {
  const release = YAML.parse(fs.readFileSync(path.join(LIBRARY_WORKFLOWS, 'release.yml'), 'utf-8'));
  const releaseText = fs.readFileSync(path.join(LIBRARY_WORKFLOWS, 'release.yml'), 'utf-8');

  /** The environment a job's steps see, merged over all its steps. */
  const stepEnv = (job: any): Record<string, string> => Object.assign({}, job.env, ...job.steps.map((s: any) => s.env ?? {}));

  test.each([
    ['release_npm', 'npm', { NPM_TRUSTED_PUBLISHER: 'true', NPM_CONFIG_PROVENANCE: 'true' }],
    ['release_pypi', 'PyPI', { PYPI_TRUSTED_PUBLISHER: 'true' }],
  ])('%s (%s): id-token: write, trusted publisher on, no token secret', (jobName, _registry, expectedEnv) => {
    const job = release.jobs[jobName];
    expect(job).toBeDefined();
    // GitHub issues the OIDC token the registry exchanges for a short-lived publish token only with this permission.
    expect(job.permissions['id-token']).toBe('write');
    const env = stepEnv(job);
    expect(env).toMatchObject(expectedEnv);
    for (const name of TOKEN_VARIABLES) expect(env).not.toHaveProperty(name);
    const secrets = JSON.stringify(job).match(/secrets\.\w+/g) ?? [];
    expect(secrets).toEqual([]);
  });

  test('PyPI attestations are on (publib disables them only with PYPI_DISABLE_ATTESTATIONS)', () => {
    expect(stepEnv(release.jobs.release_pypi)).not.toHaveProperty('PYPI_DISABLE_ATTESTATIONS');
  });

  test('no workflow of the library references a publishing token', () => {
    for (const [file, text] of Object.entries(libraryWorkflows())) {
      for (const name of TOKEN_VARIABLES) expect({ file, token: text.includes(name) }).toEqual({ file, token: false });
    }
    expect(releaseText).not.toMatch(/secrets\.(NPM_TOKEN|TWINE_)/);
  });
});

describe('every generated workflow runs a Node.js line of the support matrix', () => {
  test('the library\'s own workflows', () => {
    expectOnlySupportedNode(setupNodeSteps(libraryWorkflows()));
  });

  test('a consumer\'s workflows, and its engines.node is the matrix floor', () => {
    const { workflows, pkg } = consumerWorkflows();
    expect(Object.keys(workflows)).toContain('.github/workflows/build.yml');
    expectOnlySupportedNode(setupNodeSteps(workflows));
    expect(pkg.engines).toEqual({ node: `>= ${MIN_NODE_VERSION}` });
  });

  test('a Python consumer\'s workflows', () => {
    const { workflows } = consumerWorkflows({ projenrcPython: true });
    expectOnlySupportedNode(setupNodeSteps(workflows));
  });

  test('a consumer may choose another line of the matrix, or a later floor', () => {
    const { workflows, pkg } = consumerWorkflows({ workflowNodeVersion: '26.x', minNodeVersion: '24.0.0' });
    expect(new Set(setupNodeSteps(workflows).map(s => s.nodeVersion))).toEqual(new Set(['26.x']));
    expect(pkg.engines).toEqual({ node: '>= 24.0.0' });
  });
});

describe('the consumer\'s workflows cache npm downloads (actions/setup-node, keyed on the lockfile)', () => {
  const setupNodeWith = (workflows: Record<string, string>) => Object.entries(workflows).flatMap(([workflow, text]) =>
    Object.entries<any>(YAML.parse(text).jobs ?? {}).flatMap(([job, spec]) => (spec.steps ?? [])
      .filter((step: any) => typeof step.uses === 'string' && step.uses.startsWith('actions/setup-node@'))
      .map((step: any) => ({ workflow, job, cache: step.with?.cache, packageManagerCache: step.with?.['package-manager-cache'] }))));

  test('every setup-node step of every workflow caches npm by default', () => {
    const steps = setupNodeWith(consumerWorkflows().workflows);
    expect(steps.map(s => s.workflow)).toContain('.github/workflows/build.yml');
    for (const step of steps) expect(step).toEqual({ ...step, cache: 'npm', packageManagerCache: true });
  });

  test('a repository can turn the cache off (workflowPackageCache: false)', () => {
    const steps = setupNodeWith(consumerWorkflows({ workflowPackageCache: false }).workflows);
    expect(steps.length).toBeGreaterThan(0);
    for (const step of steps) expect(step).toEqual({ ...step, cache: undefined, packageManagerCache: false });
  });
});
