/** Guardrails of the deploy stages and their approvals (parts/stages.ts). */
import * as fs from 'fs';
import * as path from 'path';
import { allows, artifactObjectsOf, asList, deployActionsOf, deployResource, grantsOf, GuardrailPart, isBoundary, one, pipelineOf, sourceActionOf, stageOf, statementsOf, topicArnOf, TYPES, yamlMap } from './kit';
import { MOCK_ACCOUNT, MOCK_REGION } from './mock-run';
import { SELF_UPDATE_STAGE } from '../features/self-update/self-update';
import { SCAN_STAGE } from '../features/supply-chain/supply-chain';
import { BUILD_VARIABLES_NAMESPACE, SOURCE_ARTIFACT, SOURCE_VARIABLES_NAMESPACE } from '../parts/codepipeline';
import { APPROVAL_ACTION, IMAGE_VARIABLES } from '../parts/stages';

export const STAGES: GuardrailPart = {
  part: 'deploy stages',
  checks: {
    'the stages are Source, UpdatePipeline (with self-update), Build, Scan (with the supply-chain gate), then the deploy stages in the configured order': ({ resources, settings }) => {
      expect(pipelineOf(resources).stages.map((s: any) => s.name)).toEqual([
        'Source', ...(settings.selfUpdate ? [SELF_UPDATE_STAGE] : []), 'Build', ...(settings.supplyChain ? [SCAN_STAGE] : []), ...settings.stages.map(stage => stage.name),
      ]);
    },
    'the execution mode is the configured one (QUEUED unless set, when there are deploy stages)': ({ resources, settings }) => {
      expect(pipelineOf(resources).executionMode).toBe(settings.executionMode);
    },
    'a stage that asks for approval waits for it before it deploys, and the request goes to the pipeline\'s topic': ({ resources, settings }) => {
      for (const stage of settings.stages) {
        const { approval, deploy } = deployActionsOf(resources, stage);
        if (!approval) continue;
        expect(approval).toMatchObject({ name: APPROVAL_ACTION, owner: 'AWS', provider: 'Manual', version: '1' });
        expect({ stage: stage.name, approvalFirst: approval.runOrder < deploy.runOrder }).toEqual({ stage: stage.name, approvalFirst: true });
        expect(approval.configuration.NotificationArn).toBe(topicArnOf(resources));
      }
    },
    'every approval request shows the commit and the image digest, and links to the commit': ({ resources, settings }) => {
      const commit = `#{${SOURCE_VARIABLES_NAMESPACE}.CommitId}`;
      for (const stage of settings.stages) {
        const { approval } = deployActionsOf(resources, stage);
        if (!approval) continue;
        expect(sourceActionOf(resources).namespace).toBe(SOURCE_VARIABLES_NAMESPACE);
        const { CustomData, ExternalEntityLink } = approval.configuration;
        expect(CustomData).toContain(commit);
        expect(CustomData).toContain(`#{${BUILD_VARIABLES_NAMESPACE}.IMAGE_DIGEST}`);
        expect(ExternalEntityLink).toBe(`https://github.com/${settings.source.repository}/commit/${commit}`);
        // CodePipeline rejects an action configuration value of more than 1000 characters ("Variables reference", limits).
        expect(Math.max(CustomData.length, ExternalEntityLink.length)).toBeLessThanOrEqual(1000);
      }
    },
    'every deploy action receives the image the Build stage exported, and the Build stage\'s artifact': ({ resources, settings }) => {
      const [build] = stageOf(resources, 'Build').actions;
      for (const stage of settings.stages) {
        const { deploy } = deployActionsOf(resources, stage);
        expect(deploy).toMatchObject({ category: 'Build', owner: 'AWS', provider: 'CodeBuild', version: '1' });
        expect(deploy.inputArtifacts).toEqual(expect.arrayContaining([SOURCE_ARTIFACT, ...build.outputArtifacts]));
        expect(deploy.configuration.PrimarySource).toBe(SOURCE_ARTIFACT);
        expect(deploy.configuration.ProjectName).toBe(deployResource(resources, TYPES.project, stage).inputs.name);
        expect(JSON.parse(deploy.configuration.EnvironmentVariables)).toEqual(
          IMAGE_VARIABLES.map(name => ({ name, value: `#{${BUILD_VARIABLES_NAMESPACE}.${name}}`, type: 'PLAINTEXT' })));
      }
    },
    'no deploy stage can build an image: its project is not privileged, runs its own buildspec, and its role cannot push to ECR': ({ resources, settings }) => {
      // With signing, the verification only reads (features/supply-chain/signing.ts): a registry token and the image's manifest and layers.
      const reads = settings.supplyChain?.signing ? ['ecr:BatchGetImage', 'ecr:GetAuthorizationToken', 'ecr:GetDownloadUrlForLayer'] : [];
      for (const stage of settings.stages) {
        const project = deployResource(resources, TYPES.project, stage).inputs;
        expect({ stage: stage.name, privilegedMode: project.environment.privilegedMode }).toEqual({ stage: stage.name, privilegedMode: false });
        expect(project.source).toEqual({ type: 'CODEPIPELINE', buildspec: stage.buildspec });
        const actions = statementsOf(deployResource(resources, TYPES.policy, stage, '-policy')).flatMap(st => asList(st.Action));
        expect({ stage: stage.name, ecr: actions.filter((a: string) => a.startsWith('ecr:')).sort() }).toEqual({ stage: stage.name, ecr: reads });
      }
    },
    'each deploy role may assume only its stage\'s target role, and no other role may assume any': ({ resources, settings }) => {
      const targets = new Map(settings.stages.map(stage => [`deploy-${stage.name}-policy`, stage.assumeRoleArn]));
      // A permissions boundary grants nothing: it only lets the deploy roles' own grants hold.
      for (const policy of resources.filter(r => r.type === TYPES.policy && !isBoundary(resources, r))) {
        const target = targets.get(policy.name);
        expect({ policy: policy.name, assumes: grantsOf(policy, 'sts:AssumeRole') }).toEqual({ policy: policy.name, assumes: target ? [target] : [] });
      }
    },
    'deploy roles read the pipeline\'s artifacts and never write them': ({ resources, settings }) => {
      for (const stage of settings.stages) {
        const statements = statementsOf(deployResource(resources, TYPES.policy, stage, '-policy'));
        expect(allows(statements, 's3:GetObject', artifactObjectsOf(resources, settings))).toBe(true);
        const writes = statements.flatMap(st => asList(st.Action)).filter((a: string) => /^s3:(Put|Delete|Create)/.test(a));
        expect({ stage: stage.name, writes }).toEqual({ stage: stage.name, writes: [] });
      }
    },
    'each deploy stage logs to its own log group, kept for the configured days, which the pipeline key may encrypt': ({ resources, settings }) => {
      // A shared key's policy is the platform's: it lets CloudWatch Logs use it for every log group of the account (README).
      const keyLogs = settings.shared?.kmsKeyArn ? undefined : JSON.parse(one(resources, TYPES.key).inputs.policy).Statement
        .find((st: any) => st.Principal?.Service?.startsWith('logs.')).Condition.ArnEquals['kms:EncryptionContext:aws:logs:arn'];
      for (const stage of settings.stages) {
        const logGroup = deployResource(resources, TYPES.logGroup, stage, '-logs').inputs;
        expect(deployResource(resources, TYPES.project, stage).inputs.logsConfig.cloudwatchLogs).toEqual({ groupName: logGroup.name, status: 'ENABLED' });
        expect(logGroup.retentionInDays).toBe(settings.build.logRetentionDays);
        if (keyLogs) expect(asList(keyLogs)).toContain(`arn:aws:logs:${MOCK_REGION}:${MOCK_ACCOUNT}:log-group:${logGroup.name}`);
      }
    },
    'a stage rolls back on failure exactly when configured (V2 onFailure ROLLBACK)': ({ resources, settings }) => {
      // A stage that retries on failure has onFailure RETRY instead (guardrails/release-gates.ts).
      for (const stage of settings.stages.filter(s => !s.guard?.retryOnFailure)) {
        expect({ stage: stage.name, onFailure: stageOf(resources, stage.name).onFailure })
          .toEqual({ stage: stage.name, onFailure: stage.rollbackOnFailure ? { result: 'ROLLBACK' } : undefined });
      }
    },
    'the pipeline role may publish to its own topic only when a stage asks for approval': ({ resources, settings }) => {
      const approvals = settings.stages.some(stage => stage.manualApproval !== undefined);
      expect(grantsOf(one(resources, TYPES.policy, 'pipeline-policy'), 'sns:Publish')).toEqual(approvals ? [topicArnOf(resources)] : []);
    },
  },
  fileChecks: {
    'every deploy stage has its managed buildspec, which never builds or pushes an image': ({ settings }, repoRoot) => {
      for (const stage of settings.stages) {
        const text = fs.readFileSync(path.join(repoRoot, stage.buildspec), 'utf-8');
        expect(text).toMatch(/^version: "?0\.2"?$/m);
        expect({ file: stage.buildspec, docker: text.match(/docker\s+(build|buildx|push|image\s+push)/)?.[0] }).toEqual({ file: stage.buildspec, docker: undefined });
        expect(yamlMap(text, 'variables').DEPLOY_STAGE).toBe(stage.name);
      }
    },
    'a deploy buildspec assumes exactly its stage\'s target role, and only when it has one': ({ settings }, repoRoot) => {
      for (const stage of settings.stages) {
        const text = fs.readFileSync(path.join(repoRoot, stage.buildspec), 'utf-8');
        expect({ file: stage.buildspec, target: yamlMap(text, 'variables').ASSUME_ROLE_ARN, assumes: text.includes('sts assume-role') })
          .toEqual({ file: stage.buildspec, target: stage.assumeRoleArn, assumes: stage.assumeRoleArn !== undefined });
      }
    },
  },
};
