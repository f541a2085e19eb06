import { Project } from 'projen';
import { PipelineModel } from './pipeline-model';
import { PortableYamlFile } from './portable-yaml';
import { CACHE_TAG, CACHE_TO_PARAMETERS } from './registry-cache';
import { installNotationCommands, signCommands } from './signing';
import { SecretVariables } from './variables';

/**
 * The `env` of a buildspec. Secret variables are references (ARNs) that
 * CodeBuild resolves when the build starts ("Build specification reference
 * for CodeBuild", env/parameter-store and env/secrets-manager, whose
 * `secret-id` may be an ARN: https://docs.aws.amazon.com/codebuild/latest/userguide/build-spec-ref.html).
 */
export interface BuildspecEnv {
  readonly 'shell': 'bash';
  readonly 'variables': Record<string, string>;
  readonly 'parameter-store'?: Record<string, string>;
  readonly 'secrets-manager'?: Record<string, string>;
  readonly 'exported-variables'?: string[];
}

/** The `env.parameter-store` / `env.secrets-manager` entries of the secret variables that exist (none: no key). */
export function secretEnv(secrets: SecretVariables): Pick<BuildspecEnv, 'parameter-store' | 'secrets-manager'> {
  const env: { 'parameter-store'?: Record<string, string>; 'secrets-manager'?: Record<string, string> } = {};
  for (const store of ['parameter-store', 'secrets-manager'] as const) {
    if (Object.keys(secrets[store]).length > 0) env[store] = secrets[store];
  }
  return env;
}

/** A phase: its commands, and whether a failure skips the later phases. */
export interface BuildspecPhase {
  readonly 'on-failure'?: 'ABORT';
  readonly 'commands': string[];
}

/** The CodeBuild build specification, version 0.2, as a typed model. */
export interface BuildspecModel {
  readonly version: '0.2';
  readonly env: BuildspecEnv;
  readonly phases: Partial<Record<'install', BuildspecPhase>> & Record<'pre_build' | 'build' | 'post_build', BuildspecPhase>;
  readonly artifacts: { readonly files: string[] };
}

/**
 * The files the build hands to later pipeline stages ("Image definitions file
 * reference", https://docs.aws.amazon.com/codepipeline/latest/userguide/file-reference.html):
 * the standard Amazon ECS deploy action reads `imagedefinitions.json`
 * (`[{"name": <container>, "imageUri": <uri>}]`), ECS blue/green deployments
 * read `imageDetail.json` (`{"ImageURI": <uri>}`).
 */
export const IMAGE_DEFINITIONS_FILE = 'imagedefinitions.json';
export const IMAGE_DETAIL_FILE = 'imageDetail.json';

/**
 * Variables later actions read as `#{BuildVariables.<name>}`. CodeBuild takes
 * their values from the build's environment at the end of `post_build`
 * (CodeBuild API Reference, ExportedEnvironmentVariable), so each is set with
 * `export`: a plain shell assignment is not in the environment it reads
 * ("Build specification reference for CodeBuild", env/exported-variables).
 */
export const EXPORTED_VARIABLES = ['IMAGE_TAG', 'IMAGE_URI', 'IMAGE_DIGEST'];

/**
 * The BuildKit builder the build creates: the Docker driver of the curated
 * images' Docker (23 on standard:7.0) cannot export a cache ("Build drivers",
 * https://docs.docker.com/build/builders/drivers/), a docker-container
 * builder can. Creating it with `--bootstrap` pulls BuildKit's image from
 * Docker Hub at once ("docker buildx create": without it the builder boots,
 * and a pull limit fails, only at the build); when that fails the builder is
 * removed and the build runs on the default builder without refreshing the
 * cache (the default builder's older BuildKit may not read an image-manifest
 * cache either), and says so in the log. Images without buildx
 * (`standard:6.0`, `amazonlinux2-x86_64-standard:4.0` ship Docker 20.10 alone,
 * aws/aws-codebuild-docker-images) build and push with plain `docker` as
 * before, without the registry cache.
 */
export const BUILDER_NAME = 'pipeline-cache';

/**
 * Builds the buildspec from the pipeline model. Per-stack values
 * (`REPOSITORY_URI`, `REPOSITORY_NAME`, `AWS_ACCOUNT_ID`) come from the
 * CodeBuild project, so one file serves every environment.
 */
