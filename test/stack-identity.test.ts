import * as pulumi from '@pulumi/pulumi';
import { Testing } from 'projen';
import * as YAML from 'yaml';
import { ENVIRONMENT_CONFIG_KEY, PipelineSettings, assertProject, resolveEnvironment } from '../program/infra/settings';
import { CicdPipelineProject } from '../src';
import { tempDir } from './helpers';

/** The files two repositories get: their settings and their `dev` stack file. */
function repository(name: string): { settings: PipelineSettings; stackConfig: Record<string, string> } {
  const snap = Testing.synth(new CicdPipelineProject({
    name, defaultReleaseBranch: 'main', githubRepository: `acme/${name}`, outdir: tempDir(name),
  }));
  return { settings: snap['infra/pipeline-settings.json'], stackConfig: YAML.parse(snap['infra/Pulumi.dev.yaml']).config };
}

/**
 * Two repositories on one Pulumi backend: their stacks are `<project>/dev`, so
 * the project names must differ, and nothing of one may configure the other.
 */
describe('two repositories sharing a Pulumi backend', () => {
  const shop = repository('shop');
  const billing = repository('billing');

  afterEach(() => pulumi.runtime.setAllConfig({}));

  test('have different Pulumi projects, so their dev stacks are different stacks', () => {
    expect(shop.settings.pulumiProject).toBe('shop');
    expect(billing.settings.pulumiProject).toBe('billing');
  });

  test("the program refuses to run repo A's settings in a stack of repo B's project", () => {
    expect(() => assertProject(shop.settings, 'billing')).toThrow(
      /This stack belongs to the Pulumi project "billing", but infra\/pipeline-settings.json was rendered for "shop"/);
    expect(() => assertProject(shop.settings, 'shop')).not.toThrow();
  });

  test("repo A's stack config does not configure repo B: its keys are namespaced by A's project", async () => {
    await pulumi.runtime.setMocks({ newResource: a => ({ id: a.name, state: a.inputs }), call: a => a.inputs }, 'billing', 'dev', false);
    pulumi.runtime.setAllConfig(shop.stackConfig);
    const suffix = new pulumi.Config().get(ENVIRONMENT_CONFIG_KEY);
    expect(suffix).toBeUndefined();
    expect(() => resolveEnvironment(billing.settings, suffix, undefined)).toThrow(/The environment suffix is not set/);

    pulumi.runtime.setAllConfig(billing.stackConfig);
    expect(resolveEnvironment(billing.settings, new pulumi.Config().get(ENVIRONMENT_CONFIG_KEY), undefined)).toBe('dev');
  });
});
