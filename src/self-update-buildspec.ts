import * as path from 'path';
import { Component, Project } from 'projen';
import { PortableYamlFile } from './portable-yaml';
import { SelfUpdateModel } from './self-update-model';
import { DRIFT_CHECK_BUILDSPEC, SELF_UPDATE_BUILDSPEC } from './settings-file';
import { pinnedVersions } from './versions';

/**
 * The Node.js major the buildspecs ask CodeBuild for: one the pinned
 * `@pulumi/pulumi` supports and the standard 7.0 image offers ("Available
 * runtimes", CodeBuild User Guide).
 */
export const NODE_RUNTIME = 20;

/** A CodeBuild build specification (version 0.2) that runs the Pulumi CLI on the repository's stack. */
export interface PulumiBuildspecModel {
  readonly version: '0.2';
  readonly env: { readonly shell: 'bash'; readonly variables: Record<string, string> };
  readonly phases: {
    readonly install: { readonly 'runtime-versions': { readonly nodejs: number }; readonly 'commands': string[] };
    readonly pre_build: { readonly 'on-failure': 'ABORT'; readonly 'commands': string[] };
    readonly build: { readonly commands: string[] };
  };
}

/** What both projects do first: the pinned CLI, the repository's dependencies, the backend. */
function pulumiBuildspec(selfUpdate: SelfUpdateModel, infraDir: string, build: string[]): PulumiBuildspecModel {
  const versions = pinnedVersions();
  return {
    version: '0.2',
    env: {
      shell: 'bash',
      variables: {
        // The CLI of exactly the SDK the program was tested with, from Pulumi's installer
        // ("Download & Install Pulumi": `curl -fsSL https://get.pulumi.com | sh`, with `--version`).
        PULUMI_VERSION: versions.pulumi,
        PULUMI_AWS_VERSION: versions.pulumiAws,
        PULUMI_BACKEND_URL: selfUpdate.backend.url,
        PULUMI_PROJECT_DIR: infraDir,
        PULUMI_SKIP_UPDATE_CHECK: 'true',
      },
    },
    phases: {
      install: {
        'runtime-versions': { nodejs: NODE_RUNTIME },
        'commands': [
          'curl -fsSL https://get.pulumi.com | sh -s -- --version "${PULUMI_VERSION}"',
          'export PATH="${HOME}/.pulumi/bin:${PATH}"',
          'pulumi version | grep -qx "v${PULUMI_VERSION}"',
          'npm ci --no-audit --no-fund',
        ],
      },
      pre_build: {
        'on-failure': 'ABORT',
        'commands': [
          // Pulumi Cloud reads PULUMI_ACCESS_TOKEN, which CodeBuild takes from Secrets Manager.
          'pulumi login "${PULUMI_BACKEND_URL}"',
          'pulumi plugin install resource aws "${PULUMI_AWS_VERSION}"',
        ],
      },
      build: { commands: build },
    },
  };
}

const PIPELINE_VERSION = 'aws codepipeline get-pipeline --name "${PIPELINE_NAME}" --query pipeline.version --output text';

/**
 * `pulumi up` on the stack that deployed the pipeline (PULUMI_STACK, set by
 * the program), then a fresh execution only if the pipeline's definition
 * changed: its version goes up by one with every UpdatePipeline, and the
 * update cancels the execution this build belongs to (self-update.ts). An
 * execution the update role started itself (its trigger names the role) may
 * not restart again: a program that changes the pipeline on every run would
 * otherwise loop.
 */
export function renderSelfUpdateBuildspec(selfUpdate: SelfUpdateModel, infraDir: string): PulumiBuildspecModel {
  return pulumiBuildspec(selfUpdate, infraDir, [
    `PIPELINE_VERSION_BEFORE="$(${PIPELINE_VERSION})"`,
    'pulumi up --yes --non-interactive --diff --stack "${PULUMI_STACK}" --cwd "${PULUMI_PROJECT_DIR}"',
    `PIPELINE_VERSION_AFTER="$(${PIPELINE_VERSION})"`,
    'STARTED_BY="$(aws codepipeline get-pipeline-execution --pipeline-name "${PIPELINE_NAME}" --pipeline-execution-id ' +
      '"${PIPELINE_EXECUTION_ID:-none}" --query pipelineExecution.trigger.triggerDetail --output text 2>/dev/null || true)"',
    'if [ "${PIPELINE_VERSION_AFTER}" = "${PIPELINE_VERSION_BEFORE}" ]; then ' +
      'echo "The pipeline definition is unchanged (version ${PIPELINE_VERSION_AFTER}): this execution goes on."; ' +
      'elif printf "%s" "${STARTED_BY}" | grep -q ":assumed-role/${UPDATE_ROLE_NAME}/"; then ' +
      'echo "The pipeline definition changed again in an execution the self-update started; not restarting it again (no loop). ' +
      'Run npx projen preview to see what keeps changing." >&2; false; ' +
      'else aws codepipeline start-pipeline-execution --name "${PIPELINE_NAME}" --query pipelineExecutionId --output text && ' +
      'echo "The pipeline definition changed (version ${PIPELINE_VERSION_BEFORE} to ${PIPELINE_VERSION_AFTER}), which cancels this ' +
      'execution: started the one above."; fi',
  ]);
}

/**
 * The drift check: a preview that reads every resource as it is in AWS
 * (`--refresh`) and fails when the program would change anything
 * (`--expect-no-changes`).
 */
export function renderDriftCheckBuildspec(selfUpdate: SelfUpdateModel, infraDir: string): PulumiBuildspecModel {
  return pulumiBuildspec(selfUpdate, infraDir, [
    'pulumi preview --refresh --expect-no-changes --non-interactive --diff --stack "${PULUMI_STACK}" --cwd "${PULUMI_PROJECT_DIR}"',
  ]);
}

/**
 * The managed buildspecs of the self-update and drift-check projects, beside
 * the program (`infra/self-update.buildspec.yml`, `infra/drift-check.buildspec.yml`),
 * written like `buildspec.yml` so that every string survives any YAML reader.
 */
export class SelfUpdateBuildspecs extends Component {
  public constructor(project: Project, selfUpdate: SelfUpdateModel, infraDir: string) {
    super(project);
    new PortableYamlFile(project, path.posix.join(infraDir, SELF_UPDATE_BUILDSPEC), { obj: renderSelfUpdateBuildspec(selfUpdate, infraDir) });
    new PortableYamlFile(project, path.posix.join(infraDir, DRIFT_CHECK_BUILDSPEC), { obj: renderDriftCheckBuildspec(selfUpdate, infraDir) });
  }
}
