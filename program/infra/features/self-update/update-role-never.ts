import * as pulumi from '@pulumi/pulumi';
import { StackArns } from './stack-arns';
import { Scope } from '../../scope';

/*
 * THREAT MODEL (with `selfUpdate`; the consumer README's "Security model" states it for users).
 *
 * Who: anyone who can push to the pipeline's branch (or a compromised build dependency: an npm package, a base
 * image) runs code in the pipeline: the build's commands with the build role, each deploy stage's commands with
 * that stage's role, and, with self-update, the Pulumi program itself with the update role. Nothing a commit
 * brings can be trusted, so each role is judged by what a malicious commit could make it do.
 *
 * What such a commit can do, and what it cannot:
 * - Build role: build and push images to this stack's repository, read and write the artifacts, read the
 *   build's secrets (`codeBuild.secrets`). It cannot reach a deploy target, the state bucket or a stage's
 *   secrets: its boundary (`buildCeiling`) holds none of them, whatever a commit makes the update role write
 *   into its policy.
 * - A deploy stage's role: deploy the built image with its own target role and secrets. Its boundary
 *   (`stageCeiling`) holds that target and those secrets only: not another stage's (a `dev` commit cannot
 *   assume `prod`'s role), not the build's registry writes, not the state.
 * - Pipeline role: start this stack's projects, move artifacts, use the connection, publish approvals.
 * - Update role (runs `pulumi up` with the commit's program): change this stack's resources in place within the
 *   explicit lists of stack-access.ts. It never (`UPDATE_ROLE_NEVER`, denied in its boundary; its policy grants
 *   none of it except UpdateRole and role tags on `arns.roles`, its own role among them, which only these denies
 *   withhold from its own role): creates a role (a role trusted by another account would hand it everything), changes a trust policy,
 *   changes a resource policy (key, bucket, topic, repository, registry, log resource policy), creates a KMS
 *   grant, cancels or revokes the signing profile or a signature, or lets another account sign with it,
 *   deletes or schedules the deletion of a stateful resource (key, bucket, repository, images, log group)
 *   or deletes data by rule (an image lifecycle policy, a shorter log retention),
 *   changes any boundary, rewrites its own role's policies or boundary, or tags a role with a key the program
 *   does not use (`aws:PrincipalTag` conditions elsewhere in the account). What it may change on another role
 *   (a new version of its policy) stays within that role's own boundary, which it cannot change.
 * - Drift role: read this stack, its state and its program; write only its own logs.
 * - Events role: start the drift check.
 *
 * What stays a person's `npx projen deploy`: a new role (a new deploy stage), a changed trust, resource policy or
 * boundary, a new tag key, a change to the update role's own grants, a deletion of stateful data. The update
 * stage stops before applying such a change (the preview classification, self-update buildspec).
 *
 * Not expressible in IAM, so held only by branch protection with selfUpdate: CodePipeline's UpdatePipeline has no
 * condition key on the pipeline's structure (a commit may drop an approval or point a stage at another stage's
 * project); aws:TagKeys limits tag keys, not their values; events:PutTargets and sns:Subscribe are not limited
 * to this stack's targets and e-mails; a bucket or log group may be re-encrypted with another key. The preview
 * gate stops honest changes of these kinds, but it runs from the commit.
 *
 * Out of scope: a person with IAM rights in the account, the GitHub side (branch protection decides who can
 * push), the target accounts' own trust in the deploy roles, and AWS itself.
 *
 * Every claim above is a row of test/iam-evaluation.test.ts, evaluated by IAM's own rules (identity policies ∩
 * boundary, with the key's and bucket's resource policies).
 */

/**
 * What the update role may never do: denied in its boundary (where no commit can remove it) and granted
 * nowhere in its policy; checked by name in the guardrails (guardrails/self-update.ts) and evaluated in
 * test/iam-evaluation.test.ts. Actions from the Service Authorization Reference, "Actions, resources, and
 * condition keys for" AWS Identity and Access Management, AWS Key Management Service, Amazon S3, Amazon SNS,
 * Amazon Elastic Container Registry, Amazon CloudWatch Logs and AWS Signer. No condition key of iam:CreateRole constrains
 * the trust policy (its keys: iam:PermissionsBoundary, aws:RequestTag, aws:TagKeys), so creating roles is
 * denied outright. SNS: "To remove the ability to change topic permissions, you must deny permissions to the
 * AddPermission, RemovePermission, and SetTopicAttributes actions" (Amazon SNS API Reference,
 * SetTopicAttributes). ecr:PutRegistryPolicy, ecr:DeleteRegistryPolicy and logs:PutResourcePolicy are
 * authorized on "*" only, hence the denies' `Resource: "*"`.
 */
