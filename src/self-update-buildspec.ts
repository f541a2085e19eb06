import * as path from 'path';
import { Component, Project } from 'projen';
import { RECOMMENDED_NODE_MAJOR } from './node-support';
import { PortableYamlFile } from './portable-yaml';
import { BackendModel, SelfUpdateModel } from './self-update-model';
import { DRIFT_CHECK_BUILDSPEC, SELF_UPDATE_BUILDSPEC } from './settings-file';
import { pinnedVersions } from './versions';

/**
 * The Node.js major the buildspecs ask CodeBuild for: the repository's default
 * line (node-support.ts), which the pinned `@pulumi/pulumi` accepts
 * (`engines.node >= 22`) and CodeBuild's standard images offer as
 * `nodejs: 24` ("Runtime versions", CodeBuild User Guide,
 * https://docs.aws.amazon.com/codebuild/latest/userguide/runtime-versions.html).
 * 20 reached end-of-life on 2026-04-30.
 */
export const NODE_RUNTIME = RECOMMENDED_NODE_MAJOR;

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

/**
 * An S3 backend must be in Pulumi's project layout: `<prefix>/.pulumi/meta.yaml`
 * with `version: 1` and each stack under `stacks/<project>/<stack>.json`
 * (pulumi/pulumi#12437, "backend/filestate: Re-add project support"). A bucket
 * written by an older CLI keeps the legacy layout (no `meta.yaml`, or
 * `version: 0`, and `stacks/<stack>.json`), which the roles' grants do not
 * reach (backend.ts): the build would fail with AccessDenied. So the build
 * stops first and says how to move the backend (`pulumi state upgrade`,
 * "Migrates the current backend to the latest supported version"). An empty
 * backend is new, and the CLI creates it in the project layout.
 */
function backendLayoutCheck(backend: Extract<BackendModel, { kind: 's3' }>): string {
  const list = (prefix: string) =>
    `aws s3api list-objects-v2 --bucket "\${STATE_BUCKET}" --prefix "${prefix}" --max-items 1 --query "Contents[0].Key" --output text`;
  const legacy = `The state backend ${backend.url} is in Pulumi's legacy layout (no \${STATE_ROOT}/meta.yaml of version 1, stacks at ` +
    '${STATE_ROOT}/stacks/<stack>.json): this pipeline\'s roles may reach only this stack\'s files of the project layout ' +
    '(${STATE_ROOT}/stacks/<project>/<stack>.json). A person with access to the whole backend upgrades it once: ' +
    `pulumi login ${backend.url} && pulumi state upgrade (it moves every stack of the backend to the project layout, which older ` +
    'Pulumi CLIs cannot read; tell everyone who uses the backend). Then run the pipeline again.';
  return `if [ "$(${list('${STATE_ROOT}/meta.yaml')})" = "\${STATE_ROOT}/meta.yaml" ]; then ` +
    'STATE_LAYOUT="$(aws s3 cp "s3://${STATE_BUCKET}/${STATE_ROOT}/meta.yaml" - | sed -n "s/^version: *//p")"; ' +
    `elif [ "$(${list('${STATE_ROOT}/stacks/')})" = None ]; then STATE_LAYOUT=empty; else STATE_LAYOUT=0; fi; ` +
    `if [ "\${STATE_LAYOUT}" = 0 ]; then echo "${legacy}" >&2; false; fi`;
}

