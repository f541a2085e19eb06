import * as fs from 'fs';
import * as path from 'path';
import { PROMOTION_PROPS, SELF_UPDATE_S3, settingsFor, tempDir } from './helpers';
import { REGIONS_WITHOUT_SCAN, SCAN_STAGE, assertScanAvailable } from '../program/infra/features/supply-chain/supply-chain';
import { TYPES, describeGuardrails, one, statementsOf } from '../program/infra/guardrails';
import { MOCK_ACCOUNT, MOCK_REGION, RegisteredResource, runUnderMocks } from '../program/infra/guardrails/mock-run';
import { CicdPipelineProject } from '../src';
import { resolvePipeline } from '../src/pipeline-model';
import { PipelineProps } from '../src/pipeline-props';
import { NEW_REPOSITORY_SUPPLY_CHAIN, THRESHOLD_MAX, withNewRepositoryDefaults } from '../src/supply-chain';
import { PipelineConfigError } from '../src/validation';

/**
 * Issue 18: the supply-chain gate. What the mocked engine registered (the Scan
 * stage between Build and the deploy stages, its configuration and its
 * grants), the library's validation of `pipeline.supplyChain`, the region
 * check, and that only a new repository gets the gate without asking.
 */

const GATED: PipelineProps = { ...PROMOTION_PROPS, supplyChain: {} };
const logical = (resources: RegisteredResource[]) => resources.map(r => r.urn.split('::').slice(2).join('::')).sort();
const stagesOf = (resources: RegisteredResource[]): any[] => one(resources, TYPES.pipeline).inputs.stages;
const problemsOf = (props: unknown, style: 'typescript' | 'python' = 'typescript'): readonly string[] => {
  try {
    resolvePipeline(props as PipelineProps, { style });
  } catch (error) {
    if (error instanceof PipelineConfigError) return error.problems;
    throw error;
  }
  return [];
};

describe('under the mocks, a gated pipeline with deploy stages', () => {
  let gated: RegisteredResource[];
  let ungated: RegisteredResource[];
  beforeAll(async () => {
    gated = await runUnderMocks(settingsFor({ ...GATED, supplyChain: { criticalThreshold: 1, highThreshold: 5, lowThreshold: 40 } }), 'prod');
    ungated = await runUnderMocks(settingsFor(PROMOTION_PROPS), 'prod');
  });

  test('runs Build, then Scan, then dev and prod', () => {
    expect(stagesOf(gated).map(stage => stage.name)).toEqual(['Source', 'Build', SCAN_STAGE, 'dev', 'prod']);
    expect(stagesOf(ungated).map(stage => stage.name)).toEqual(['Source', 'Build', 'dev', 'prod']);
  });

  test('scans the commit tag of this stack\'s repository with exactly the configured thresholds (medium unset: not gated)', () => {
    const [action] = stagesOf(gated).find(stage => stage.name === SCAN_STAGE).actions;
    expect(action.configuration).toEqual({
      InspectorRunMode: 'ECRImageScan',
      ECRRepositoryName: 'web-app-prod',
      ImageTag: '#{BuildVariables.IMAGE_TAG}',
      CriticalThreshold: '1',
      HighThreshold: '5',
      LowThreshold: '40',
    });
    expect(action.outputArtifacts).toEqual(['sbom']);
    expect(action.inputArtifacts).toBeUndefined();
  });

  test('adds only the Scan gate\'s notification rule and its target: every other URN is the same with and without the gate', () => {
    const added = logical(gated).filter(urn => !logical(ungated).includes(urn));
    expect(added).toEqual([
      'cicd-pipeline-type:index:CicdPipeline$aws:cloudwatch/eventRule:EventRule::gate-scan',
      'cicd-pipeline-type:index:CicdPipeline$aws:cloudwatch/eventTarget:EventTarget::gate-scan-to-topic',
    ]);
    expect(logical(ungated).filter(urn => !logical(gated).includes(urn))).toEqual([]);
  });

  test('a failed scan is announced as "Scan gate", naming the thresholds', () => {
    const target = one(gated, TYPES.target, 'gate-scan-to-topic');
    expect(JSON.parse(target.inputs.inputTransformer.inputTemplate)).toMatch(
      /^Scan gate: execution <execution> of <pipeline> stopped at the Scan stage: .* \(at most critical 1, high 5, low 40\)/);
    expect(one(gated, TYPES.rule, 'gate-scan').inputs.name).toBe('web-app-prod-gate-scan');
  });

  test('the pipeline role may read only this repository\'s image layers and write only /aws/codepipeline/<pipeline> logs', () => {
    const statements = statementsOf(one(gated, TYPES.policy, 'pipeline-policy'));
    const repository = `arn:aws:ecr:${MOCK_REGION}:${MOCK_ACCOUNT}:repository/web-app-prod`;
    expect(statements.find(s => s.Sid === 'ReadTheScannedImage')).toMatchObject({ Resource: repository });
    expect(statements.find(s => s.Sid === 'ScanLogs')?.Resource)
      .toEqual([`arn:aws:logs:${MOCK_REGION}:${MOCK_ACCOUNT}:log-group:/aws/codepipeline/web-app-prod`, `arn:aws:logs:${MOCK_REGION}:${MOCK_ACCOUNT}:log-group:/aws/codepipeline/web-app-prod:*`]);
    expect(statementsOf(one(ungated, TYPES.policy, 'pipeline-policy')).map(s => s.Sid)).not.toContain('ScanTheImage');
  });

  test('the approval names the thresholds the image passed and the SBOM beside the commit and digest', () => {
    const approval = stagesOf(gated).find(stage => stage.name === 'prod').actions.find((a: any) => a.category === 'Approval');
    expect(approval.configuration.CustomData).toBe('Deploy acme/web-app commit #{SourceVariables.CommitId} to prod: image #{BuildVariables.IMAGE_URI}, ' +
      'digest #{BuildVariables.IMAGE_DIGEST}. Scan gate passed (critical<=1 high<=5 low<=40); SBOM: this execution\'s sbom artifact.');
  });
});

