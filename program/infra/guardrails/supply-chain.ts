/** Guardrails of the supply-chain gate (features/supply-chain/). */
import type * as Guardrails from './kit';
import * as Kit from './kit';
import { MOCK_ACCOUNT, MOCK_REGION, RegisteredResource } from './mock-run';
import { REPOSITORY_VARIABLE, SIGNING_PLATFORM, SIGNING_PROFILE_VARIABLE } from '../features/supply-chain/signing';
import { SBOM_ARTIFACT, SCAN_ACTION, SCAN_STAGE, thresholdConfiguration } from '../features/supply-chain/supply-chain';
import { DeployStageSettings } from '../settings';

/** The kit's helpers the checks use. */
export interface GuardrailKit {
  readonly one: typeof Guardrails.one;
  readonly statementsOf: typeof Guardrails.statementsOf;
  readonly asList: typeof Guardrails.asList;
  readonly TYPES: typeof Guardrails.TYPES;
}

const SCAN_ACTIONS = ['inspector-scan:ScanSbom', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage', 'ecr:BatchCheckLayerAvailability'];
const SIGNING_PROFILE = 'aws:signer/signingProfile:SigningProfile';

/** The supply-chain gate's promises (the scan between Build and the deploy stages, its grants, its evidence), one check each. */
export function supplyChainGuardrails(kit: GuardrailKit): Record<string, Guardrails.Check> {
  const { one, statementsOf, asList, TYPES } = kit;
  const stagesOf = (resources: RegisteredResource[]): any[] => one(resources, TYPES.pipeline).inputs.stages;
  const pipelineGrants = (resources: RegisteredResource[], action: string): string[] => statementsOf(one(resources, TYPES.policy, 'pipeline-policy'))
    .filter(s => s.Effect === 'Allow' && asList(s.Action).includes(action)).flatMap(s => asList(s.Resource));
  /** What a role's policy allows of `prefix` (`signer:`, `ecr:`), as `action resource` pairs, sorted. */
  const grantsOfService = (resources: RegisteredResource[], policy: string, prefix: string): string[] =>
    statementsOf(one(resources, TYPES.policy, policy)).filter(s => s.Effect === 'Allow')
      .flatMap(s => asList(s.Action).filter((a: string) => a.startsWith(prefix)).flatMap((a: string) => asList(s.Resource).map((r: string) => `${a} ${r}`)))
      .sort();
  const profilesOf = (resources: RegisteredResource[]) => resources.filter(r => r.type === SIGNING_PROFILE);
  const profileArn = (resources: RegisteredResource[]) => {
    const { namePrefix } = one(resources, SIGNING_PROFILE).inputs;
    // The mocked AWS completes the prefix like the provider (mock-run.ts); the ARN shape is AWS Signer's.
    const build = one(resources, TYPES.project, 'build').inputs.environment.environmentVariables.find((v: any) => v.name === SIGNING_PROFILE_VARIABLE);
    expect(build?.value).toMatch(new RegExp(`^arn:aws:signer:${MOCK_REGION}:${MOCK_ACCOUNT}:/signing-profiles/${namePrefix}[0-9]{26}$`));
    return build.value as string;
  };
  const deployProjectOf = (resources: RegisteredResource[], stage: DeployStageSettings) => one(resources, TYPES.project, `deploy-${stage.name}`);

  return {
    'with the supply-chain gate, the Scan stage comes right after Build, before every deploy stage; without it there is none': ({ resources, settings }) => {
      const names = stagesOf(resources).map(stage => stage.name);
      const build = names.indexOf('Build');
      expect({ scan: names.indexOf(SCAN_STAGE) === -1 ? 'none' : names.indexOf(SCAN_STAGE) - build })
        .toEqual({ scan: settings.supplyChain ? 1 : 'none' });
    },
    'the Scan stage runs Inspector on the image the build pushed (ECRImageScan, this repository, the commit tag) with the configured thresholds, and keeps the SBOM as an artifact': ({ resources, settings }) => {
      if (!settings.supplyChain) return;
      const stage = stagesOf(resources).find(s => s.name === SCAN_STAGE);
      expect(stage.actions).toEqual([{
        name: SCAN_ACTION,
        category: 'Invoke',
        owner: 'AWS',
        provider: 'InspectorScan',
        version: '1',
        outputArtifacts: [SBOM_ARTIFACT],
        configuration: {
          InspectorRunMode: 'ECRImageScan',
          ECRRepositoryName: one(resources, TYPES.repository).inputs.name,
          ImageTag: '#{BuildVariables.IMAGE_TAG}',
          ...thresholdConfiguration(settings.supplyChain),
        },
      }]);
    },
    'the pipeline role may scan, read only this stack\'s repository\'s images and write only its own managed-compute logs (and nothing of it without the gate)': ({ resources, settings }) => {
      const repository = `arn:aws:ecr:${MOCK_REGION}:${MOCK_ACCOUNT}:repository/${one(resources, TYPES.repository).inputs.name}`;
      const logGroup = `arn:aws:logs:${MOCK_REGION}:${MOCK_ACCOUNT}:log-group:/aws/codepipeline/${one(resources, TYPES.pipeline).inputs.name}`;
      const granted = Object.fromEntries([...SCAN_ACTIONS, 'logs:PutLogEvents'].map(action => [action, pipelineGrants(resources, action)]));
      expect(granted).toEqual(settings.supplyChain ? {
        'inspector-scan:ScanSbom': ['*'],
        'ecr:GetDownloadUrlForLayer': [repository],
        'ecr:BatchGetImage': [repository],
        'ecr:BatchCheckLayerAvailability': [repository],
        'logs:PutLogEvents': [logGroup, `${logGroup}:*`],
      } : Object.fromEntries([...SCAN_ACTIONS, 'logs:PutLogEvents'].map(action => [action, []])));
    },
    'with the gate, every approval request names the scan evidence (thresholds passed, where the SBOM is)': ({ resources, settings }) => {
      if (!settings.supplyChain) return;
      for (const stage of stagesOf(resources)) {
        for (const approval of stage.actions.filter((a: any) => a.category === 'Approval')) {
          expect({ stage: stage.name, evidence: /Scan gate passed \(critical<=\d+ high<=\d+[^)]*\); SBOM: .*sbom artifact/.test(approval.configuration.CustomData) })
            .toEqual({ stage: stage.name, evidence: true });
          expect(approval.configuration.CustomData.length).toBeLessThanOrEqual(500);
        }
      }
    },
    'with signing, the stack has one signing profile: Notation\'s container platform, the configured validity, the stack\'s name prefix; none without signing': ({ resources, settings }) => {
      const signing = settings.supplyChain?.signing;
      expect(profilesOf(resources).length).toBe(signing ? 1 : 0);
      if (!signing) return;
      expect(one(resources, SIGNING_PROFILE).inputs).toMatchObject({
        platformId: SIGNING_PLATFORM,
        signatureValidityPeriod: { type: 'MONTHS', value: signing.validityMonths },
        namePrefix: expect.stringMatching(/^[A-Za-z0-9_]{1,38}$/),
      });
    },
    'with signing, the build knows the profile and may sign only with it (signer:SignPayload on that ARN, nothing else of AWS Signer); without, no signer grant at all': ({ resources, settings }) => {
      if (!settings.supplyChain?.signing) {
        const policies = resources.filter(r => r.type === TYPES.policy);
        // The update role's boundary denies cancelling and revoking whether or not the stack signs (update-role-never.ts).
        const allowed = policies.flatMap(p => statementsOf(p)).filter(s => s.Effect === 'Allow').flatMap(s => asList(s.Action));
        expect(allowed.filter((a: string) => a.startsWith('signer:'))).toEqual([]);
        return;
      }
      expect(grantsOfService(resources, 'build-policy', 'signer:')).toEqual([`signer:SignPayload ${profileArn(resources)}`]);
    },
    'with signing, every deploy stage verifies before its commands: it knows the profile and this repository, and may read only this repository\'s images and this profile\'s revocation': ({ resources, settings }) => {
      if (!settings.supplyChain?.signing) return;
      const profile = profileArn(resources);
      const repository = one(resources, TYPES.repository).inputs.name;
      const repositoryArn = `arn:aws:ecr:${MOCK_REGION}:${MOCK_ACCOUNT}:repository/${repository}`;
      for (const stage of settings.stages) {
        const variables = deployProjectOf(resources, stage).inputs.environment.environmentVariables;
        expect({ stage: stage.name, variables }).toEqual({
          stage: stage.name,
          variables: [
            { name: SIGNING_PROFILE_VARIABLE, value: profile, type: 'PLAINTEXT' },
            { name: REPOSITORY_VARIABLE, value: `${MOCK_ACCOUNT}.dkr.ecr.${MOCK_REGION}.amazonaws.com/${repository}`, type: 'PLAINTEXT' },
          ],
        });
        const policy = `deploy-${stage.name}-policy`;
        expect({ stage: stage.name, ecr: grantsOfService(resources, policy, 'ecr:'), signer: grantsOfService(resources, policy, 'signer:') }).toEqual({
          stage: stage.name,
          ecr: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'].map(a => `${a} ${repositoryArn}`).concat('ecr:GetAuthorizationToken *').sort(),
          signer: [profile, `${profile}/*`, `arn:aws:signer:${MOCK_REGION}:${MOCK_ACCOUNT}:/signing-jobs/*`].map(r => `signer:GetRevocationStatus ${r}`).sort(),
        });
      }
    },
    'with signing and deploy stages, a refused image reaches the topic as its own "Signature" message, from a rule on the deploy projects\' failed INSTALL phase': ({ resources, settings }) => {
      const rules = resources.filter(r => r.type === TYPES.rule && r.name === 'gate-signature');
      const expected = settings.supplyChain?.signing && settings.stages.length > 0;
      expect(rules.length).toBe(expected ? 1 : 0);
      if (!expected) return;
      expect(JSON.parse(rules[0].inputs.eventPattern)).toEqual({
        'source': ['aws.codebuild'],
        'detail-type': ['CodeBuild Build Phase Change'],
        'detail': {
          'project-name': settings.stages.map(stage => deployProjectOf(resources, stage).inputs.name),
          'completed-phase': ['INSTALL'],
          'completed-phase-status': ['FAILED', 'TIMED_OUT', 'FAULT'],
        },
      });
      expect(JSON.parse(one(resources, TYPES.target, 'gate-signature-to-topic').inputs.inputTransformer.inputTemplate)).toMatch(/^Signature: /);
      expect(one(resources, TYPES.topicPolicy).inputs.policy).toContain(`:rule/${rules[0].inputs.name}`);
    },
    'with signing, every approval request says the digest is signed by the stack\'s profile and verified before the deploy': ({ resources, settings }) => {
      if (!settings.supplyChain?.signing) return;
      for (const stage of stagesOf(resources)) {
        for (const approval of stage.actions.filter((a: any) => a.category === 'Approval')) {
          expect({ stage: stage.name, evidence: /Signature: signed by this stack's profile, verified before deploy\./.test(approval.configuration.CustomData) })
            .toEqual({ stage: stage.name, evidence: true });
        }
      }
    },
    'with the gate, a failed scan reaches the topic as its own "Scan gate" message, from a rule the topic policy lets publish (none without it)': ({ resources, settings }) => {
      const rules = resources.filter(r => r.type === TYPES.rule && r.name === 'gate-scan');
      const targets = resources.filter(r => r.type === TYPES.target && r.name === 'gate-scan-to-topic');
      expect({ rules: rules.length, targets: targets.length }).toEqual(settings.supplyChain ? { rules: 1, targets: 1 } : { rules: 0, targets: 0 });
      if (!settings.supplyChain) return;
      const pipeline = one(resources, TYPES.pipeline).inputs.name;
      expect(JSON.parse(rules[0].inputs.eventPattern)).toEqual({
        'source': ['aws.codepipeline'],
        'detail-type': ['CodePipeline Stage Execution State Change'],
        'detail': { pipeline: [pipeline], stage: [SCAN_STAGE], state: ['FAILED'] },
      });
      expect(targets[0].inputs.arn).toBe(statementsOf(one(resources, TYPES.topicPolicy))[0].Resource);
      expect(JSON.parse(targets[0].inputs.inputTransformer.inputTemplate)).toMatch(/^Scan gate: /);
      expect(one(resources, TYPES.topicPolicy).inputs.policy).toContain(`:rule/${rules[0].inputs.name}`);
    },
  };
}

export const SUPPLY_CHAIN: Kit.GuardrailPart = {
  part: 'supply-chain gate',
  checks: supplyChainGuardrails({ one: Kit. one, statementsOf: Kit.statementsOf, asList: Kit.asList, TYPES: Kit.TYPES }),
};
