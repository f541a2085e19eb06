import * as cloudwatch from '@pulumi/aws/cloudwatch';
import type * as ecr from '@pulumi/aws/ecr';
import { getPartition } from '@pulumi/aws/getPartition';
import * as signer from '@pulumi/aws/signer';
import type * as sns from '@pulumi/aws/sns';
import * as pulumi from '@pulumi/pulumi';
import { topicNotice } from '../../parts/notifications';
import { Scope } from '../../scope';
import { PipelineSettings } from '../../settings';

/**
 * Image signing (`pipeline.supplyChain.signing`): the stack's AWS Signer signing profile, what the build needs to
 * sign the pushed image by digest and each deploy stage to verify it before its own commands (the managed
 * buildspecs run Notation with AWS Signer's plugin), the "Signature" notification and the approval's evidence.
 * Nothing here without signing. The parts receive what signing adds to them (environment variables, statements)
 * from pipeline.ts, so that they never import a feature.
 */

/** The signing platform of container images ("Create a Signer signing profile": Notation for container registries). */
export const SIGNING_PLATFORM = 'Notation-OCI-SHA384-ECDSA';
/** The variable the managed buildspecs read the profile from (`notation sign --id`, the trust policy's trusted identity). */
export const SIGNING_PROFILE_VARIABLE = 'SIGNING_PROFILE_ARN';
/** The variable a deploy stage's trust policy scopes its registry with (`registryScopes`). */
export const REPOSITORY_VARIABLE = 'REPOSITORY_URI';

/**
 * The partitions whose Notation trust anchor the managed buildspecs install: AWS Signer's commercial root
 * certificate in the `aws-signer-ts` trust store. AWS GovCloud (US) signs under a root of its own (its own
 * certificate and `aws-us-gov-signer-ts` store: "Prerequisites for signing container images", AWS Signer
 * Developer Guide, https://docs.aws.amazon.com/signer/latest/developerguide/image-signing-prerequisites.html;
 * "AWS Signer in AWS GovCloud (US)": "AWS Signer automatically uses the GovCloud partition specific root
 * certificate when signing", https://docs.aws.amazon.com/govcloud-us/latest/UserGuide/govcloud-Signer.html),
 * and revocation answers only within a partition (same page), so a stage there would refuse every image.
 */
export const SIGNING_PARTITIONS = ['aws'];

/**
 * Stops the program before any resource is registered when signing is on and the stack deploys to a partition
 * whose trust anchor the buildspecs do not install. The partition is known only when the program runs.
 */
export function assertSigningAvailable(settings: PipelineSettings, partition: string): void {
  if (!settings.supplyChain?.signing || SIGNING_PARTITIONS.includes(partition)) return;
  throw new Error(
    `pipeline.supplyChain.signing: this stack deploys to the ${partition} partition, where AWS Signer signs under another root ` +
    'certificate and trust store than the one the managed buildspecs verify against (they support the aws partition only), ' +
    'so every deploy stage would refuse every image. Set `signing: false` in pipeline.supplyChain (`signing=False` in ' +
    '.projenrc.py) to keep the scan gate without signing, or deploy this stack to the aws partition.',
  );
}

/** `assertSigningAvailable` for the stack's own partition. */
export async function assertSigningAvailableHere(settings: PipelineSettings): Promise<void> {
  if (!settings.supplyChain?.signing) return;
  assertSigningAvailable(settings, (await getPartition({})).partition);
}

/**
 * The stack's signing profile, logical name `signing-profile`; undefined without signing. Its name is the
 * rendered prefix and a unique suffix the provider adds (`namePrefix`): AWS Signer never reuses the name of a
 * canceled profile ("PutSigningProfile", AWS Signer API Reference: profileName `^[a-zA-Z0-9_]{2,}`, 2 to 64
 * characters), so a replaced profile needs a new one. Platform and validity period ("PutSigningProfile":
 * platformId, signatureValidityPeriod { type DAYS|MONTHS|YEARS, value }; 135 months is the default and the
 * maximum, "Signing profiles in AWS Signer", https://docs.aws.amazon.com/signer/latest/developerguide/gs-profile.html).
 */