describe('a gated pipeline without deploy stages', () => {
  test('ends with the Scan stage', async () => {
    const resources = await runUnderMocks(settingsFor({ repository: 'acme/web-app', supplyChain: {} }), 'dev');
    expect(stagesOf(resources).map(stage => stage.name)).toEqual(['Source', 'Build', SCAN_STAGE]);
    expect(stagesOf(resources)[2].actions[0].configuration).toMatchObject({ CriticalThreshold: '0', HighThreshold: '0' });
  });
});

describe('with self-update, the pipeline role\'s ceiling', () => {
  test('holds the scan\'s grants exactly as the role\'s policy has them', async () => {
    const resources = await runUnderMocks(settingsFor({ repository: 'acme/web-app', supplyChain: {}, selfUpdate: SELF_UPDATE_S3 }), 'dev');
    const bySid = (statements: any[]) => Object.fromEntries(statements.filter(s => ['ScanTheImage', 'ReadTheScannedImage', 'ScanLogs'].includes(s.Sid)).map(s => [s.Sid, s]));
    const boundary = resources.find(r => r.type === TYPES.policy && r.name === 'boundary-pipeline')!;
    const policy = bySid(statementsOf(one(resources, TYPES.policy, 'pipeline-policy')));
    expect(Object.keys(policy)).toHaveLength(3);
    expect(bySid(statementsOf(boundary))).toEqual(policy);
  });
});

describe('the region', () => {
  test.each(REGIONS_WITHOUT_SCAN)('%s (no InspectorScan action) stops a gated program before anything is registered, naming the region', async region => {
    await expect(runUnderMocks(settingsFor({ repository: 'acme/web-app', supplyChain: {} }), 'dev', { region }))
      .rejects.toThrow(new RegExp(`pipeline\\.supplyChain: CodePipeline's InspectorScan action, which the scan gate runs, is not available in ${region}`));
  });

  test('an ungated program runs in a China region', async () => {
    const resources = await runUnderMocks(settingsFor({ repository: 'acme/web-app' }), 'dev', { region: 'cn-north-1' });
    expect(resources.length).toBeGreaterThan(0);
  });

  test('every other region passes', () => {
    const settings = settingsFor({ repository: 'acme/web-app', supplyChain: {} });
    for (const region of ['us-east-1', 'eu-west-1', 'ap-southeast-2', 'us-gov-west-1']) expect(() => assertScanAvailable(settings, region)).not.toThrow();
  });
});

