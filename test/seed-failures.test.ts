import * as fs from 'fs';
import * as path from 'path';
import { Testing } from 'projen';
import * as YAML from 'yaml';
import { REPO_ROOT, settingsFor, tempDir } from './helpers';
import { TYPES, asList, one, statementsOf } from '../program/infra/guardrails';
import { RegisteredResource, isTaggable, runUnderMocks } from '../program/infra/guardrails/mock-run';
import { PipelineSettings, assertConfigured, resolveEnvironment, resourceNames } from '../program/infra/settings';
import { CicdPipelineProject } from '../src';
import { PROGRAM_FILES, PROGRAM_SOURCE_DIR } from '../src/pulumi-program';

/**
 * The ten failures of the first attempt at this pipeline (DESIGN §4), one test
 * each, on what the mocked engine registered.
 */
describe('the seed failures cannot recur', () => {
  let resources: RegisteredResource[];
  beforeAll(async () => {
    resources = await runUnderMocks(settingsFor({ repository: 'acme/web-app' }), 'dev');
  });

  test('1. artifact store region: the single store has no region', () => {
    const [store] = one(resources, TYPES.pipeline).inputs.artifactStores;
    expect(Object.keys(store).sort()).toEqual(['encryptionKey', 'location', 'type']);
    expect(one(resources, TYPES.pipeline).inputs).not.toHaveProperty('region');
  });

  test('2. inline S3 versioning: versioning is its own resource, the bucket has none inline', () => {
    expect(one(resources, TYPES.bucket).inputs).not.toHaveProperty('versioning');
    expect(one(resources, TYPES.versioning).inputs.versioningConfiguration.status).toBe('Enabled');
  });

  test('3. hard-coded owner/repo/token: source values follow the settings, and no token exists', async () => {
    const other = await runUnderMocks(settingsFor({ repository: 'someone/else', branch: 'trunk' }), 'dev');
    const config = one(other, TYPES.pipeline).inputs.stages[0].actions[0].configuration;
    expect(config).toMatchObject({ FullRepositoryId: 'someone/else', BranchName: 'trunk' });
    expect(one(other, TYPES.pipeline).inputs.triggers[0].gitConfiguration.pushes[0].branches.includes).toEqual(['trunk']);
    // Every file that builds resources (the guardrails name OAuthToken to forbid it).
    const parts = PROGRAM_FILES.filter(file => !file.startsWith('guardrails/') && !file.endsWith('.test.ts'));
    expect(parts).toContain('parts/source.ts');
    for (const file of parts) {
      const program = fs.readFileSync(path.join(PROGRAM_SOURCE_DIR, file), 'utf-8');
      expect({ file, hardCoded: program.match(/acme|OAuthToken|github_token|ghp_/i)?.[0] }).toEqual({ file, hardCoded: undefined });
    }
  });

  test('4. CodeCommit event pattern: the only rule matches CodePipeline executions', () => {
    const rules = resources.filter(r => r.type === TYPES.rule);
    expect(rules).toHaveLength(1);
    expect(JSON.parse(rules[0].inputs.eventPattern).source).toEqual(['aws.codepipeline']);
  });

  test('5. GitHub v1 action: the source action is AWS / CodeStarSourceConnection', () => {
    const action = one(resources, TYPES.pipeline).inputs.stages[0].actions[0];
    expect([action.owner, action.provider]).toEqual(['AWS', 'CodeStarSourceConnection']);
    expect(action.configuration).not.toHaveProperty('OAuthToken');
  });

  test('6. incomplete S3 permissions: the pipeline may read, write and check versioning on its bucket', () => {
    const actions = statementsOf(one(resources, TYPES.policy, 'pipeline-policy')).flatMap(s => asList(s.Action));
    expect(actions).toEqual(expect.arrayContaining(['s3:GetObject', 's3:GetObjectVersion', 's3:PutObject', 's3:GetBucketVersioning']));
  });

  test('7. undocumented or missing dependencies: the pipeline waits for its role policy and bucket set-up, as the program documents', () => {
    const pipeline = one(resources, TYPES.pipeline);
    expect(pipeline.dependencies).toContain(one(resources, TYPES.attachment, 'pipeline-policy-attachment').urn);
    expect(pipeline.dependencies).toContain(one(resources, TYPES.versioning).urn);
    const program = fs.readFileSync(path.join(REPO_ROOT, 'program/infra/pipeline.ts'), 'utf-8');
    expect(program).toMatch(/Creation order where Pulumi cannot infer it/);
  });

  test('8. unvalidated environment: no suffix, or a bad one, stops the program and says both ways to set it', () => {
    const settings = settingsFor({ repository: 'acme/web-app' });
    expect(() => resolveEnvironment(settings, undefined, undefined))
      .toThrow(/not set: set it with "pulumi config set environmentSuffix <env>".*or the ENVIRONMENT_SUFFIX environment variable/);
    expect(() => resolveEnvironment(settings, 'Prod!', undefined)).toThrow(/"Prod!" does not match/);
    expect(() => resolveEnvironment(settings, 'waytoolongsuffix', undefined)).toThrow(/does not match/);
    expect(resolveEnvironment(settings, undefined, 'qa')).toBe('qa');
    expect(resolveEnvironment(settings, 'stage', 'qa')).toBe('stage');
    const long: PipelineSettings = { ...settings, environment: { ...settings.environment, pattern: '^.*$' } };
    expect(() => resourceNames(long, 'x'.repeat(40), '123456789012')).toThrow(/artifactBucket name .* AWS allows 63/);
  });

  test('9. missing buildspec: the project runs the buildspec that the library writes at that path', () => {
    const project = new CicdPipelineProject({
      name: 'web-app', defaultReleaseBranch: 'main', outdir: tempDir('buildspec'), githubRepository: 'acme/web-app',
    });
    const snap = Testing.synth(project);
    const buildspecPath = snap['infra/pipeline-settings.json'].build.buildspec;
    expect(YAML.parse(snap[buildspecPath]).version).toBe('0.2');
    expect(one(resources, TYPES.project).inputs.source.buildspec).toBe(buildspecPath);
  });

  test('10. hard-coded tags: every taggable resource carries the configured tags, which change with the settings', async () => {
    const tagged = await runUnderMocks(settingsFor({ repository: 'acme/web-app', tags: { team: 'blue', custom: { Tier: 'gold' } } }), 'qa');
    const taggable = tagged.filter(r => isTaggable(r.type));
    expect(taggable.length).toBeGreaterThan(10);
    const version = settingsFor({ repository: 'acme/web-app' }).fleet.versionTag;
    for (const r of taggable) {
      // The pipeline and its build projects also carry the type's version (the fleet view); nothing else does.
      const versioned = r.type === TYPES.pipeline || r.type === TYPES.project ? { [version.key]: version.value } : {};
      expect(r.inputs.tags).toEqual({ Team: 'blue', Project: 'web-app', Tier: 'gold', Environment: 'qa', ManagedBy: 'Pulumi', ...versioned });
    }
  });

  test('the placeholder repository is refused at deploy time with the fix', () => {
    expect(() => assertConfigured(settingsFor({ repository: 'OWNER/REPO' }))).toThrow(/githubRepository: "owner\/name"/);
    expect(() => assertConfigured(settingsFor({ repository: 'acme/web-app' }))).not.toThrow();
  });
});