export function signingProfile(scope: Scope, settings: PipelineSettings): signer.SigningProfile | undefined {
  const signing = settings.supplyChain?.signing;
  if (!signing) return undefined;
  return new signer.SigningProfile('signing-profile', {
    namePrefix: scope.names.signingProfilePrefix,
    platformId: SIGNING_PLATFORM,
    signatureValidityPeriod: { type: 'MONTHS', value: signing.validityMonths },
    tags: scope.tags,
  }, { parent: scope.parent });
}

/**
 * Every profile this stack may have, its versions included, as one ARN pattern
 * (`arn:<partition>:signer:<region>:<account>:/signing-profiles/<prefix>*`; ARN shape: "Actions, resources, and
 * condition keys for AWS Signer", resource type signing-profile,
 * https://docs.aws.amazon.com/service-authorization/latest/reference/list_awssigner.html). The ceilings and the
 * update role name the profile before it exists, so by its prefix; the build and deploy roles name the profile
 * itself. Undefined without signing.
 */
export function signingProfilePattern(scope: Scope, settings: PipelineSettings): pulumi.Output<string> | undefined {
  if (!settings.supplyChain?.signing) return undefined;
  const { partition, region, accountId, names } = scope;
  return pulumi.interpolate`arn:${partition}:signer:${region}:${accountId}:/signing-profiles/${names.signingProfilePrefix}*`;
}

/** Signing jobs of this account and region (resource type signing-job, same reference): a signature's revocation is read by its job. */
const signingJobs = (scope: Scope) => pulumi.interpolate`arn:${scope.partition}:signer:${scope.region}:${scope.accountId}:/signing-jobs/*`;

/** A CodeBuild project's plain-text environment variable. */
export interface ProjectVariable {
  readonly name: string;
  readonly value: pulumi.Input<string>;
  readonly type: 'PLAINTEXT';
}

/** What signing adds to a CodeBuild project: variables its buildspec reads and statements its role needs. */
export interface SigningAdditions {
  readonly environmentVariables: ProjectVariable[];
  readonly statements: object[];
}

/**
 * What the build needs to sign: the profile's (unversioned) ARN, which `notation sign --id` takes, and
 * `signer:SignPayload` on exactly that profile (AWS Signer's Notation plugin signs with SignPayload, which
 * authorizes on the signing-profile resource type: "Actions, resources, and condition keys for AWS Signer").
 * Pushing the signature beside the image (an OCI referrer, "Sign images in Amazon ECR",
 * https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-signing.html) takes the image push actions the
 * build's role already has on this repository. Undefined without signing.
 */
export function buildSigning(profile: signer.SigningProfile | undefined): SigningAdditions | undefined {
  if (!profile) return undefined;
  return {
    environmentVariables: [{ name: SIGNING_PROFILE_VARIABLE, value: profile.arn, type: 'PLAINTEXT' }],
    statements: [{ Sid: 'SignWithTheProfile', Effect: 'Allow', Action: 'signer:SignPayload', Resource: profile.arn }],
  };
}

/**
 * The statements a deploy stage's verification needs, on `profiles` (the profile and its versions) and
 * `repository`: AWS's example policy for verifying ("Prerequisites for signing container images": pulling the
 * image and its signature takes `ecr:GetAuthorizationToken`, which has no resource type, and
 * `ecr:BatchGetImage` and `ecr:GetDownloadUrlForLayer` on the repository), and the revocation check of strict
 * verification: `signer:GetRevocationStatus`, which authorizes on both a signing-profile and a signing-job
 * ("Actions, resources, and condition keys for AWS Signer"), and which AWS Signer's Notation plugin calls with
 * the profile's version ARN (`<profile>/<version>`) and the signature's job (aws/aws-signer-notation-plugin,
 * internal/verifier). Reading, never writing: a stage still cannot push.
 */
