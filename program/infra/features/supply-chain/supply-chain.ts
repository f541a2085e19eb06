import * as cloudwatch from '@pulumi/aws/cloudwatch';
import { getRegion } from '@pulumi/aws/getRegion';
import * as sns from '@pulumi/aws/sns';
import type * as types from '@pulumi/aws/types';
import * as pulumi from '@pulumi/pulumi';
import { BUILD_VARIABLES_NAMESPACE } from '../../parts/codepipeline';
import { topicNotice } from '../../parts/notifications';
import { Scope } from '../../scope';
import { PipelineSettings, SupplyChainSettings } from '../../settings';

/** The stage between Build and the deploy stages, and its action. */
export const SCAN_STAGE = 'Scan';
export const SCAN_ACTION = 'InspectorScan';
/** The scan's output artifact: the image's software bill of materials (SBOM). */
export const SBOM_ARTIFACT = 'sbom';

/**
 * Regions that have no InspectorScan action: "The CodePipeline action for
 * InspectorScan is not available in the China (Beijing) and China (Ningxia)
 * Regions" ("Amazon Inspector InspectorScan invoke action reference",
 * https://docs.aws.amazon.com/codepipeline/latest/userguide/action-reference-InspectorScan.html).
 */
export const REGIONS_WITHOUT_SCAN = ['cn-north-1', 'cn-northwest-1'];

/**
 * Stops the program before any resource is registered when the stack's
 * region has no InspectorScan action. The region is known only when the
 * program runs (the stack's AWS configuration), not when the library renders
 * the settings. The gate does not fall back to something weaker in silence:
 * the team decides (another region, or no gate).
 */
export function assertScanAvailable(settings: PipelineSettings, region: string): void {
  if (!settings.supplyChain || !REGIONS_WITHOUT_SCAN.includes(region)) return;
  throw new Error(
    `pipeline.supplyChain: CodePipeline's InspectorScan action, which the scan gate runs, is not available in ${region} ` +
    `(AWS lists it as missing in ${REGIONS_WITHOUT_SCAN.join(' and ')}). Deploy this stack to another region, ` +
    'or remove pipeline.supplyChain from the projenrc to run the pipeline without the scan gate.',
  );
}

/** `assertScanAvailable` for the stack's own region. */
export async function assertScanAvailableHere(settings: PipelineSettings): Promise<void> {
  if (!settings.supplyChain) return;
  assertScanAvailable(settings, (await getRegion({})).region);
}

/**
 * The Scan stage: Amazon Inspector scans the image the Build stage pushed
 * (its immutable commit tag, `#{BuildVariables.IMAGE_TAG}`) and fails the
 * action when a severity has more findings than its threshold. Its output
 * artifact, the SBOM, is written to the artifact bucket like every other
 * artifact, under the bucket's lifecycle rules. Action type, configuration
 * keys and the output artifact: "Amazon Inspector InspectorScan invoke action
 * reference" (Action type ID; Configuration parameters; Output artifacts).
 * Action configuration values are strings.
 */
export function scanStages(settings: PipelineSettings, repositoryName: pulumi.Input<string>): types.input.codepipeline.PipelineStage[] {
  if (!settings.supplyChain) return [];
  return [{
    name: SCAN_STAGE,
    actions: [{
      name: SCAN_ACTION,
      category: 'Invoke',
      owner: 'AWS',
      provider: 'InspectorScan',
      version: '1',
      outputArtifacts: [SBOM_ARTIFACT],
      configuration: {
        InspectorRunMode: 'ECRImageScan',
        ECRRepositoryName: repositoryName,
        ImageTag: `#{${BUILD_VARIABLES_NAMESPACE}.IMAGE_TAG}`,
        ...thresholdConfiguration(settings.supplyChain),
      },
    }],
  }];
}

/** `CriticalThreshold`, `HighThreshold` and, when set, `MediumThreshold` and `LowThreshold`. */
export function thresholdConfiguration(supplyChain: SupplyChainSettings): Record<string, string> {
  const { critical, high, medium, low } = supplyChain.thresholds;
  return {
    CriticalThreshold: String(critical),
    HighThreshold: String(high),
    ...(medium !== undefined ? { MediumThreshold: String(medium) } : {}),
    ...(low !== undefined ? { LowThreshold: String(low) } : {}),
  };
}

/**
 * What the pipeline role needs for the scan, exactly as the action reference
 * lists it ("Service role permissions: InspectorScan action"):
 * `inspector-scan:ScanSbom` (which has no resource type: "Actions, resources,
 * and condition keys for Amazon InspectorScan", so `*`), the three ECR image
 * reads on this stack's repository only, and the logs of CodePipeline's
 * managed compute, scoped to this pipeline's log group `/aws/codepipeline/<pipeline>`
 * (where the managed-compute actions write; the reference leaves its ARN to
 * the reader). The same statements are the pipeline role's ceiling
 * (boundary.ts). None without the gate.
 */