export const UPDATE_ROLE_NEVER = {
  /**
   * A new role could trust another account; a trust policy says who assumes a role; a boundary is a ceiling;
   * an inline policy or a new attachment would add grants outside the stack's managed policies.
   */
  rolesTrustAndBoundaries: [
    'iam:CreateRole', 'iam:UpdateAssumeRolePolicy', 'iam:PutRolePermissionsBoundary', 'iam:DeleteRolePermissionsBoundary',
    'iam:PutRolePolicy', 'iam:DeleteRolePolicy', 'iam:AttachRolePolicy', 'iam:DetachRolePolicy',
  ],
  /** Who may use a resource: its resource policy, a KMS grant, an ACL, the public access block. */
  resourcePolicies: [
    'kms:PutKeyPolicy', 'kms:CreateGrant', 's3:PutBucketPolicy', 's3:DeleteBucketPolicy', 's3:PutBucketAcl', 's3:PutBucketPublicAccessBlock',
    'sns:SetTopicAttributes', 'sns:AddPermission', 'sns:RemovePermission', 'ecr:SetRepositoryPolicy', 'ecr:DeleteRepositoryPolicy',
    'ecr:PutRegistryPolicy', 'ecr:DeleteRegistryPolicy', 'logs:PutResourcePolicy', 's3:PutBucketOwnershipControls',
  ],
  /** The stateful resources and their data. */
  statefulDeletions: [
    'kms:ScheduleKeyDeletion', 'kms:DisableKey', 's3:DeleteBucket', 'ecr:DeleteRepository', 'ecr:BatchDeleteImage', 'logs:DeleteLogGroup',
    // Deletions by rule: an image lifecycle policy expires images, a shorter retention deletes logs.
    'ecr:PutLifecyclePolicy', 'logs:PutRetentionPolicy',
  ],
  /** Changes to a managed policy that must not reach a boundary or the update role's own policies. */
  policyChanges: ['iam:CreatePolicyVersion', 'iam:DeletePolicyVersion', 'iam:SetDefaultPolicyVersion', 'iam:DeletePolicy'],
  /** Changes to the update role itself (its policies' versions are in `policyChanges`, attachments above). */
  ownRoleChanges: ['iam:UpdateRole', 'iam:UpdateRoleDescription'],
  /** Role tags other than the program's own keys. */
  roleTagging: ['iam:TagRole', 'iam:UntagRole'],
  /**
   * The signing profile is the trust anchor of every deploy stage: cancelling it stops signing, revoking a
   * signature or the profile makes deployed images fail verification (a rollback among them), and a profile
   * permission lets another account sign as this pipeline. As patterns, to fit the boundary in IAM's size limit:
   * `Revoke*` is RevokeSignature and RevokeSigningProfile, `*ProfilePermission` is AddProfilePermission and
   * RemoveProfilePermission, and nothing else of AWS Signer ("Actions, resources, and condition keys for AWS Signer").
   */
  signing: ['signer:CancelSigningProfile', 'signer:Revoke*', 'signer:*ProfilePermission'],
};

/**
 * The update role's denies, in its boundary: no commit can remove them (the role's policy, which grants none
 * of these actions, cannot be rewritten by the role either: `NeverBoundariesOrOwnPolicies`).
 */
export function updateRoleDenies(scope: Scope, arns: StackArns): object[] {
  const never = UPDATE_ROLE_NEVER;
  return [
    { Sid: 'NeverRolesTrustOrBoundaries', Effect: 'Deny', Action: never.rolesTrustAndBoundaries, Resource: '*' },
    { Sid: 'NeverResourcePolicies', Effect: 'Deny', Action: never.resourcePolicies, Resource: '*' },
    { Sid: 'NeverDeleteStatefulResources', Effect: 'Deny', Action: never.statefulDeletions, Resource: '*' },
    {
      Sid: 'NeverBoundariesOrOwnPolicies',
      Effect: 'Deny',
      Action: never.policyChanges,
      // `<updateRole>*`: the update role's own policies (`<updateRole>`, `<updateRole>-pipeline`, `...-pipeline-projects`).
      Resource: [arns.anyBoundary, pulumi.interpolate`${arns.policy('updateRole')}*`],
    },
    { Sid: 'NeverOwnRole', Effect: 'Deny', Action: never.ownRoleChanges, Resource: arns.role('updateRole') },
    { Sid: 'NeverCancelOrRevokeSigning', Effect: 'Deny', Action: never.signing, Resource: '*' },
    {
      // With a tag key outside the program's, `ForAnyValue:StringNotEquals` matches and the deny holds.
      Sid: 'NeverOtherTagKeys',
      Effect: 'Deny',
      Action: never.roleTagging,
      Resource: '*',
      Condition: { 'ForAnyValue:StringNotEquals': { 'aws:TagKeys': Object.keys(scope.tags).sort() } },
    },
  ];
}