describe('pipeline.supplyChain options', () => {
  test('{} is critical 0 and high 0, medium and low not gated; unset is no gate', () => {
    expect(resolvePipeline({ repository: 'acme/web-app', supplyChain: {} }).supplyChain).toEqual({ thresholds: { critical: 0, high: 0 }, signing: { validityMonths: 12 } });
    expect(resolvePipeline({ repository: 'acme/web-app' }).supplyChain).toBeUndefined();
    expect(settingsFor({ repository: 'acme/web-app' })).not.toHaveProperty('supplyChain');
    expect(resolvePipeline({ repository: 'acme/web-app', supplyChain: { mediumThreshold: 0, lowThreshold: THRESHOLD_MAX } }).supplyChain)
      .toEqual({ thresholds: { critical: 0, high: 0, medium: 0, low: THRESHOLD_MAX }, signing: { validityMonths: 12 } });
  });

  test('negative, fractional, huge and non-numeric thresholds and unknown options, all at once, each named', () => {
    expect(problemsOf({ repository: 'acme/web-app', supplyChain: { criticalThreshold: -1, highThreshold: 1.5, mediumThreshold: 1e6, lowThreshold: '3', sign: true } }))
      .toEqual([
        'pipeline.supplyChain.sign: is not an option (known: criticalThreshold, highThreshold, mediumThreshold, lowThreshold, signing, signatureValidityMonths)',
        'pipeline.supplyChain.mediumThreshold: must be from 0 to 1000 (got 1000000)',
        'pipeline.supplyChain.lowThreshold: must be a whole number from 0 to 1000 (got "3")',
        'pipeline.supplyChain.criticalThreshold: must be from 0 to 1000 (got -1)',
        'pipeline.supplyChain.highThreshold: must be a whole number from 0 to 1000 (got number 1.5)',
      ]);
  });

  test('in Python spelling for .projenrc.py', () => {
    expect(problemsOf({ repository: 'acme/web-app', supplyChain: { high_threshold: 2, criticalThreshold: NaN } }, 'python')).toEqual([
      'pipeline.supply_chain.high_threshold: is not an option (known: critical_threshold, high_threshold, medium_threshold, low_threshold, signing, signature_validity_months)',
      'pipeline.supply_chain.critical_threshold: must be a whole number from 0 to 1000 (got number NaN)',
    ]);
  });

  test('not an object, and a deploy stage named like the Scan stage', () => {
    expect(problemsOf({ repository: 'acme/web-app', supplyChain: true })).toEqual(['pipeline.supplyChain: must be an object (got boolean true)']);
    expect(problemsOf({ repository: 'acme/web-app', supplyChain: {}, stages: [{ name: 'scan', commands: ['true'] }] })).toEqual([
      'pipeline.stages[0].name: is the name of the supply-chain gate\'s stage (Scan, with pipeline.supplyChain): choose another',
    ]);
    expect(problemsOf({ repository: 'acme/web-app', stages: [{ name: 'scan', commands: ['true'] }] })).toEqual([]);
  });

  test('the Scan stage takes one of CodePipeline\'s 50 stages: 46 deploy stages at most with the gate', () => {
    const stages = (count: number) => Array.from({ length: count }, (_, i) => ({ name: `s${i + 1}`, commands: ['true'] }));
    expect(problemsOf({ repository: 'acme/web-app', supplyChain: {}, stages: stages(47) })).toEqual([
      'pipeline.stages: must have at most 46 stages with pipeline.supplyChain: its Scan stage takes one of CodePipeline\'s 50',
    ]);
    expect(problemsOf({ repository: 'acme/web-app', supplyChain: {}, stages: stages(46) })).toEqual([]);
    expect(problemsOf({ repository: 'acme/web-app', stages: stages(47) })).toEqual([]);
  });

  test('a project with a bad threshold writes nothing', () => {
    const outdir = tempDir('bad-supply-chain');
    process.env.PROJEN_DISABLE_POST = 'true';
    expect(() => new CicdPipelineProject({ name: 'my-app', defaultReleaseBranch: 'main', outdir, pipeline: { supplyChain: { highThreshold: -3 } } }).synth())
      .toThrow(/pipeline\.supplyChain\.highThreshold: must be from 0 to 1000 \(got -3\)/);
    expect(fs.readdirSync(outdir)).toEqual([]);
    fs.rmSync(outdir, { recursive: true, force: true });
  });
});

