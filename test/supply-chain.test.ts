import * as fs from 'fs';
import * as path from 'path';
import { PROMOTION_PROPS, SELF_UPDATE_S3, brokenCopy, editPolicy, problemsOf, settingsFor, tempDir } from './helpers';
import { classifyPreview } from '../program/infra/features/self-update/self-update-classifier';
import { SIGNING_PARTITIONS, assertSigningAvailable } from '../program/infra/features/supply-chain/signing';
import { REGIONS_WITHOUT_SCAN, SCAN_STAGE, assertScanAvailable } from '../program/infra/features/supply-chain/supply-chain';
import { GUARDRAILS, GuardrailRun, TYPES, describeGuardrails, one, statementsOf } from '../program/infra/guardrails';
import { MOCK_ACCOUNT, MOCK_REGION, MOCK_SIGNING_PROFILE_SUFFIX, RegisteredResource, runUnderMocks } from '../program/infra/guardrails/mock-run';
import { ECR_PUSH_ACTIONS } from '../program/infra/parts/build';
import { CicdPipelineProject } from '../src';
import { resolvePipeline } from '../src/pipeline-model';
import { PipelineProps } from '../src/pipeline-props';
import { NEW_REPOSITORY_SUPPLY_CHAIN, THRESHOLD_MAX, withNewRepositoryDefaults } from '../src/supply-chain';

/**
 * Issue 18: the supply-chain gate. What the mocked engine registered (the Scan
 * stage between Build and the deploy stages, its configuration and its
 * grants), the library's validation of `pipeline.supplyChain`, the region
 * check, and that only a new repository gets the gate without asking.
 */