export function renderBuildspec(model: PipelineModel): BuildspecModel {
  const { build } = model;
  const signing = model.supplyChain?.signing !== undefined;
  return {
    version: '0.2',
    env: {
      'shell': 'bash',
      'variables': {
        ...build.environmentVariables, DOCKERFILE: build.dockerfile, DOCKER_CONTEXT: build.context, CONTAINER_NAME: build.containerName,
      },
      ...secretEnv(build.secrets),
      'exported-variables': EXPORTED_VARIABLES,
    },
    phases: {
      // With the supply-chain gate's signing: Notation and AWS Signer's plugin, pinned and verified before they run.
      ...(signing ? { install: { 'on-failure': 'ABORT' as const, 'commands': installNotationCommands(false) } } : {}),
      pre_build: {
        'on-failure': 'ABORT',
        'commands': [
          'export IMAGE_TAG="${CODEBUILD_RESOLVED_SOURCE_VERSION}"',
          'export IMAGE_URI="${REPOSITORY_URI}:${IMAGE_TAG}"',
          `CACHE_REF="\${REPOSITORY_URI}:${CACHE_TAG}"`,
          'aws ecr get-login-password --region "${AWS_DEFAULT_REGION}" | docker login --username AWS --password-stdin "${REPOSITORY_URI%%/*}"',
          ...build.preBuildCommands,
        ],
      },
      build: {
        'on-failure': 'ABORT',
        'commands': [
          // Release tags are immutable: a re-run for the same commit reuses the image it already pushed.
          'if aws ecr describe-images --repository-name "${REPOSITORY_NAME}" --image-ids imageTag="${IMAGE_TAG}" >/dev/null 2>&1; then IMAGE_EXISTS=true; echo "${IMAGE_URI} exists; not rebuilding"; else IMAGE_EXISTS=false; fi',
          'if [ "${IMAGE_EXISTS}" = false ]; then if docker buildx version >/dev/null 2>&1; then BUILDX=true; else BUILDX=false; echo "This build image has no docker buildx: plain docker build and push, without the registry cache"; fi; fi',
          `if [ "\${IMAGE_EXISTS}" = false ] && [ "\${BUILDX}" = true ]; then if docker buildx create --name ${BUILDER_NAME} --driver docker-container --bootstrap --use; then CACHE_TO="type=registry,ref=\${CACHE_REF},${CACHE_TO_PARAMETERS}"; else docker buildx rm ${BUILDER_NAME} >/dev/null 2>&1 || true; docker buildx use default; CACHE_TO=""; echo "No BuildKit container builder: this build runs on the default builder and cannot refresh the registry cache"; fi; fi`,
          // --provenance=false: buildx would otherwise push an image index with an attestation, not the image manifest `docker push` pushed.
          'if [ "${IMAGE_EXISTS}" = false ] && [ "${BUILDX}" = true ]; then docker buildx build --file "${DOCKERFILE}" --tag "${IMAGE_URI}" --provenance=false --cache-from "type=registry,ref=${CACHE_REF}" ${CACHE_TO:+--cache-to "${CACHE_TO}"} --push "${DOCKER_CONTEXT}"; fi',
          'if [ "${IMAGE_EXISTS}" = false ] && [ "${BUILDX}" = false ]; then docker build --file "${DOCKERFILE}" --tag "${IMAGE_URI}" "${DOCKER_CONTEXT}" && docker push "${IMAGE_URI}"; fi',
        ],
      },
      post_build: {
        commands: [
          // Assigned first, exported after: `export X="$(cmd)"` succeeds even when cmd fails.
          'IMAGE_DIGEST="$(aws ecr describe-images --repository-name "${REPOSITORY_NAME}" --image-ids imageTag="${IMAGE_TAG}" --query "imageDetails[0].imageDigest" --output text)" && export IMAGE_DIGEST',
          // The digest just read is the one signed: what the deploy stages verify (post_build fails the build on error).
          ...(signing ? signCommands() : []),
          `printf '{"ImageURI":"%s"}' "\${IMAGE_URI}" > ${IMAGE_DETAIL_FILE}`,
          `printf '[{"name":"%s","imageUri":"%s"}]' "\${CONTAINER_NAME}" "\${IMAGE_URI}" > ${IMAGE_DEFINITIONS_FILE}`,
          ...build.postBuildCommands,
        ],
      },
    },
    artifacts: { files: [IMAGE_DETAIL_FILE, IMAGE_DEFINITIONS_FILE] },
  };
}

/** Writes `buildspec.yml` as a managed YAML file whose strings survive any YAML reader. */
export class BuildspecFile extends PortableYamlFile {
  public constructor(project: Project, filePath: string, model: PipelineModel) {
    super(project, filePath, { obj: renderBuildspec(model) });
  }
}
