/**
 * BuildKit's registry cache, kept in the stack's own ECR repository under one
 * tag. CodeBuild keeps its local Docker layer cache only "for a short period"
 * on the same host ("Build caching in AWS CodeBuild",
 * https://docs.aws.amazon.com/codebuild/latest/userguide/build-caching.html),
 * so most builds start cold; a cache in the registry survives between builds.
 *
 * The tag is not a commit SHA (the image tags are 40 hex digits), so it never
 * takes an image's tag; the repository excludes exactly this tag from tag
 * immutability, and the lifecycle policy never expires it.
 */
export const CACHE_TAG = 'buildcache';

/**
 * `--cache-to` parameters for ECR: `mode=max` also caches the layers of
 * intermediate stages (the dependency install of a multi-stage Dockerfile);
 * ECR stores a cache only as an OCI image manifest, so `image-manifest=true`
 * with `oci-mediatypes=true` ("Announcing remote cache support in Amazon ECR
 * for BuildKit clients", AWS Containers blog, BuildKit 0.12 or later).
 */
export const CACHE_TO_PARAMETERS = 'mode=max,image-manifest=true,oci-mediatypes=true';