const GATED: PipelineProps = { ...PROMOTION_PROPS, supplyChain: {} };
const logical = (resources: RegisteredResource[]) => resources.map(r => r.urn.split('::').slice(2).join('::')).sort();
const stagesOf = (resources: RegisteredResource[]): any[] => one(resources, TYPES.pipeline).inputs.stages;
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

  test('adds only the Scan and Signature notification rules and targets and the signing profile: every other URN is the same with and without the gate', () => {
    const added = logical(gated).filter(urn => !logical(ungated).includes(urn));
    expect(added).toEqual([
      'cicd-pipeline-type:index:CicdPipeline$aws:cloudwatch/eventRule:EventRule::gate-scan',
      'cicd-pipeline-type:index:CicdPipeline$aws:cloudwatch/eventRule:EventRule::gate-signature',
      'cicd-pipeline-type:index:CicdPipeline$aws:cloudwatch/eventTarget:EventTarget::gate-scan-to-topic',
      'cicd-pipeline-type:index:CicdPipeline$aws:cloudwatch/eventTarget:EventTarget::gate-signature-to-topic',
      'cicd-pipeline-type:index:CicdPipeline$aws:signer/signingProfile:SigningProfile::signing-profile',
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
      'digest #{BuildVariables.IMAGE_DIGEST}. Scan gate passed (critical<=1 high<=5 low<=40); SBOM: this execution\'s sbom artifact. ' +
      'Signature: signed by this stack\'s profile, verified before deploy.');
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

/**
 * Image signing (on by default with the gate): the signing profile, what the build and each deploy stage
 * receive (variables and grants), the "Signature" notification, the approval's evidence, the self-update's
 * ceilings and denies, and the partition check. What AWS evaluates of these grants is in iam-evaluation.test.ts.
 */
describe('image signing, under the mocks', () => {
  const PROFILE_TYPE = 'aws:signer/signingProfile:SigningProfile';
  const PROFILE_ARN = `arn:aws:signer:${MOCK_REGION}:${MOCK_ACCOUNT}:/signing-profiles/web_app_prod_${MOCK_SIGNING_PROFILE_SUFFIX}`;
  const REPOSITORY_ARN = `arn:aws:ecr:${MOCK_REGION}:${MOCK_ACCOUNT}:repository/web-app-prod`;
  const REPOSITORY_URI = `${MOCK_ACCOUNT}.dkr.ecr.${MOCK_REGION}.amazonaws.com/web-app-prod`;
  const JOBS = `arn:aws:signer:${MOCK_REGION}:${MOCK_ACCOUNT}:/signing-jobs/*`;
  const signerGrants = (resources: RegisteredResource[]) => resources.filter(r => r.type === TYPES.policy)
    .flatMap(policy => statementsOf(policy).filter(s => [s.Action].flat().some((a: string) => a.startsWith('signer:'))).map(s => `${policy.name}/${s.Sid}`));
  let signed: RegisteredResource[];
  let unsigned: RegisteredResource[];
  beforeAll(async () => {
    signed = await runUnderMocks(settingsFor({ ...PROMOTION_PROPS, supplyChain: { signatureValidityMonths: 24 } }), 'prod');
    unsigned = await runUnderMocks(settingsFor({ ...PROMOTION_PROPS, supplyChain: { signing: false } }), 'prod');
  });

  test('one signing profile on Notation\'s platform, valid the configured months, named by the stack\'s prefix and tagged like the stack', () => {
    const profile = one(signed, PROFILE_TYPE);
    expect(profile.name).toBe('signing-profile');
    expect(profile.inputs).toEqual({
      namePrefix: 'web_app_prod_',
      platformId: 'Notation-OCI-SHA384-ECDSA',
      signatureValidityPeriod: { type: 'MONTHS', value: 24 },
      tags: one(signed, TYPES.repository).inputs.tags,
    });
    expect(profile.inputs.tags).toMatchObject({ Environment: 'prod', ManagedBy: 'Pulumi' });
  });

  test('the build gets the profile\'s ARN and may sign with that profile only; the signature\'s push is the image push it already has', () => {
    const build = one(signed, TYPES.project, 'build').inputs.environment.environmentVariables;
    expect(build).toContainEqual({ name: 'SIGNING_PROFILE_ARN', value: PROFILE_ARN, type: 'PLAINTEXT' });
    const statements = statementsOf(one(signed, TYPES.policy, 'build-policy'));
    expect(statements.filter(s => [s.Action].flat().some((a: string) => a.startsWith('signer:'))))
      .toEqual([{ Sid: 'SignWithTheProfile', Effect: 'Allow', Action: 'signer:SignPayload', Resource: PROFILE_ARN }]);
    // An OCI referrer is pushed like an image: layer upload and PutImage on the repository ("Sign images in Amazon ECR").
    expect(statements.find(s => s.Sid === 'PushImages')).toMatchObject({ Action: ECR_PUSH_ACTIONS, Resource: REPOSITORY_ARN });
    expect(ECR_PUSH_ACTIONS).toEqual(expect.arrayContaining(['ecr:InitiateLayerUpload', 'ecr:UploadLayerPart', 'ecr:CompleteLayerUpload', 'ecr:PutImage']));
  });

  test.each(['dev', 'prod'])('the %s deploy project gets the profile and the repository, and its role may only read this image and its revocation', stage => {
    expect(one(signed, TYPES.project, `deploy-${stage}`).inputs.environment.environmentVariables).toEqual([
      { name: 'SIGNING_PROFILE_ARN', value: PROFILE_ARN, type: 'PLAINTEXT' },
      { name: 'REPOSITORY_URI', value: REPOSITORY_URI, type: 'PLAINTEXT' },
    ]);
    const statements = statementsOf(one(signed, TYPES.policy, `deploy-${stage}-policy`));
    const verification = statements.filter(s => ['LogInToEcrToVerify', 'ReadTheImageAndSignature', 'CheckRevocation'].includes(s.Sid));
    expect(verification).toEqual([
      { Sid: 'LogInToEcrToVerify', Effect: 'Allow', Action: 'ecr:GetAuthorizationToken', Resource: '*' },
      { Sid: 'ReadTheImageAndSignature', Effect: 'Allow', Action: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'], Resource: REPOSITORY_ARN },
      { Sid: 'CheckRevocation', Effect: 'Allow', Action: 'signer:GetRevocationStatus', Resource: [PROFILE_ARN, `${PROFILE_ARN}/*`, JOBS] },
    ]);
    expect(statements.flatMap(s => [s.Action].flat()).filter((a: string) => /^(ecr|signer):/.test(a)).sort())
      .toEqual(['ecr:BatchGetImage', 'ecr:GetAuthorizationToken', 'ecr:GetDownloadUrlForLayer', 'signer:GetRevocationStatus']);
  });

  test('a refused image is announced as "Signature", from a rule on the deploy projects\' failed INSTALL phase that the topic policy lets publish', () => {
    const rule = one(signed, TYPES.rule, 'gate-signature');
    expect(rule.inputs.name).toBe('web-app-prod-gate-signature');
    expect(JSON.parse(rule.inputs.eventPattern)).toEqual({
      'source': ['aws.codebuild'],
      'detail-type': ['CodeBuild Build Phase Change'],
      'detail': {
        'project-name': ['web-app-prod-deploy-dev', 'web-app-prod-deploy-prod'],
        'completed-phase': ['INSTALL'],
        'completed-phase-status': ['FAILED', 'TIMED_OUT', 'FAULT'],
      },
    });
    const target = one(signed, TYPES.target, 'gate-signature-to-topic');
    expect(JSON.parse(target.inputs.inputTransformer.inputTemplate)).toMatch(/^Signature: the deploy project <project> of web-app-prod refused its image .* Nothing was deployed by this stage\./);
    expect(target.inputs.inputTransformer.inputPaths).toEqual({ project: '$.detail.project-name', build: '$.detail.build-id', region: '$.region' });
    expect(JSON.parse(one(signed, TYPES.topicPolicy).inputs.policy).Statement[0].Condition.ArnEquals['aws:SourceArn'])
      .toContain(`arn:aws:events:${MOCK_REGION}:${MOCK_ACCOUNT}:rule/web-app-prod-gate-signature`);
  });

  test('with signing: false, the scan gate alone: no profile, no Signature rule, no variable, no signer grant, no signing evidence', () => {
    const added = logical(signed).filter(urn => !logical(unsigned).includes(urn));
    expect(added).toEqual([
      'cicd-pipeline-type:index:CicdPipeline$aws:cloudwatch/eventRule:EventRule::gate-signature',
      'cicd-pipeline-type:index:CicdPipeline$aws:cloudwatch/eventTarget:EventTarget::gate-signature-to-topic',
      'cicd-pipeline-type:index:CicdPipeline$aws:signer/signingProfile:SigningProfile::signing-profile',
    ]);
    expect(logical(unsigned).filter(urn => !logical(signed).includes(urn))).toEqual([]);
    expect(signerGrants(unsigned)).toEqual([]);
    expect(one(unsigned, TYPES.project, 'build').inputs.environment.environmentVariables.map((v: any) => v.name)).not.toContain('SIGNING_PROFILE_ARN');
    for (const stage of ['dev', 'prod']) expect(one(unsigned, TYPES.project, `deploy-${stage}`).inputs.environment.environmentVariables).toBeUndefined();
    const approval = stagesOf(unsigned).find(stage => stage.name === 'prod').actions.find((a: any) => a.category === 'Approval');
    expect(approval.configuration.CustomData).toMatch(/Scan gate passed .*sbom artifact\.$/);
    expect(approval.configuration.CustomData).not.toMatch(/Signature/);
  });

  test('the approval\'s text with every evidence stays within CustomData\'s 500 characters for GitHub\'s longest names and the longest stage name', async () => {
    // GitHub: owner at most 39, repository at most 100 characters; the stage's role `<name>-<env>-deploy-<stage>` at most 64
    // with the longest environment suffix (10), which the library checks.
    const repository = `${'o'.repeat(39)}/${'r'.repeat(100)}`;
    const stage = 's'.repeat(64 - 'w-xxxxxxxxxx-deploy-'.length);
    const resources = await runUnderMocks(settingsFor({
      repository,
      name: 'w',
      environments: ['d'],
      stages: [{ name: stage, commands: ['true'], manualApproval: { emails: ['release@acme.example'] } }],
      supplyChain: { criticalThreshold: 1000, highThreshold: 1000, mediumThreshold: 1000, lowThreshold: 1000 },
    } as PipelineProps), 'd');
    const approval = stagesOf(resources).find(s => s.name === stage).actions.find((a: any) => a.category === 'Approval');
    expect(approval.configuration.CustomData).toMatch(/Scan gate passed \(critical<=1000 high<=1000 medium<=1000 low<=1000\).* Signature: signed by this stack's profile, verified before deploy\.$/);
    expect(approval.configuration.CustomData.length).toBeLessThanOrEqual(500);
  });

  test('without a gate, nothing of signing either', async () => {
    const ungated = await runUnderMocks(settingsFor(PROMOTION_PROPS), 'prod');
    expect(ungated.filter(r => r.type === PROFILE_TYPE || r.name === 'gate-signature')).toEqual([]);
    expect(signerGrants(ungated)).toEqual([]);
  });

  test('without deploy stages the build still signs, and there is no Signature rule (nothing verifies)', async () => {
    const resources = await runUnderMocks(settingsFor({ repository: 'acme/web-app', supplyChain: {} }), 'dev');
    expect(one(resources, PROFILE_TYPE).inputs.signatureValidityPeriod).toEqual({ type: 'MONTHS', value: 12 });
    expect(signerGrants(resources)).toEqual(['build-policy/SignWithTheProfile']);
    expect(resources.filter(r => r.name.startsWith('gate-signature'))).toEqual([]);
    expect(JSON.parse(one(resources, TYPES.topicPolicy).inputs.policy).Statement[0].Condition.ArnEquals['aws:SourceArn']).not.toContain('gate-signature');
  });
});

describe('image signing with self-update: the ceilings, the update role and the drift check', () => {
  let resources: RegisteredResource[];
  const PATTERN = `arn:aws:signer:${MOCK_REGION}:${MOCK_ACCOUNT}:/signing-profiles/web_app_dev_*`;
  beforeAll(async () => {
    resources = await runUnderMocks(settingsFor({ ...PROMOTION_PROPS, supplyChain: {}, selfUpdate: SELF_UPDATE_S3 }), 'dev');
  });
  const sid = (name: string, policy: string) => statementsOf(one(resources, TYPES.policy, policy)).find(s => s.Sid === name);

  test('the build\'s ceiling allows signing with this stack\'s profiles only; each stage\'s, the verification\'s reads only', () => {
    expect(sid('SignWithTheProfile', 'boundary-build')).toEqual({ Sid: 'SignWithTheProfile', Effect: 'Allow', Action: 'signer:SignPayload', Resource: PATTERN });
    for (const stage of ['dev', 'prod']) {
      expect(sid('CheckRevocation', `boundary-deploy-${stage}`)).toMatchObject({
        Action: 'signer:GetRevocationStatus', Resource: [PATTERN, `arn:aws:signer:${MOCK_REGION}:${MOCK_ACCOUNT}:/signing-jobs/*`],
      });
      expect(sid('ReadTheImageAndSignature', `boundary-deploy-${stage}`)).toMatchObject({ Resource: `arn:aws:ecr:${MOCK_REGION}:${MOCK_ACCOUNT}:repository/web-app-dev` });
      expect(statementsOf(one(resources, TYPES.policy, `boundary-deploy-${stage}`)).flatMap(s => [s.Action].flat()).filter((a: string) => a === 'signer:SignPayload')).toEqual([]);
    }
  });

  test('the update role creates the profile (on "*", AWS\'s only resource for it, with the program\'s tag keys) and reads and tags it by prefix', () => {
    expect(sid('ManageSigningProfile', 'self-update-pipeline-policy')).toEqual({
      Sid: 'ManageSigningProfile',
      Effect: 'Allow',
      Action: ['signer:GetSigningProfile', 'signer:ListTagsForResource', 'signer:TagResource', 'signer:UntagResource'],
      Resource: PATTERN,
    });
    expect(sid('ManageNewSigningProfiles', 'self-update-pipeline-policy')).toEqual({
      Sid: 'ManageNewSigningProfiles',
      Effect: 'Allow',
      Action: ['signer:PutSigningProfile'],
      Resource: '*',
      Condition: { 'ForAllValues:StringEquals': { 'aws:TagKeys': ['Environment', 'ManagedBy', 'Project', 'Team'] } },
    });
    expect(sid('NeverCancelOrRevokeSigning', 'boundary-self-update')).toEqual({
      Sid: 'NeverCancelOrRevokeSigning', Effect: 'Deny', Action: ['signer:CancelSigningProfile', 'signer:Revoke*', 'signer:*ProfilePermission'], Resource: '*',
    });
    expect(sid('ReadSigningProfile', 'drift-check-pipeline-policy')).toEqual({
      Sid: 'ReadSigningProfile', Effect: 'Allow', Action: ['signer:GetSigningProfile', 'signer:ListTagsForResource'], Resource: PATTERN,
    });
  });

  test('the self-update creates the profile and changes its tags, but stops before replacing or deleting it (a person\'s deploy)', () => {
    const urn = 'urn:pulumi:dev::web-app::cicd-pipeline-type:index:CicdPipeline$aws:signer/signingProfile:SigningProfile::signing-profile';
    const type = 'aws:signer/signingProfile:SigningProfile';
    const classify = (step: Record<string, unknown>) => classifyPreview({ steps: [{ urn, newState: { type }, ...step }] });
    expect(classify({ op: 'create' }).stopped).toEqual([]);
    expect(classify({ op: 'update', diffReasons: ['tags'] }).stopped).toEqual([]);
    expect(classify({ op: 'replace', replaceReasons: ['signatureValidityPeriod'] }).stopped.map(s => s.reason)).toEqual(['stateful-data']);
    expect(classify({ op: 'delete' }).stopped.map(s => s.reason)).toEqual(['stateful-data']);
  });
});

describe('the partition', () => {
  test.each(['aws-us-gov', 'aws-cn', 'aws-iso'])('%s stops a signing program before anything is registered, naming the option and the partition', partition => {
    expect(() => assertSigningAvailable(settingsFor({ repository: 'acme/web-app', supplyChain: {} }), partition))
      .toThrow(new RegExp(`^pipeline\\.supplyChain\\.signing: this stack deploys to the ${partition} partition, .*Set \`signing: false\` in pipeline\\.supplyChain`));
  });

  test('GovCloud under the mocks: signing stops the program; signing: false (and no gate) run', async () => {
    const options = { partition: 'aws-us-gov', region: 'us-gov-west-1' };
    await expect(runUnderMocks(settingsFor({ repository: 'acme/web-app', supplyChain: {} }), 'dev', options))
      .rejects.toThrow(/pipeline\.supplyChain\.signing: this stack deploys to the aws-us-gov partition/);
    expect((await runUnderMocks(settingsFor({ repository: 'acme/web-app', supplyChain: { signing: false } }), 'dev', options)).length).toBeGreaterThan(0);
    expect((await runUnderMocks(settingsFor({ repository: 'acme/web-app' }), 'dev', options)).length).toBeGreaterThan(0);
  });

  test('the aws partition passes', () => {
    expect(SIGNING_PARTITIONS).toEqual(['aws']);
    expect(() => assertSigningAvailable(settingsFor({ repository: 'acme/web-app', supplyChain: {} }), 'aws')).not.toThrow();
  });
});

describe('the signing guardrails catch a broken promise', () => {
  const settings = settingsFor({ ...PROMOTION_PROPS, supplyChain: {} });
  let resources: RegisteredResource[];
  beforeAll(async () => {
    resources = await runUnderMocks(settings, 'prod');
  });
  const run = (list: RegisteredResource[]): GuardrailRun => ({ settings, environment: 'prod', resources: list, beforeAuthorization: [] });
  const broken = (change: (copy: RegisteredResource[]) => void) => brokenCopy(resources, change);
  const PROFILE_CHECK = 'with signing, the stack has one signing profile: Notation\'s container platform, the configured validity, the stack\'s name prefix; none without signing';
  const BUILD_CHECK = 'with signing, the build knows the profile and may sign only with it (signer:SignPayload on that ARN, nothing else of AWS Signer); without, no signer grant at all';
  const DEPLOY_CHECK = 'with signing, every deploy stage verifies before its commands: it knows the profile and this repository, and may read only this repository\'s images and this profile\'s revocation';
  const RULE_CHECK = 'with signing and deploy stages, a refused image reaches the topic as its own "Signature" message, from a rule on the deploy projects\' failed INSTALL phase';
  const EVIDENCE_CHECK = 'with signing, every approval request says the digest is signed by the stack\'s profile and verified before the deploy';
  test.each<[string, string, (copy: RegisteredResource[]) => void]>([
    ['a profile on the Lambda platform', PROFILE_CHECK, copy => { one(copy, 'aws:signer/signingProfile:SigningProfile').inputs.platformId = 'AWSLambda-SHA384-ECDSA'; }],
    ['the longest validity instead of the configured one', PROFILE_CHECK, copy => {
      one(copy, 'aws:signer/signingProfile:SigningProfile').inputs.signatureValidityPeriod = { type: 'MONTHS', value: 135 };
    }],
    ['the build signs with any profile', BUILD_CHECK, copy => editPolicy(copy, 'build-policy', st => { st.find(s => s.Sid === 'SignWithTheProfile').Resource = '*'; })],
    ['the build may also revoke', BUILD_CHECK, copy => editPolicy(copy, 'build-policy', st => st.push({ Effect: 'Allow', Action: 'signer:RevokeSignature', Resource: '*' }))],
    ['a stage reads every repository', DEPLOY_CHECK, copy => editPolicy(copy, 'deploy-dev-policy', st => { st.find(s => s.Sid === 'ReadTheImageAndSignature').Resource = '*'; })],
    ['a stage may sign', DEPLOY_CHECK, copy => editPolicy(copy, 'deploy-prod-policy', st => st.push({ Effect: 'Allow', Action: 'signer:SignPayload', Resource: '*' }))],
    ['a stage without the profile\'s variable', DEPLOY_CHECK, copy => { one(copy, TYPES.project, 'deploy-prod').inputs.environment.environmentVariables.shift(); }],
    ['the rule watches the BUILD phase', RULE_CHECK, copy => {
      const rule = one(copy, TYPES.rule, 'gate-signature');
      rule.inputs.eventPattern = rule.inputs.eventPattern.replace('"INSTALL"', '"BUILD"');
    }],
    ['an approval without the signing evidence', EVIDENCE_CHECK, copy => {
      const prod = one(copy, TYPES.pipeline).inputs.stages.find((stage: any) => stage.name === 'prod');
      prod.actions[0].configuration.CustomData = prod.actions[0].configuration.CustomData.replace(/ Signature: .*$/, '');
    }],
  ])('%s', (_title, promise, change) => {
    const check = GUARDRAILS[promise];
    expect(check).toBeDefined();
    expect(() => check(run(resources))).not.toThrow();
    expect(() => check(run(broken(change)))).toThrow();
  });
});

describeGuardrails('a gated, self-updating pipeline with deploy stages (signing on)',
  () => settingsFor({ ...PROMOTION_PROPS, supplyChain: {}, selfUpdate: SELF_UPDATE_S3 }));
describeGuardrails('a gated pipeline with deploy stages, signing off', () => settingsFor({ ...PROMOTION_PROPS, supplyChain: { signing: false } }), { environment: 'prod' });