describe('a new repository gets the gate; an upgraded one keeps its pipeline', () => {
  const creation = (args: Record<string, unknown>): Record<string, any> => ({ ...args, __new__: { fqn: 'cicd-pipeline-type.CicdPipelineProject', args, comments: 'featured', synth: true, post: true } });

  test('projen new\'s arguments (rendered into the new projenrc) and the first synthesis get pipeline.supplyChain', () => {
    const options = withNewRepositoryDefaults(creation({ name: 'my-app', defaultReleaseBranch: 'main', pipeline: { environments: ['dev', 'prod'] } })) as any;
    expect(options.pipeline).toEqual({ environments: ['dev', 'prod'], supplyChain: NEW_REPOSITORY_SUPPLY_CHAIN });
    expect(options.__new__.args.pipeline).toEqual({ environments: ['dev', 'prod'], supplyChain: NEW_REPOSITORY_SUPPLY_CHAIN });
    expect(withNewRepositoryDefaults(creation({ name: 'my-app' })) as any).toMatchObject({ __new__: { args: { pipeline: { supplyChain: { criticalThreshold: 0, highThreshold: 0 } } } } });
  });

  test('a gate given on the command line is kept as given', () => {
    const options = withNewRepositoryDefaults(creation({ pipeline: { supplyChain: { highThreshold: 3 } } })) as any;
    expect(options.__new__.args.pipeline.supplyChain).toEqual({ highThreshold: 3 });
  });

  test('a new .projenrc.py gets the gate with snake_case keys (jsii\'s Python structs take keyword arguments)', () => {
    const options = withNewRepositoryDefaults(creation({ name: 'my-app', projenrcPython: true, pipeline: { codeBuild: { timeoutMinutes: 30 } } })) as any;
    expect(options.__new__.args.pipeline).toEqual({
      code_build: { timeout_minutes: 30 }, supply_chain: { critical_threshold: 0, high_threshold: 0 },
    });
    // The options this synth uses stay in the library's own spelling.
    expect(options.pipeline.supplyChain).toEqual(NEW_REPOSITORY_SUPPLY_CHAIN);
  });

  test('a projenrc that runs again (no __new__) is left as it is: no gate after an upgrade', () => {
    const options = { name: 'my-app', pipeline: { environments: ['dev'] } };
    expect(withNewRepositoryDefaults(options)).toBe(options);
  });

  test('the synthesized settings of a new repository hold the gate; an existing one\'s do not', () => {
    process.env.PROJEN_DISABLE_POST = 'true';
    const settingsOf = (options: Record<string, unknown>) => {
      const outdir = tempDir('supply-chain-new');
      new CicdPipelineProject({ name: 'my-app', defaultReleaseBranch: 'main', outdir, ...options } as any).synth();
      const settings = JSON.parse(fs.readFileSync(path.join(outdir, 'infra', 'pipeline-settings.json'), 'utf-8'));
      // The repository's README says what the gate does and how to loosen it.
      expect(fs.readFileSync(path.join(outdir, 'README.md'), 'utf-8')).toMatch(/## Vulnerability scan \(`supplyChain`\)\n\nA new repository starts with `supplyChain` in `.projenrc.ts`/);
      fs.rmSync(outdir, { recursive: true, force: true });
      return settings;
    };
    expect(settingsOf({ __new__: undefined }).supplyChain).toBeUndefined();
    // The `__new__` field resolves the project type from its jsii manifest: here, only the helper's effect is synthesized.
    expect(settingsOf({ pipeline: withNewRepositoryDefaults(creation({})).pipeline as any }).supplyChain)
      .toEqual({ thresholds: { critical: 0, high: 0 }, signing: { validityMonths: 12 } });
  });
});

describeGuardrails('a gated pipeline with deploy stages', () => settingsFor(GATED), { environment: 'prod' });
describeGuardrails('a gated, self-updating pipeline without deploy stages',
  () => settingsFor({ repository: 'acme/web-app', supplyChain: { mediumThreshold: 10 }, selfUpdate: SELF_UPDATE_S3 }));
