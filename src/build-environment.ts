import { BuildArchitecture, BuildImage, DeployComputeType } from './pipeline-props';
import { OptionPath, Problems } from './validation';

/**
 * CodeBuild's environment types per architecture ("Build environment compute
 * modes and types", https://docs.aws.amazon.com/codebuild/latest/userguide/build-env-ref-compute-types.html):
 * every BUILD_GENERAL1 size from SMALL to 2XLARGE exists for both
 * LINUX_CONTAINER and ARM_CONTAINER, and Lambda compute (BUILD_LAMBDA_*) runs
 * in LINUX_LAMBDA_CONTAINER / ARM_LAMBDA_CONTAINER only.
 */
export const CONTAINER_TYPE: Record<BuildArchitecture, string> = {
  [BuildArchitecture.X86_64]: 'LINUX_CONTAINER',
  [BuildArchitecture.ARM64]: 'ARM_CONTAINER',
};
export const LAMBDA_CONTAINER_TYPE: Record<BuildArchitecture, string> = {
  [BuildArchitecture.X86_64]: 'LINUX_LAMBDA_CONTAINER',
  [BuildArchitecture.ARM64]: 'ARM_LAMBDA_CONTAINER',
};

/**
 * The curated images of each architecture ("Docker images provided by
 * CodeBuild", https://docs.aws.amazon.com/codebuild/latest/userguide/build-env-ref-available.html).
 * The registry cache needs the buildx plugin: ubuntu/standard/7.0 installs
 * buildx 0.11 beside Docker 23, al/aarch64/standard/3.0 buildx 0.20 beside
 * Docker 27 (aws/aws-codebuild-docker-images); standard:6.0 and
 * amazonlinux2-x86_64-standard:4.0 ship Docker 20.10 without it, and build
 * with plain `docker` (buildspec.ts).
 */
export const IMAGES_OF: Record<BuildArchitecture, BuildImage[]> = {
  [BuildArchitecture.X86_64]: [BuildImage.STANDARD_7_0, BuildImage.STANDARD_6_0, BuildImage.AMAZON_LINUX_2023_5_0, BuildImage.AMAZON_LINUX_2_4_0],
  [BuildArchitecture.ARM64]: [BuildImage.AMAZON_LINUX_2023_AARCH64_3_0],
};
export const DEFAULT_IMAGE: Record<BuildArchitecture, BuildImage> = {
  [BuildArchitecture.X86_64]: BuildImage.STANDARD_7_0,
  [BuildArchitecture.ARM64]: BuildImage.AMAZON_LINUX_2023_AARCH64_3_0,
};

/**
 * The curated Lambda image a Lambda deploy stage runs ("Lambda compute images",
 * https://docs.aws.amazon.com/codebuild/latest/userguide/lambda-compute-images.html):
 * Lambda images are one per runtime, and every one has the AWS CLI v2 a
 * deploy command typically calls; Node.js keeps `npx` at hand.
 */
export const LAMBDA_IMAGE: Record<BuildArchitecture, string> = {
  [BuildArchitecture.X86_64]: 'aws/codebuild/amazonlinux-x86_64-lambda-standard:nodejs22',
  [BuildArchitecture.ARM64]: 'aws/codebuild/amazonlinux-aarch64-lambda-standard:nodejs22',
};

/**
 * Lambda compute runs a build for at most 15 minutes and takes no build or
 * queue timeout of its own (CodeBuild rejects `queuedTimeoutInMinutes` "for
 * lambda compute"; "Run builds on AWS Lambda compute", Limitations,
 * https://docs.aws.amazon.com/codebuild/latest/userguide/lambda.html).
 */
export const LAMBDA_MAX_MINUTES = 15;

/** Whether a deploy compute type is Lambda compute. */
export function isLambda(compute: string): boolean {
  return compute.startsWith('BUILD_LAMBDA_');
}

/** The CodeBuild environment a deploy stage's project gets. */
export interface DeployEnvironment {
  readonly type: string;
  readonly computeType: string;
  readonly image: string;
  /** The longest a deploy may run: Lambda's cap, or the build's timeout on EC2. */
  readonly timeoutMinutes: number;
}

export function deployEnvironment(compute: DeployComputeType, architecture: BuildArchitecture, buildImage: string,
  buildTimeoutMinutes: number): DeployEnvironment {
  return isLambda(compute)
    ? { type: LAMBDA_CONTAINER_TYPE[architecture], computeType: compute, image: LAMBDA_IMAGE[architecture], timeoutMinutes: LAMBDA_MAX_MINUTES }
    : { type: CONTAINER_TYPE[architecture], computeType: compute, image: buildImage, timeoutMinutes: buildTimeoutMinutes };
}

/**
 * Checks `codeBuild.architecture` against `codeBuild.image`: CodeBuild runs an
 * x86_64 image only in LINUX_CONTAINER and an aarch64 one only in
 * ARM_CONTAINER, so a mismatch would fail every build. Returns the
 * architecture and the image, defaulted.
 */
export function resolveArchitecture(p: Problems, path: OptionPath, architecture: unknown, image: unknown):
{ architecture: BuildArchitecture; image: BuildImage } {
  const archPath = path.option('architecture');
  const imagePath = path.option('image');
  const archOk = architecture === undefined || p.oneOf(archPath, architecture, Object.values(BuildArchitecture));
  const arch = archOk && architecture !== undefined ? architecture as BuildArchitecture : BuildArchitecture.X86_64;
  if (!p.oneOf(imagePath, image, Object.values(BuildImage))) return { architecture: arch, image: DEFAULT_IMAGE[arch] };
  if (archOk && !IMAGES_OF[arch].includes(image as BuildImage)) {
    p.add(imagePath, `${JSON.stringify(image)} is not an image for ${p.name(archPath)} ${JSON.stringify(arch)} ` +
      `(CodeBuild runs ${arch} builds on ${IMAGES_OF[arch].map(i => JSON.stringify(i)).join(', ')})`);
  }
  return { architecture: arch, image: image as BuildImage };
}
