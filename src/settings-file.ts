import * as path from 'path';
import { JsonFile, Project } from 'projen';
import { deployBuildspecPath } from './deploy-buildspec';
import { DeployStageModel } from './deploy-stages';
import { ENVIRONMENT_PATTERN, NameKey, NameRule, StageNameKey, nameRules, stageNameRules } from './naming';
import { PipelineModel, VERSION_TAG_KEY } from './pipeline-model';
import { BuildComputeType, BuildImage } from './pipeline-props';
import { GuardModel } from './release-gates';
import { SelfUpdateModel } from './self-update-model';
import { SupplyChainModel } from './supply-chain';
import { secretArns } from './variables';
import { pinnedVersions } from './versions';

/** The templates and limits of names, as the program reads them. */
function templates<K extends string>(rules: Record<K, NameRule>): Record<K, { template: string; maxLength: number }> {
  const names = {} as Record<K, { template: string; maxLength: number }>;
  for (const key of Object.keys(rules) as K[]) {
    names[key] = { template: rules[key].template, maxLength: rules[key].maxLength };
  }
  return names;
}

/** What the program needs of a deploy stage: the buildspec that holds its commands and what its role may do. */
function renderStage(model: PipelineModel, stage: DeployStageModel) {
  return {
    name: stage.name,
    buildspec: deployBuildspecPath(stage.name),
    secrets: secretArns(stage.secrets),
    ...(stage.assumeRoleArn ? { assumeRoleArn: stage.assumeRoleArn } : {}),
    ...(stage.manualApproval ? { manualApproval: { emails: stage.manualApproval.emails } } : {}),
    rollbackOnFailure: stage.rollbackOnFailure,
    ...(stage.guard ? { guard: renderGuard(stage.guard) } : {}),
    environment: stage.environment,
    names: templates<StageNameKey>(stageNameRules(model.name, stage.name)),
  };
}

/** The stage conditions the program declares and the alarms its pipeline role may read. */
function renderGuard(guard: GuardModel) {
  return {
    alarms: guard.alarms.map(alarm => ({ name: alarm.name, ...(alarm.arn ? { arn: alarm.arn } : {}) })),
    ...(guard.bakeMinutes !== undefined ? { bakeMinutes: guard.bakeMinutes } : {}),
    ...(guard.window ? { window: { cron: guard.window.cron, timezone: guard.window.timezone } } : {}),
    retryOnFailure: guard.retryOnFailure,
  };
}

/** The managed buildspecs of the self-update and drift-check projects, in the Pulumi project's folder. */
export const SELF_UPDATE_BUILDSPEC = 'self-update.buildspec.yml';
export const DRIFT_CHECK_BUILDSPEC = 'drift-check.buildspec.yml';
/**
 * The stack of environment `<env>` is named `<env>`: the stack files are
 * `Pulumi.<env>.yaml`, and the self-update stage must update the stack that
 * deployed it, so its name is fixed here rather than guessed in CodeBuild.
 */
export const STACK_NAME_TEMPLATE = '{env}';
/** Minutes after which CodeBuild stops a self-update or drift check (a `pulumi up` of the pipeline takes a few). */
const SELF_UPDATE_TIMEOUT_MINUTES = 60;

/**
 * The settings the shipped Pulumi program reads (`infra/pipeline-settings.json`).
 * Its shape is the program's `PipelineSettings`; a test in this repository
 * type-checks one against the other.
 */
export function renderSettings(model: PipelineModel, buildspecPath: string, pulumiProject: string, infraDir = 'infra') {
  const names = templates<NameKey>(nameRules(model.name));
  return {
    schemaVersion: 1 as const,
    pulumiProject,
    name: model.name,
    source: {
      repository: model.repository,
      branch: model.branch,
      filePaths: model.filePaths,
      ...(model.connectionArn ? { connectionArn: model.connectionArn } : {}),
    },
    environment: { pattern: ENVIRONMENT_PATTERN, listed: model.environments, ephemeral: model.ephemeralEnvironments },
    names,
    build: {
      buildspec: buildspecPath,
      architecture: model.build.architecture as string,
      environmentType: model.build.environmentType,
      computeType: model.build.computeType,
      image: model.build.image,
      timeoutMinutes: model.build.timeoutMinutes,
      logRetentionDays: model.build.logRetentionDays,
      secrets: secretArns(model.build.secrets),
    },
    registry: model.registry,
    artifacts: model.artifacts,
    notifications: model.notifications,
    tags: model.tags,
    stages: model.stages.map(stage => renderStage(model, stage)),
    executionMode: model.executionMode,
    fleet: { versionTag: { key: VERSION_TAG_KEY, value: pinnedVersions().self } },
    ...(model.selfUpdate ? { selfUpdate: renderSelfUpdate(model.selfUpdate, infraDir) } : {}),
    ...(model.supplyChain ? { supplyChain: renderSupplyChain(model.supplyChain) } : {}),
    ...(model.shared ? { shared: model.shared } : {}),
  };
}

/** The scan gate's thresholds and, unless it is off, the signing profile's validity. */
function renderSupplyChain(supplyChain: SupplyChainModel) {
  return { thresholds: supplyChain.thresholds, ...(supplyChain.signing ? { signing: supplyChain.signing } : {}) };
}

/** What the program needs to build the self-update stage and the drift check. */
function renderSelfUpdate(selfUpdate: SelfUpdateModel, infraDir: string) {
  const { url: _url, ...secretsKey } = selfUpdate.secretsProvider ?? { url: '' };
  return {
    backend: selfUpdate.backend,
    ...(selfUpdate.secretsProvider ? { secretsKey } : {}),
    ...(selfUpdate.accessTokenSecretArn ? { accessTokenSecretArn: selfUpdate.accessTokenSecretArn } : {}),
    stack: STACK_NAME_TEMPLATE,
    buildspecs: {
      update: path.posix.join(infraDir, SELF_UPDATE_BUILDSPEC),
      drift: path.posix.join(infraDir, DRIFT_CHECK_BUILDSPEC),
    },
    // The image the buildspecs' `runtime-versions` are written for.
    image: BuildImage.STANDARD_7_0 as string,
    computeType: BuildComputeType.SMALL as string,
    timeoutMinutes: SELF_UPDATE_TIMEOUT_MINUTES,
    driftSchedule: selfUpdate.driftSchedule,
    driftScheduled: selfUpdate.driftScheduled,
  };
}

/** Writes the rendered settings as a managed JSON file. */
export class PipelineSettingsFile extends JsonFile {
  public constructor(project: Project, filePath: string, model: PipelineModel, buildspecPath: string, pulumiProject: string) {
    // The program lives in another folder; the buildspec paths it hands CodeBuild are relative to the repository root.
    super(project, filePath, { obj: renderSettings(model, buildspecPath, pulumiProject, path.posix.dirname(filePath)), newline: true });
  }
}