function verificationStatements(scope: Scope, profiles: pulumi.Input<string>[], repository: pulumi.Input<string>): object[] {
  return [
    { Sid: 'LogInToEcrToVerify', Effect: 'Allow', Action: 'ecr:GetAuthorizationToken', Resource: '*' },
    { Sid: 'ReadTheImageAndSignature', Effect: 'Allow', Action: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'], Resource: repository },
    { Sid: 'CheckRevocation', Effect: 'Allow', Action: 'signer:GetRevocationStatus', Resource: [...profiles, signingJobs(scope)] },
  ];
}

/**
 * What each deploy stage needs to verify the image before its own commands: the profile's ARN (the trust
 * policy's only trusted identity), this stack's repository's URI (its only registry scope) and the reads above,
 * scoped to this profile and repository. Undefined without signing.
 */
export function deployVerification(scope: Scope, profile: signer.SigningProfile | undefined,
  repository: ecr.Repository): SigningAdditions | undefined {
  if (!profile) return undefined;
  return {
    environmentVariables: [
      { name: SIGNING_PROFILE_VARIABLE, value: profile.arn, type: 'PLAINTEXT' },
      { name: REPOSITORY_VARIABLE, value: repository.repositoryUrl, type: 'PLAINTEXT' },
    ],
    statements: verificationStatements(scope, [profile.arn, pulumi.interpolate`${profile.arn}/*`], repository.arn),
  };
}

/** The build's ceiling (boundary.ts) for signing: SignPayload on this stack's profiles only. None without signing. */
export function signingCeiling(scope: Scope, settings: PipelineSettings): object[] {
  const profiles = signingProfilePattern(scope, settings);
  return profiles ? [{ Sid: 'SignWithTheProfile', Effect: 'Allow', Action: 'signer:SignPayload', Resource: profiles }] : [];
}

/** A deploy stage's ceiling (boundary.ts) for verification: the same reads, on this stack's profiles and repository. None without signing. */
export function verificationCeiling(scope: Scope, settings: PipelineSettings, repository: pulumi.Input<string>): object[] {
  const profiles = signingProfilePattern(scope, settings);
  return profiles ? verificationStatements(scope, [profiles], repository) : [];
}

/** The update role's group of PutSigningProfile, which AWS authorizes on "*" only (its statement's Sid is `Manage<this>`). */
export const NEW_SIGNING_PROFILES = 'NewSigningProfiles';

/**
 * What the self-update's roles may do to the stack's signing profile, as resource groups of
 * features/self-update/stack-access.ts (`read` for the drift check, `read` and `change` for the update role):
 * the provider reads the profile with GetSigningProfile and ListTagsForResource and changes only its tags in place
 * (TagResource, UntagResource, on the signing-profile resource type: "Actions, resources, and condition keys for
 * AWS Signer"). PutSigningProfile, which creates it, has no resource type (AWS authorizes it on "*" only), so its
 * statement keeps to the program's tag keys (`tagKeys`, an `aws:TagKeys` condition, one of its condition keys)
 * instead. Cancelling or revoking a profile and its permissions are never the update role's
 * (update-role-never.ts): a replaced profile is a person's deploy. Both in the roles' second policy
 * (`pipeline`), for IAM's size limit.
 */
export function signingProfileAccess(profiles: pulumi.Output<string>, tagKeys: object) {
  return [
    {
      sid: 'SigningProfile',
      resources: profiles,
      read: ['signer:GetSigningProfile', 'signer:ListTagsForResource'],
      change: ['signer:TagResource', 'signer:UntagResource'],
      pipeline: true,
    },
    { sid: NEW_SIGNING_PROFILES, resources: '*', read: [] as string[], change: ['signer:PutSigningProfile'], condition: tagKeys, pipeline: true },
  ];
}

/**
 * The evidence a manual approval adds for signing: the digest the approval names is signed by this stack's
 * profile, and the stage verifies it before its commands. CustomData holds at most 500 characters (see
 * `scanEvidence`; the guardrails check it), so it is short and names no ARN: with GitHub's longest owner (39) and
 * repository (100) names, the longest stage name the role names allow and the scan's evidence, the whole text
 * stays within 500. Empty without signing.
 */
export function signingEvidence(settings: PipelineSettings): string {
  if (!settings.supplyChain?.signing) return '';
  return ' Signature: signed by this stack\'s profile, verified before deploy.';
}

/** The verification's notification rule: under the gates' rule prefix `<pipeline>-gate-*`, which the boundaries already cover. */
export const signatureRuleName = (scope: Scope) => `${scope.names.pipeline}-gate-signature`;

/** The rules that publish the signature's notification, by physical name: one with signing and deploy stages (the topic policy names them before they exist). */
export function signatureNotificationRules(scope: Scope, settings: PipelineSettings): string[] {
  return settings.supplyChain?.signing && scope.stageNames.length > 0 ? [signatureRuleName(scope)] : [];
}

export interface SignatureNotificationArgs {
  readonly topic: sns.Topic;
  readonly topicPolicy: sns.TopicPolicy;
  readonly settings: PipelineSettings;
}

/**
 * A deploy stage that refused its image reaches the pipeline's topic with a message of its own ("Signature"),
 * not only as the execution's FAILED. The verification is the deploy buildspec's INSTALL phase, before any of
 * the stage's own commands, so the rule matches CodeBuild's "CodeBuild Build Phase Change" events of the deploy
 * projects whose completed phase is INSTALL with status FAILED, TIMED_OUT or FAULT (fields `project-name`, `build-id`,
 * `completed-phase`, `completed-phase-status`: "Build notifications input format reference", AWS CodeBuild User
 * Guide, https://docs.aws.amazon.com/codebuild/latest/userguide/sample-build-notifications-ref.html; phase
 * statuses: "BuildPhase", AWS CodeBuild API Reference). Logical names `gate-signature` and
 * `gate-signature-to-topic`; none without signing or without deploy stages.
 */
export function signatureNotification(scope: Scope, args: SignatureNotificationArgs): void {
  if (signatureNotificationRules(scope, args.settings).length === 0) return;
  const parent = { parent: scope.parent };
  const pipeline = scope.names.pipeline;
  const rule = new cloudwatch.EventRule('gate-signature', {
    name: signatureRuleName(scope),
    description: `Deploy stages of ${pipeline} that refused their image (signature verification)`,
    eventPattern: pulumi.jsonStringify({
      'source': ['aws.codebuild'],
      'detail-type': ['CodeBuild Build Phase Change'],
      'detail': {
        'project-name': scope.stageNames.map(stage => stage.deployProject),
        'completed-phase': ['INSTALL'],
        // A verification that hangs (a download that never ends) times out rather than fails: Lambda compute stops every
        // build at 15 minutes. FAULT is CodeBuild's own error in the phase. Each leaves the stage undeployed.
        'completed-phase-status': ['FAILED', 'TIMED_OUT', 'FAULT'],
      },
    }),
    state: 'ENABLED',
    tags: scope.tags,
  }, parent);
  const message = `Signature: the deploy project <project> of ${pipeline} refused its image before running any deploy command: its ` +
    'digest has no valid signature of this pipeline\'s signing profile (unsigned, signed by another profile, re-tagged, not of this ' +
    'pipeline\'s repository, expired or revoked), or Notation could not be installed to check it. Nothing was deployed by this ' +
    'stage. The build\'s log (INSTALL phase, lines starting "Signature:") says which: build <build>, https://<region>.console.aws.amazon.com/codesuite/codebuild/projects/<project>/history?region=<region>';
  topicNotice(scope, 'gate-signature-to-topic', {
    rule,
    topic: args.topic,
    topicPolicy: args.topicPolicy,
    message,
    inputPaths: { project: '$.detail.project-name', build: '$.detail.build-id', region: '$.region' },
  });
}