/** What both projects do first: the pinned CLI, the repository's dependencies, the backend. */
function pulumiBuildspec(selfUpdate: SelfUpdateModel, infraDir: string, build: string[]): PulumiBuildspecModel {
  const versions = pinnedVersions();
  const { backend } = selfUpdate;
  return {
    version: '0.2',
    env: {
      shell: 'bash',
      variables: {
        // The CLI of exactly the SDK the program was tested with, from Pulumi's installer
        // ("Download & Install Pulumi": `curl -fsSL https://get.pulumi.com | sh`, with `--version`).
        PULUMI_VERSION: versions.pulumi,
        PULUMI_AWS_VERSION: versions.pulumiAws,
        PULUMI_BACKEND_URL: backend.url,
        PULUMI_PROJECT_DIR: infraDir,
        PULUMI_SKIP_UPDATE_CHECK: 'true',
        ...(backend.kind === 's3'
          ? { STATE_BUCKET: backend.bucket, STATE_ROOT: backend.prefix ? `${backend.prefix}/.pulumi` : '.pulumi' }
          : {}),
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
          ...(backend.kind === 's3' ? [backendLayoutCheck(backend)] : []),
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

/** The program's gate between preview and up (program/infra/features/self-update/self-update-check.ts) and its "stopped" exit status. */
export const SELF_UPDATE_CHECK = 'features/self-update/self-update-check.ts';
/** Where tsc writes the gate under the scratch folder: its path below the project's root (`--rootDir`), as JavaScript. */
const SELF_UPDATE_CHECK_JS = SELF_UPDATE_CHECK.replace(/\.ts$/, '.js');
const STOPPED = 3;
/** At most 100 ASCII characters ("Publish", Amazon SNS API Reference); the message names the pipeline. */
const STOPPED_SUBJECT = 'Pipeline self-update stopped: a person must run npx projen deploy';

/**
 * Compiles the gate with the repository's own TypeScript (a devDependency of
 * every consumer, installed by `npm ci`; ts-node is not, in a `.projenrc.py`
 * repository) into the build's scratch folder: it imports nothing but `fs`.
 */
const COMPILE_CHECK = 'npx --no-install tsc --outDir "${SELF_UPDATE_TMP}/check" --rootDir "${PULUMI_PROJECT_DIR}" --module node16 ' +
  `--moduleResolution node16 --target es2022 --types node --strict --skipLibCheck "\${PULUMI_PROJECT_DIR}/${SELF_UPDATE_CHECK}"`;

/**
 * The stack that deployed the pipeline (PULUMI_STACK, set by the program) is
 * previewed first, and the preview classified (self-update-classifier.ts):
 * a change the update role may not make (a new role, a trust, resource or
 * boundary policy, its own policies, a deletion or replacement of stateful
 * data) stops the build before anything is applied, in the log and through
 * the notification topic, asking for a person's `npx projen deploy`; a stage
 * that failed half-way on AccessDenied would fail again on every execution.
 *
 * Otherwise `pulumi up`, then a fresh execution only if the pipeline's
 * definition changed: its version goes up by one with every UpdatePipeline,
 * and the update cancels the execution this build belongs to
 * (self-update.ts). An execution the update role started itself (its trigger
 * names the role) may not restart again: a program that changes the pipeline
 * on every run would otherwise loop.
 */
export function renderSelfUpdateBuildspec(selfUpdate: SelfUpdateModel, infraDir: string): PulumiBuildspecModel {
  return pulumiBuildspec(selfUpdate, infraDir, [
    'SELF_UPDATE_TMP="$(mktemp -d)"',
    // --json prints the preview digest alone; on failure it holds the diagnostics, which the log then shows.
    'pulumi preview --json --non-interactive --stack "${PULUMI_STACK}" --cwd "${PULUMI_PROJECT_DIR}" > "${SELF_UPDATE_TMP}/preview.json" ' +
      '|| (cat "${SELF_UPDATE_TMP}/preview.json"; false)',
    COMPILE_CHECK,
    `CHECK_STATUS=0; node "\${SELF_UPDATE_TMP}/check/${SELF_UPDATE_CHECK_JS}" "\${SELF_UPDATE_TMP}/preview.json" "\${SELF_UPDATE_TMP}/stopped.txt" ` +
      `|| CHECK_STATUS=$?; if [ "\${CHECK_STATUS}" = ${STOPPED} ]; then ` +
      `aws sns publish --topic-arn "\${NOTIFICATION_TOPIC_ARN}" --subject "${STOPPED_SUBJECT}" --message "file://\${SELF_UPDATE_TMP}/stopped.txt" ` +
      '--output text > /dev/null || echo "Could not publish this to the notification topic ${NOTIFICATION_TOPIC_ARN}: the message above is the one." >&2; ' +
      'fi; [ "${CHECK_STATUS}" = 0 ]',
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