export function scanStatements(scope: Scope, settings: PipelineSettings): object[] {
  if (!settings.supplyChain) return [];
  const { partition, region, accountId, names } = scope;
  const logGroup = pulumi.interpolate`arn:${partition}:logs:${region}:${accountId}:log-group:/aws/codepipeline/${names.pipeline}`;
  return [
    { Sid: 'ScanTheImage', Effect: 'Allow', Action: 'inspector-scan:ScanSbom', Resource: '*' },
    {
      Sid: 'ReadTheScannedImage',
      Effect: 'Allow',
      Action: ['ecr:GetDownloadUrlForLayer', 'ecr:BatchGetImage', 'ecr:BatchCheckLayerAvailability'],
      Resource: pulumi.interpolate`arn:${partition}:ecr:${region}:${accountId}:repository/${names.repository}`,
    },
    {
      Sid: 'ScanLogs',
      Effect: 'Allow',
      Action: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'],
      Resource: [logGroup, pulumi.interpolate`${logGroup}:*`],
    },
  ];
}

/**
 * The scan's evidence in a manual approval's CustomData (at most 500
 * characters, so it names the thresholds the image passed and where its SBOM
 * is rather than listing findings). Empty without the gate.
 */
export function scanEvidence(settings: PipelineSettings): string {
  if (!settings.supplyChain) return '';
  const limits = Object.entries(settings.supplyChain.thresholds).map(([severity, max]) => `${severity}<=${max}`).join(' ');
  return ` Scan gate passed (${limits}); SBOM: this execution's ${SBOM_ARTIFACT} artifact.`;
}

/** The scan gate's notification rule: under the gates' rule prefix `<pipeline>-gate-*`, which the boundaries already cover. */
export const scanRuleName = (scope: Scope) => `${scope.names.pipeline}-gate-scan`;

/** The rules that publish the scan gate's notification, by physical name (the topic policy names them before they exist). */
export function scanNotificationRules(scope: Scope, settings: PipelineSettings): string[] {
  return settings.supplyChain ? [scanRuleName(scope)] : [];
}

export interface ScanNotificationArgs {
  readonly topic: sns.Topic;
  readonly topicPolicy: sns.TopicPolicy;
  readonly settings: PipelineSettings;
}

/**
 * A failed scan reaches the pipeline's topic with a message of its own ("Scan gate"), not only as the
 * execution's FAILED: an EventBridge rule on CodePipeline's "CodePipeline Stage Execution State Change"
 * for the Scan stage ("AWS CodePipeline events",
 * https://docs.aws.amazon.com/eventbridge/latest/ref/events-ref-codepipeline.html). The stage holds the scan
 * alone, so its failure is the scan's: findings above a threshold (or the scan could not run). Logical
 * names `gate-scan` and `gate-scan-to-topic`; none without the gate.
 */
export function scanNotification(scope: Scope, args: ScanNotificationArgs): void {
  if (!args.settings.supplyChain) return;
  const parent = { parent: scope.parent };
  const pipeline = scope.names.pipeline;
  const limits = Object.entries(args.settings.supplyChain.thresholds).map(([severity, max]) => `${severity} ${max}`).join(', ');
  const rule = new cloudwatch.EventRule('gate-scan', {
    name: scanRuleName(scope),
    description: `Failed vulnerability scans (the supply-chain gate) of ${pipeline}`,
    eventPattern: pulumi.jsonStringify({
      'source': ['aws.codepipeline'],
      'detail-type': ['CodePipeline Stage Execution State Change'],
      'detail': { pipeline: [pipeline], stage: [SCAN_STAGE], state: ['FAILED'] },
    }),
    state: 'ENABLED',
    tags: scope.tags,
  }, parent);
  const message = `Scan gate: execution <execution> of <pipeline> stopped at the ${SCAN_STAGE} stage: the image has more vulnerability ` +
    `findings than the gate allows (at most ${limits}), or the scan could not run. Nothing was deployed. The ${SCAN_ACTION} ` +
    'action\'s details and its SBOM artifact list the findings: ' +
    'https://<region>.console.aws.amazon.com/codesuite/codepipeline/pipelines/<pipeline>/executions/<execution>/visualization?region=<region>';
  topicNotice(scope, 'gate-scan-to-topic', {
    rule,
    topic: args.topic,
    topicPolicy: args.topicPolicy,
    message,
    inputPaths: { pipeline: '$.detail.pipeline', execution: '$.detail.execution-id', region: '$.region' },
  });
}
