import * as fs from 'fs';
import * as path from 'path';
import * as fc from 'fast-check';
import { FULL_PROPS, settingsFor, snapshotDir, tempDir } from './helpers';
import { isTaggable, runUnderMocks } from '../program/infra/guardrails/mock-run';
import { CicdPipelineProject } from '../src/cicd-pipeline-project';
import { LOG_RETENTION_DAYS, resolvePipeline } from '../src/pipeline-model';
import { BuildArchitecture, BuildComputeType, BuildImage, PipelineExecutionState, PipelineProps } from '../src/pipeline-props';
import { PipelineConfigError } from '../src/validation';

/**
 * Bad input must fail early, loudly and completely: `resolvePipeline` throws
 * one `PipelineConfigError` whose problems each name the option they concern
 * ("pipeline.<path>: <message>"), never another exception type, and never a
 * half-written project.
 */

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

/** The problems `resolvePipeline` reports for `props`; fails if it accepts them or throws anything else. */
function problemsOf(props: unknown): readonly string[] {
  try {
    resolvePipeline(props as PipelineProps);
  } catch (error) {
    if (error instanceof PipelineConfigError) return error.problems;
    throw new Error(`expected a PipelineConfigError, got ${String(error)}`);
  }
  throw new Error(`resolvePipeline accepted invalid props: ${JSON.stringify(props)}`);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A problem at exactly `optionPath` whose message contains `fragment`. */
function problemAt(optionPath: string, fragment: string) {
  return expect.stringMatching(new RegExp(`^${escapeRegExp(optionPath)}: .*${escapeRegExp(fragment)}`, 's'));
}

/** `n` distinct, individually valid custom tags. */
function customTags(n: number): Record<string, string> {
  return Object.fromEntries(Array.from({ length: n }, (_, i) => [`Key${i}`, `value-${i}`]));
}

const ARN_UUID = '0b3e5a8e-1111-4222-8333-944455556666';
const REPO = 'acme/app';

// ---------------------------------------------------------------------------
// 1. Hand-written bad inputs: [description, props, option path, message fragment]
// ---------------------------------------------------------------------------

type BadInput = [description: string, props: unknown, optionPath: string, fragment: string];

const BAD_INPUTS: BadInput[] = [
  // --- the props object itself, unknown keys -------------------------------
  ['props are null', null, 'pipeline', 'must be an object (got null)'],
  ['props are a list', [REPO], 'pipeline', 'must be an object (got a list)'],
  ['a typo in a top-level option (branchName)', { repository: REPO, branchName: 'main' }, 'pipeline.branchName', 'is not an option'],
  ['a typo in a nested option (codeBuild.timeout)', { repository: REPO, codeBuild: { timeout: 30 } }, 'pipeline.codeBuild.timeout', 'is not an option'],

  // --- repository ----------------------------------------------------------
  ['repository missing', {}, 'pipeline.repository', 'is required'],
  ['repository without owner (no slash)', { repository: 'acme' }, 'pipeline.repository', 'must be "owner/name"'],
  ['repository with two slashes', { repository: 'acme/app/extra' }, 'pipeline.repository', 'must be "owner/name"'],
  ['repository empty', { repository: '' }, 'pipeline.repository', 'must be "owner/name"'],
  ['repository owner with "_"', { repository: 'ac_me/app' }, 'pipeline.repository', 'owner "ac_me" is not a GitHub account name'],
  ['repository owner with a leading hyphen', { repository: '-acme/app' }, 'pipeline.repository', 'owner "-acme" is not a GitHub account name'],
  ['repository owner with a double hyphen', { repository: 'acme--corp/app' }, 'pipeline.repository', 'owner "acme--corp" is not a GitHub account name'],
  ['repository owner of 40 characters', { repository: `${'a'.repeat(40)}/app` }, 'pipeline.repository', 'is not a GitHub account name'],
  ['repository name ".."', { repository: 'acme/..', name: 'app' }, 'pipeline.repository', 'name ".." is not a GitHub repository name'],
  ['repository name empty', { repository: 'acme/', name: 'app' }, 'pipeline.repository', 'name "" is not a GitHub repository name'],
  ['repository name of 101 characters', { repository: `acme/${'r'.repeat(101)}` }, 'pipeline.repository', 'is not a GitHub repository name'],
  ['repository is a number (wrong type)', { repository: 42 }, 'pipeline.repository', 'must be a string (got number 42)'],
  ['repository owner with non-ASCII "é" (unicode)', { repository: 'acmé/app' }, 'pipeline.repository', 'owner "acmé" is not a GitHub account name'],
  ['repository name with CJK characters (unicode)', { repository: 'acme/アプリ', name: 'app' }, 'pipeline.repository', 'name "アプリ" is not a GitHub repository name'],
  ['pipeline name not derivable from repository "acme/---"', { repository: 'acme/---' }, 'pipeline.name', 'cannot be derived from the repository name "---"'],

  // --- branch --------------------------------------------------------------
  ['branch with a space', { repository: REPO, branch: 'feature branch' }, 'pipeline.branch', 'is not a valid git branch name'],
  ['branch with ".."', { repository: REPO, branch: 'release..next' }, 'pipeline.branch', 'is not a valid git branch name'],
  ['branch with "~"', { repository: REPO, branch: 'main~1' }, 'pipeline.branch', 'is not a valid git branch name'],
  ['branch with a trailing "/"', { repository: REPO, branch: 'feature/' }, 'pipeline.branch', 'is not a valid git branch name'],
  ['branch ending in ".lock"', { repository: REPO, branch: 'main.lock' }, 'pipeline.branch', 'is not a valid git branch name'],
  ['branch with a leading "-"', { repository: REPO, branch: '-main' }, 'pipeline.branch', 'is not a valid git branch name'],
  ['branch with the glob "*"', { repository: REPO, branch: 'release/*' }, 'pipeline.branch', 'is not a valid git branch name'],
  ['branch with a component starting with "."', { repository: REPO, branch: 'feature/.hidden' }, 'pipeline.branch', 'is not a valid git branch name'],
  ['branch empty', { repository: REPO, branch: '' }, 'pipeline.branch', 'is not a valid git branch name'],
  ['branch is a number (wrong type)', { repository: REPO, branch: 7 }, 'pipeline.branch', 'must be a string (got number 7)'],

  // --- filePaths -----------------------------------------------------------
  ['filePaths with 9 entries', { repository: REPO, filePaths: Array.from({ length: 9 }, (_, i) => `dir${i}/**`) }, 'pipeline.filePaths', 'must have at most 8 entries (got 9)'],
  ['filePaths entry with a leading "/"', { repository: REPO, filePaths: ['/src/**'] }, 'pipeline.filePaths[0]', 'no leading "/"'],
  ['filePaths entry empty', { repository: REPO, filePaths: ['src/**', ''] }, 'pipeline.filePaths[1]', 'must be 1 to 255 characters'],
  ['filePaths is a string (wrong type)', { repository: REPO, filePaths: 'src/**' }, 'pipeline.filePaths', 'must be a list of strings'],
  ['filePaths entry is a number (wrong type)', { repository: REPO, filePaths: [1] }, 'pipeline.filePaths[0]', 'must be a string (got number 1)'],

  // --- connectionArn -------------------------------------------------------
  ['connection ARN of another service', { repository: REPO, connectionArn: `arn:aws:codecommit:us-east-1:111122223333:connection/${ARN_UUID}` }, 'pipeline.connectionArn', 'is not a connection ARN'],
  ['connection ARN with a malformed uuid', { repository: REPO, connectionArn: 'arn:aws:codeconnections:us-east-1:111122223333:connection/not-a-uuid' }, 'pipeline.connectionArn', 'is not a connection ARN'],
  ['connection ARN with an 11-digit account', { repository: REPO, connectionArn: `arn:aws:codeconnections:us-east-1:11112222333:connection/${ARN_UUID}` }, 'pipeline.connectionArn', 'is not a connection ARN'],
  ['connection ARN in partition aws for a cn- region', { repository: REPO, connectionArn: `arn:aws:codeconnections:cn-north-1:111122223333:connection/${ARN_UUID}` }, 'pipeline.connectionArn', 'region cn-north-1 belongs to partition aws-cn, not aws'],
  ['connection ARN in partition aws-cn for us-east-1', { repository: REPO, connectionArn: `arn:aws-cn:codeconnections:us-east-1:111122223333:connection/${ARN_UUID}` }, 'pipeline.connectionArn', 'region us-east-1 belongs to partition aws, not aws-cn'],
  ['connection ARN in partition aws for a us-gov- region', { repository: REPO, connectionArn: `arn:aws:codestar-connections:us-gov-west-1:111122223333:connection/${ARN_UUID}` }, 'pipeline.connectionArn', 'belongs to partition aws-us-gov, not aws'],

  // --- name ----------------------------------------------------------------
  ['name with uppercase letters', { repository: REPO, name: 'Payments' }, 'pipeline.name', '"Payments" must be 1 to 20 lowercase letters'],
  ['name of 21 characters', { repository: REPO, name: 'a'.repeat(21) }, 'pipeline.name', 'must be 1 to 20 lowercase letters'],
  ['name starting with a hyphen', { repository: REPO, name: '-app' }, 'pipeline.name', 'no hyphen at either end'],
  ['name with a trailing hyphen', { repository: REPO, name: 'app-' }, 'pipeline.name', '"app-" must be 1 to 20'],
  ['name with a double hyphen', { repository: REPO, name: 'my--app' }, 'pipeline.name', 'single hyphens'],
  ['name empty', { repository: REPO, name: '' }, 'pipeline.name', '"" must be 1 to 20'],

  // --- environments --------------------------------------------------------
  ['environments empty', { repository: REPO, environments: [] }, 'pipeline.environments', 'must name at least one environment'],
  ['environments with a duplicate', { repository: REPO, environments: ['dev', 'prod', 'dev'] }, 'pipeline.environments[2]', '"dev" is listed twice'],
  ['environment with uppercase', { repository: REPO, environments: ['Dev'] }, 'pipeline.environments[0]', '"Dev" must be 1 to 10 lowercase letters or digits'],
  ['environment of 11 characters', { repository: REPO, environments: ['abcdefghijk'] }, 'pipeline.environments[0]', 'must be 1 to 10'],
  ['environment starting with a digit', { repository: REPO, environments: ['1dev'] }, 'pipeline.environments[0]', 'starting with a letter'],
  ['environment with a hyphen', { repository: REPO, environments: ['dev-eu'] }, 'pipeline.environments[0]', 'lowercase letters or digits'],
  ['environments is a string (wrong type)', { repository: REPO, environments: 'dev' }, 'pipeline.environments', 'must be a list of strings (got "dev")'],
  ['environments with 21 entries', { repository: REPO, environments: Array.from({ length: 21 }, (_, i) => `env${i}`) }, 'pipeline.environments', 'must have at most 20 entries (got 21)'],

  // --- codeBuild -----------------------------------------------------------
  ['codeBuild is a list (wrong type)', { repository: REPO, codeBuild: [{ timeoutMinutes: 30 }] }, 'pipeline.codeBuild', 'must be an object (got a list)'],
  ['codeBuild.computeType unknown', { repository: REPO, codeBuild: { computeType: 'BUILD_GENERAL1_HUGE' } }, 'pipeline.codeBuild.computeType', 'must be one of "BUILD_GENERAL1_SMALL"'],
  ['codeBuild.computeType in lowercase', { repository: REPO, codeBuild: { computeType: 'build_general1_small' } }, 'pipeline.codeBuild.computeType', '(got "build_general1_small")'],
  ['codeBuild.image unknown', { repository: REPO, codeBuild: { image: 'ubuntu:22.04' } }, 'pipeline.codeBuild.image', 'must be one of "aws/codebuild/standard:7.0"'],
  ['codeBuild.architecture unknown', { repository: REPO, codeBuild: { architecture: 'aarch64' } }, 'pipeline.codeBuild.architecture', 'must be one of "x86_64", "arm64" (got "aarch64")'],
  ['arm64 with an x86_64 image (CodeBuild would fail every build)', { repository: REPO, codeBuild: { architecture: 'arm64', image: 'aws/codebuild/standard:7.0' } },
    'pipeline.codeBuild.image', '"aws/codebuild/standard:7.0" is not an image for pipeline.codeBuild.architecture "arm64"'],
  ['the aarch64 image on the default architecture (x86_64)', { repository: REPO, codeBuild: { image: 'aws/codebuild/amazonlinux-aarch64-standard:3.0' } },
    'pipeline.codeBuild.image', 'is not an image for pipeline.codeBuild.architecture "x86_64"'],
  ['codeBuild.timeoutMinutes 4 (below 5)', { repository: REPO, codeBuild: { timeoutMinutes: 4 } }, 'pipeline.codeBuild.timeoutMinutes', 'must be from 5 to 2160 (got 4)'],
  ['codeBuild.timeoutMinutes 2161 (above 2160)', { repository: REPO, codeBuild: { timeoutMinutes: 2161 } }, 'pipeline.codeBuild.timeoutMinutes', 'must be from 5 to 2160 (got 2161)'],
  ['codeBuild.timeoutMinutes 2.5 (not whole)', { repository: REPO, codeBuild: { timeoutMinutes: 2.5 } }, 'pipeline.codeBuild.timeoutMinutes', 'must be a whole number from 5 to 2160 (got number 2.5)'],
  ['codeBuild.timeoutMinutes "30" (wrong type)', { repository: REPO, codeBuild: { timeoutMinutes: '30' } }, 'pipeline.codeBuild.timeoutMinutes', 'must be a whole number from 5 to 2160 (got "30")'],
  ['codeBuild.logRetentionDays 2 (not a CloudWatch value)', { repository: REPO, codeBuild: { logRetentionDays: 2 } }, 'pipeline.codeBuild.logRetentionDays', 'must be one of 1, 3, 5, 7'],
  ['codeBuild.dockerfile "../x" (outside the repository)', { repository: REPO, codeBuild: { dockerfile: '../x' } }, 'pipeline.codeBuild.dockerfile', 'must be a path inside the repository'],
  ['codeBuild.dockerfile "/abs" (absolute)', { repository: REPO, codeBuild: { dockerfile: '/abs/Dockerfile' } }, 'pipeline.codeBuild.dockerfile', 'must be a path inside the repository'],
  ['codeBuild.dockerfile with a space', { repository: REPO, codeBuild: { dockerfile: 'my Dockerfile' } }, 'pipeline.codeBuild.dockerfile', 'no spaces or shell characters'],
  ['codeBuild.dockerfile with "$(...)"', { repository: REPO, codeBuild: { dockerfile: 'docker/$(whoami)' } }, 'pipeline.codeBuild.dockerfile', 'no spaces or shell characters'],
  ['codeBuild.dockerfile with a control character', { repository: REPO, codeBuild: { dockerfile: 'Docker\u0001file' } }, 'pipeline.codeBuild.dockerfile', 'must be a path inside the repository'],
  ['codeBuild.context escaping via "app/../.."', { repository: REPO, codeBuild: { context: 'app/../..' } }, 'pipeline.codeBuild.context', 'no ".."'],
  ['codeBuild.preBuildCommands with an empty command', { repository: REPO, codeBuild: { preBuildCommands: ['npm ci', ''] } }, 'pipeline.codeBuild.preBuildCommands[1]', 'must not be empty'],
  ['codeBuild.postBuildCommands with a blank command', { repository: REPO, codeBuild: { postBuildCommands: ['   '] } }, 'pipeline.codeBuild.postBuildCommands[0]', 'must not be empty'],
  ['env var name starting with a digit', { repository: REPO, codeBuild: { environmentVariables: { '1ABC': 'x' } } }, 'pipeline.codeBuild.environmentVariables.1ABC', 'is not a valid variable name'],
  ['env var name with a hyphen', { repository: REPO, codeBuild: { environmentVariables: { 'MY-VAR': 'x' } } }, 'pipeline.codeBuild.environmentVariables.MY-VAR', 'is not a valid variable name'],
  ['env var AWS_REGION (reserved AWS_ prefix)', { repository: REPO, codeBuild: { environmentVariables: { AWS_REGION: 'eu-west-1' } } }, 'pipeline.codeBuild.environmentVariables.AWS_REGION', 'is reserved'],
  ['env var CODEBUILD_BUILD_ID (reserved CODEBUILD_ prefix)', { repository: REPO, codeBuild: { environmentVariables: { CODEBUILD_BUILD_ID: 'x' } } }, 'pipeline.codeBuild.environmentVariables.CODEBUILD_BUILD_ID', 'is reserved'],
  ['env var REPOSITORY_URI (set by the pipeline)', { repository: REPO, codeBuild: { environmentVariables: { REPOSITORY_URI: 'x' } } }, 'pipeline.codeBuild.environmentVariables.REPOSITORY_URI', 'is reserved'],
  ['env var DB_PASSWORD (secret-like)', { repository: REPO, codeBuild: { environmentVariables: { DB_PASSWORD: 'hunter2' } } }, 'pipeline.codeBuild.environmentVariables.DB_PASSWORD', 'looks like a secret'],
  ['env var API_TOKEN (secret-like)', { repository: REPO, codeBuild: { environmentVariables: { API_TOKEN: 'abc' } } }, 'pipeline.codeBuild.environmentVariables.API_TOKEN', 'looks like a secret'],
  ['env var value is a number (wrong type)', { repository: REPO, codeBuild: { environmentVariables: { PORT: 8080 } } }, 'pipeline.codeBuild.environmentVariables.PORT', 'must be a string (got number 8080)'],

  // --- registry ------------------------------------------------------------
  ['registry.keepImages -1', { repository: REPO, registry: { keepImages: -1 } }, 'pipeline.registry.keepImages', 'must be from 1 to 10000 (got -1)'],
  ['registry.keepImages 0', { repository: REPO, registry: { keepImages: 0 } }, 'pipeline.registry.keepImages', 'must be from 1 to 10000 (got 0)'],
  ['registry.keepImages 1.5 (not whole)', { repository: REPO, registry: { keepImages: 1.5 } }, 'pipeline.registry.keepImages', 'must be a whole number from 1 to 10000 (got number 1.5)'],
  ['registry.keepImages 10001', { repository: REPO, registry: { keepImages: 10001 } }, 'pipeline.registry.keepImages', 'must be from 1 to 10000 (got 10001)'],
  ['registry.keepImages NaN', { repository: REPO, registry: { keepImages: NaN } }, 'pipeline.registry.keepImages', '(got number NaN)'],
  ['registry.untaggedExpiryDays 0', { repository: REPO, registry: { untaggedExpiryDays: 0 } }, 'pipeline.registry.untaggedExpiryDays', 'must be from 1 to 3650 (got 0)'],
  ['registry is null (wrong type)', { repository: REPO, registry: null }, 'pipeline.registry', 'must be an object (got null)'],

  // --- artifacts -----------------------------------------------------------
  ['artifacts.noncurrentVersionExpiryDays 0', { repository: REPO, artifacts: { noncurrentVersionExpiryDays: 0 } }, 'pipeline.artifacts.noncurrentVersionExpiryDays', 'must be from 1 to 3650 (got 0)'],
  ['artifacts.forceDestroy "yes" (wrong type)', { repository: REPO, artifacts: { forceDestroy: 'yes' } }, 'pipeline.artifacts.forceDestroy', 'must be true or false'],
  ['artifacts.expiryDays 0', { repository: REPO, artifacts: { expiryDays: 0 } }, 'pipeline.artifacts.expiryDays', 'must be from 1 to 3650 (got 0)'],
  ['artifacts.expiryDays 1.5', { repository: REPO, artifacts: { expiryDays: 1.5 } }, 'pipeline.artifacts.expiryDays', 'must be a whole number from 1 to 3650'],
  ['ephemeralEnvironments naming an unlisted one', { repository: REPO, ephemeralEnvironments: ['pr1'] }, 'pipeline.ephemeralEnvironments[0]', 'is not in environments'],
  ['ephemeralEnvironments is a string (wrong type)', { repository: REPO, ephemeralEnvironments: 'dev' }, 'pipeline.ephemeralEnvironments', 'must be a list of strings'],
  ['codeBuild.containerName with a space', { repository: REPO, codeBuild: { containerName: 'my app' } }, 'pipeline.codeBuild.containerName', 'is not an ECS container name'],

  // --- notifications -------------------------------------------------------
  ['notification e-mail without "@"', { repository: REPO, notifications: { emails: ['not-an-email'] } }, 'pipeline.notifications.emails[0]', '"not-an-email" is not an e-mail address'],
  ['notification e-mail with a space', { repository: REPO, notifications: { emails: ['ops@acme.example', 'ops team@acme.example'] } }, 'pipeline.notifications.emails[1]', 'is not an e-mail address'],
  ['notification state unknown', { repository: REPO, notifications: { states: ['FAILED', 'EXPLODED'] } }, 'pipeline.notifications.states[1]', 'must be one of "STARTED"'],
  ['notification states empty', { repository: REPO, notifications: { states: [] } }, 'pipeline.notifications.states', 'must name at least one state'],
  ['notification states is a string (wrong type)', { repository: REPO, notifications: { states: 'FAILED' } }, 'pipeline.notifications.states', 'must be a list of strings'],

  // --- tags ----------------------------------------------------------------
  ['custom tag key "aws:x"', { repository: REPO, tags: { custom: { 'aws:x': 'v' } } }, 'pipeline.tags.custom.aws:x', 'tag key must not start with "aws:"'],
  ['custom tag key "AWS:Owner" (prefix in any case)', { repository: REPO, tags: { custom: { 'AWS:Owner': 'v' } } }, 'pipeline.tags.custom.AWS:Owner', 'tag key must not start with "aws:"'],
  ['custom tag key of 129 characters', { repository: REPO, tags: { custom: { ['k'.repeat(129)]: 'v' } } }, `pipeline.tags.custom.${'k'.repeat(129)}`, 'tag key must be 1 to 128 characters (got 129)'],
  ['custom tag value of 257 characters', { repository: REPO, tags: { custom: { Note: 'v'.repeat(257) } } }, 'pipeline.tags.custom.Note', 'tag value must be at most 256 characters (got 257)'],
  ['custom tag value with "<"', { repository: REPO, tags: { custom: { Note: 'a<b' } } }, 'pipeline.tags.custom.Note', 'tag value has characters AWS rejects'],
  ['custom tag key with "{"', { repository: REPO, tags: { custom: { '{team}': 'v' } } }, 'pipeline.tags.custom.{team}', 'tag key has characters AWS rejects'],
  ['49 custom tags (54 on the pipeline with the fixed ones)', { repository: REPO, tags: { custom: customTags(49) } }, 'pipeline.tags.custom', 'gives 54 tags on the pipeline with Environment, ManagedBy and cicd-pipeline-type:version; AWS allows 50'],
  ['46 custom tags (51 on the pipeline: one over the limit)', { repository: REPO, tags: { custom: customTags(46) } }, 'pipeline.tags.custom', 'gives 51 tags'],
  ['custom tag "Environment" (set by the program)', { repository: REPO, tags: { custom: { Environment: 'prod' } } }, 'pipeline.tags.custom.Environment', 'is a tag the pipeline sets itself'],
  ['custom tag "managedby" (reserved in any case)', { repository: REPO, tags: { custom: { managedby: 'me' } } }, 'pipeline.tags.custom.managedby', 'is a tag the pipeline sets itself'],
  ['custom tag value is a number (wrong type)', { repository: REPO, tags: { custom: { Level: 5 } } }, 'pipeline.tags.custom.Level', 'must be a string (got number 5)'],
  ['custom tags are a list (wrong type)', { repository: REPO, tags: { custom: ['a=b'] } }, 'pipeline.tags.custom', 'must be a map of strings (got a list)'],
  ['tags.team empty', { repository: REPO, tags: { team: '' } }, 'pipeline.tags.team', 'must not be empty'],
  ['tags.costCenter is a number (wrong type)', { repository: REPO, tags: { costCenter: 1234 } }, 'pipeline.tags.costCenter', 'must be a string (got number 1234)'],
  ['custom tag value with an emoji (unicode)', { repository: REPO, tags: { custom: { Mood: 'shipping 🚀' } } }, 'pipeline.tags.custom.Mood', 'tag value has characters AWS rejects'],
  ['tags.team with a zero-width space (unicode)', { repository: REPO, tags: { team: 'pay\u200bments' } }, 'pipeline.tags.team', 'tag value has characters AWS rejects'],
  // --- gaps found by this suite, now closed ---------------------------------
  ['the same e-mail twice (one subscription URN each)', { repository: REPO, notifications: { emails: ['a@b.co', 'A@b.co'] } }, 'pipeline.notifications.emails[1]', 'is listed twice'],
  ['tag keys that differ only in case', { repository: REPO, tags: { custom: { Owner: 'a', owner: 'b' } } }, 'pipeline.tags.custom.owner', 'differs from "Owner" only in case'],
  ['branch with a glob group (trigger filters expand {a,b})', { repository: REPO, branch: 'release-{a,b}' }, 'pipeline.branch', 'is not a valid git branch name'],
  ['branch null (null is not "use the default")', { repository: REPO, branch: null }, 'pipeline.branch', 'must be a string (got null)'],
  ['environments null', { repository: REPO, environments: null }, 'pipeline.environments', 'must be a list of strings (got null)'],
  ['branch HEAD', { repository: REPO, branch: 'HEAD' }, 'pipeline.branch', 'not HEAD'],
  ['env var IMAGE_URI (the buildspec sets it)', { repository: REPO, codeBuild: { environmentVariables: { IMAGE_URI: 'x' } } }, 'pipeline.codeBuild.environmentVariables.IMAGE_URI', 'is reserved'],
  ['tags.costCenter empty', { repository: REPO, tags: { costCenter: '' } }, 'pipeline.tags.costCenter', 'must not be empty'],
  ['the same state twice', { repository: REPO, notifications: { states: ['FAILED', 'FAILED'] } }, 'pipeline.notifications.states[1]', 'is listed twice'],
  ['a blank file path', { repository: REPO, filePaths: ['  '] }, 'pipeline.filePaths[0]', 'not blank'],
  ['the same file path twice', { repository: REPO, filePaths: ['src/**', 'src/**'] }, 'pipeline.filePaths[1]', 'is listed twice'],

  // --- issue 10: values that passed synth but broke at deploy ---------------
  ['repository name ending in ".git" (GitHub strips it)', { repository: 'acme/app.git' }, 'pipeline.repository', 'ends in ".git", which GitHub strips from repository names: write "acme/app"'],
  ['repository name ending in ".GIT"', { repository: 'acme/app.GIT' }, 'pipeline.repository', 'ends in ".git"'],
  ['repository given as a URL', { repository: 'https://github.com/acme/app' }, 'pipeline.repository', 'must be "owner/name", not a URL'],
  ['branch given as a full ref (refs/heads/main)', { repository: REPO, branch: 'refs/heads/main' }, 'pipeline.branch', 'is a full git ref; give the branch name ("main")'],
  ['branch given as a full ref with a slash (refs/heads/release/1)', { repository: REPO, branch: 'refs/heads/release/1' }, 'pipeline.branch', 'give the branch name ("release/1")'],
  ['branch given as a tag ref (refs/tags/v1)', { repository: REPO, branch: 'refs/tags/v1' }, 'pipeline.branch', 'only branches start the pipeline'],
  ['file path with a ".." segment', { repository: REPO, filePaths: ['src/../lib/**'] }, 'pipeline.filePaths[0]', 'can never match a file of the repository'],
  ['file path starting with "./"', { repository: REPO, filePaths: ['./src/**'] }, 'pipeline.filePaths[0]', 'has a ".", ".." or empty segment'],
  ['file path with an empty segment ("//")', { repository: REPO, filePaths: ['src//app.ts'] }, 'pipeline.filePaths[0]', 'can never match'],
  ['file path with a newline', { repository: REPO, filePaths: ['src/**', 'src/**\nDockerfile'] }, 'pipeline.filePaths[1]', 'must not contain control characters or line breaks'],
  ['file path with a tab', { repository: REPO, filePaths: ['src/\tapp.ts'] }, 'pipeline.filePaths[0]', 'control characters'],
  ['file path with a Unicode line separator (U+2028)', { repository: REPO, filePaths: ['src/\u2028app.ts'] }, 'pipeline.filePaths[0]', 'line breaks'],
  ['name "sthree" (S3 reserves the bucket prefix "sthree-")', { repository: REPO, name: 'sthree' }, 'pipeline.name', 'AWS reserves the prefix "sthree-"'],
  ['name "amzn-s3-demo" (S3 reserves the prefix)', { repository: REPO, name: 'amzn-s3-demo' }, 'pipeline.name', 'AWS reserves the prefix "amzn-s3-demo-"'],
  ['name derived from repository "acme/sthree" hits the reserved S3 prefix', { repository: 'acme/sthree' }, 'pipeline.name', 'defaults to "sthree" (from pipeline.repository), which derives the S3 bucket name'],
  ['environmentVariables given as a Map', { repository: REPO, codeBuild: { environmentVariables: new Map([['NODE_ENV', 'production']]) } }, 'pipeline.codeBuild.environmentVariables', 'must be a map of strings (got a Map); write it as a plain object'],
  ['environmentVariables given as a Date', { repository: REPO, codeBuild: { environmentVariables: new Date(0) } }, 'pipeline.codeBuild.environmentVariables', '(got a Date)'],
  ['tags.custom given as a Map', { repository: REPO, tags: { custom: new Map([['Owner', 'ops']]) } }, 'pipeline.tags.custom', 'must be a map of strings (got a Map)'],
  ['codeBuild given as a Set', { repository: REPO, codeBuild: new Set(['timeoutMinutes']) }, 'pipeline.codeBuild', 'must be an object (got a Set)'],
  ['registry given as a class instance', { repository: REPO, registry: new (class RegistrySettings { public keepImages = 5; })() }, 'pipeline.registry', 'must be an object (got an instance of RegistrySettings)'],
  ['e-mail with an empty domain label (acme..example)', { repository: REPO, notifications: { emails: ['team@acme..example'] } }, 'pipeline.notifications.emails[0]', 'is not an e-mail address: domain "acme..example"'],
  ['e-mail domain with a leading dot', { repository: REPO, notifications: { emails: ['team@.acme.example'] } }, 'pipeline.notifications.emails[0]', 'is not an e-mail address'],
  ['e-mail domain with a trailing dot', { repository: REPO, notifications: { emails: ['team@acme.example.'] } }, 'pipeline.notifications.emails[0]', 'is not an e-mail address'],
  ['e-mail domain label with a leading hyphen', { repository: REPO, notifications: { emails: ['team@-acme.example'] } }, 'pipeline.notifications.emails[0]', 'inner hyphens'],
  ['e-mail domain label with a trailing hyphen', { repository: REPO, notifications: { emails: ['team@acme-.example'] } }, 'pipeline.notifications.emails[0]', 'inner hyphens'],
  ['e-mail domain label of 64 characters', { repository: REPO, notifications: { emails: [`team@${'a'.repeat(64)}.example`] } }, 'pipeline.notifications.emails[0]', '1 to 63'],
  ['e-mail with a numeric top-level domain (an IP address)', { repository: REPO, notifications: { emails: ['team@10.0.0.1'] } }, 'pipeline.notifications.emails[0]', 'the last one starting with a letter'],
  ['e-mail local part with two dots in a row', { repository: REPO, notifications: { emails: ['te..am@acme.example'] } }, 'pipeline.notifications.emails[0]', 'local part "te..am"'],
  ['e-mail local part ending in a dot', { repository: REPO, notifications: { emails: ['team.@acme.example'] } }, 'pipeline.notifications.emails[0]', 'no "." at either end'],
  ['e-mail with two "@"', { repository: REPO, notifications: { emails: ['team@ops@acme.example'] } }, 'pipeline.notifications.emails[0]', 'local part "team@ops"'],

  // --- build secrets ---------------------------------------------------------
  ['codeBuild.secrets holding a value, not an ARN', { repository: REPO, codeBuild: { secrets: { NPM_TOKEN: 'npm_abc123' } } }, 'pipeline.codeBuild.secrets.NPM_TOKEN', 'is not a secret ARN'],
  ['codeBuild.secrets with a partial secret ARN (no random suffix)', { repository: REPO, codeBuild: { secrets: { NPM_TOKEN: 'arn:aws:secretsmanager:eu-west-1:111122223333:secret:npm-token' } } }, 'pipeline.codeBuild.secrets.NPM_TOKEN', 'is not a full secret ARN'],
  ['codeBuild.secrets with a China region under the aws partition', { repository: REPO, codeBuild: { secrets: { NPM_TOKEN: 'arn:aws:secretsmanager:cn-north-1:111122223333:secret:npm-token-AbC123' } } }, 'pipeline.codeBuild.secrets.NPM_TOKEN', 'region cn-north-1 belongs to partition aws-cn, not aws'],
  ['codeBuild.secrets with an 11-digit account', { repository: REPO, codeBuild: { secrets: { DB: 'arn:aws:ssm:eu-west-1:11112222333:parameter/db' } } }, 'pipeline.codeBuild.secrets.DB', 'is not a 12-digit account id'],
  ['codeBuild.secrets with a parameter ARN holding "//"', { repository: REPO, codeBuild: { secrets: { DB: 'arn:aws:ssm:eu-west-1:111122223333:parameter//db' } } }, 'pipeline.codeBuild.secrets.DB', 'must be 1 to 1011 letters'],
  ['codeBuild.secrets naming a plain variable too', { repository: REPO, codeBuild: { environmentVariables: { NODE_ENV: 'production' }, secrets: { NODE_ENV: 'arn:aws:ssm:eu-west-1:111122223333:parameter/node-env' } } }, 'pipeline.codeBuild.secrets.NODE_ENV', 'is also a plain environment variable'],
  ['codeBuild.secrets named IMAGE_URI (set by the pipeline)', { repository: REPO, codeBuild: { secrets: { IMAGE_URI: 'arn:aws:ssm:eu-west-1:111122223333:parameter/x' } } }, 'pipeline.codeBuild.secrets.IMAGE_URI', 'is reserved'],

  // --- deploy stages -------------------------------------------------------
  ['stages not a list', { repository: REPO, stages: { name: 'dev', commands: ['x'] } }, 'pipeline.stages', 'must be a list of stages'],
  ['a stage that is a string', { repository: REPO, stages: ['dev'] }, 'pipeline.stages[0]', 'must be an object (got "dev")'],
  ['a stage without a name', { repository: REPO, stages: [{ commands: ['x'] }] }, 'pipeline.stages[0].name', 'is required'],
  ['a stage name with a space', { repository: REPO, stages: [{ name: 'prod eu', commands: ['x'] }] }, 'pipeline.stages[0].name', 'is not a CodePipeline stage name'],
  ['a stage name of 101 characters', { repository: REPO, stages: [{ name: 'p'.repeat(101), commands: ['x'] }] }, 'pipeline.stages[0].name', 'is not a CodePipeline stage name'],
  ['a stage named Build', { repository: REPO, stages: [{ name: 'Build', commands: ['x'] }] }, 'pipeline.stages[0].name', "is the pipeline's own Build stage"],
  ['a stage named source (any case)', { repository: REPO, stages: [{ name: 'source', commands: ['x'] }] }, 'pipeline.stages[0].name', "is the pipeline's own Source stage"],
  ['a stage named updatepipeline (the self-update stage, reserved with or without selfUpdate)', { repository: REPO, stages: [{ name: 'updatepipeline', commands: ['x'] }] }, 'pipeline.stages[0].name', "is the pipeline's own UpdatePipeline stage"],
  ['two stages named alike ignoring case', { repository: REPO, stages: [{ name: 'prod', commands: ['x'] }, { name: 'Prod', commands: ['y'] }] }, 'pipeline.stages[1].name', 'is used twice'],
  ['a stage name with "@", which CodeBuild project names reject', { repository: REPO, stages: [{ name: 'prod@eu', commands: ['x'] }] }, 'pipeline.stages[0].name', 'derives the CodeBuild project name'],
  ['a stage name whose IAM role name is too long', { repository: REPO, stages: [{ name: 'production-europe-west-primary-region-green', commands: ['x'] }] }, 'pipeline.stages[0].name', 'AWS allows 64'],
  ['a stage without commands', { repository: REPO, stages: [{ name: 'dev' }] }, 'pipeline.stages[0].commands', 'is required'],
  ['a stage with an empty command list', { repository: REPO, stages: [{ name: 'dev', commands: [] }] }, 'pipeline.stages[0].commands', 'must have at least one command'],
  ['a stage with a blank command', { repository: REPO, stages: [{ name: 'dev', commands: ['./deploy.sh', '  '] }] }, 'pipeline.stages[0].commands[1]', 'must not be empty'],
  ['a stage compute type that is not a deploy one', { repository: REPO, stages: [{ name: 'dev', commands: ['x'], compute: 'BUILD_GENERAL1_LARGE' }] }, 'pipeline.stages[0].compute', 'must be one of "BUILD_LAMBDA_1GB"'],
  ['a Lambda stage (the default) that runs docker', { repository: REPO, stages: [{ name: 'dev', commands: ['aws ecr get-login-password | docker login x'] }] },
    'pipeline.stages[0].commands[0]', 'runs docker, which Lambda compute (pipeline.stages[0].compute "BUILD_LAMBDA_1GB") does not have'],
  ['a stage with a typo in an option', { repository: REPO, stages: [{ name: 'dev', commands: ['x'], approval: {} }] }, 'pipeline.stages[0].approval', 'is not an option'],
  ['a stage variable that looks like a secret', { repository: REPO, stages: [{ name: 'dev', commands: ['x'], environmentVariables: { DB_PASSWORD: 'x' } }] }, 'pipeline.stages[0].environmentVariables.DB_PASSWORD', 'looks like a secret'],
  ['a stage variable named DEPLOY_STAGE', { repository: REPO, stages: [{ name: 'dev', commands: ['x'], environmentVariables: { DEPLOY_STAGE: 'x' } }] }, 'pipeline.stages[0].environmentVariables.DEPLOY_STAGE', 'is reserved'],
  ['a stage secret that is a value', { repository: REPO, stages: [{ name: 'dev', commands: ['x'], secrets: { DB_PASSWORD: 'hunter2' } }] }, 'pipeline.stages[0].secrets.DB_PASSWORD', 'is not a secret ARN'],
  ['a stage role ARN that is a user', { repository: REPO, stages: [{ name: 'prod', commands: ['x'], assumeRoleArn: 'arn:aws:iam::444455556666:user/deployer' }] }, 'pipeline.stages[0].assumeRoleArn', 'is not an IAM role ARN'],
  ['a stage role ARN in an unknown partition', { repository: REPO, stages: [{ name: 'prod', commands: ['x'], assumeRoleArn: 'arn:aws-eu:iam::444455556666:role/deployer' }] }, 'pipeline.stages[0].assumeRoleArn', 'partition "aws-eu" is not one of'],
  ['a stage role ARN with a region', { repository: REPO, stages: [{ name: 'prod', commands: ['x'], assumeRoleArn: 'arn:aws:iam:eu-west-1:444455556666:role/deployer' }] }, 'pipeline.stages[0].assumeRoleArn', 'is not an IAM role ARN'],
  ['a stage role name of 65 characters', { repository: REPO, stages: [{ name: 'prod', commands: ['x'], assumeRoleArn: `arn:aws:iam::444455556666:role/${'r'.repeat(65)}` }] }, 'pipeline.stages[0].assumeRoleArn', 'must be 1 to 64'],
  ['a stage role ARN with a 13-digit account', { repository: REPO, stages: [{ name: 'prod', commands: ['x'], assumeRoleArn: 'arn:aws:iam::4444555566660:role/deployer' }] }, 'pipeline.stages[0].assumeRoleArn', 'is not a 12-digit account id'],
  ['an approval e-mail without a domain', { repository: REPO, stages: [{ name: 'prod', commands: ['x'], manualApproval: { emails: ['release@acme'] } }] }, 'pipeline.stages[0].manualApproval.emails[0]', 'is not an e-mail address'],
  ['an approval e-mail listed twice', { repository: REPO, stages: [{ name: 'prod', commands: ['x'], manualApproval: { emails: ['a@acme.example', 'A@acme.example'] } }] }, 'pipeline.stages[0].manualApproval.emails[1]', 'is listed twice'],
  ['manualApproval true instead of an object', { repository: REPO, stages: [{ name: 'prod', commands: ['x'], manualApproval: true }] }, 'pipeline.stages[0].manualApproval', 'must be an object (got boolean true)'],
  ['rollbackOnFailure "yes"', { repository: REPO, stages: [{ name: 'prod', commands: ['x'], rollbackOnFailure: 'yes' }] }, 'pipeline.stages[0].rollbackOnFailure', 'must be true or false'],
  ['executionMode not one of the modes', { repository: REPO, executionMode: 'SERIAL' }, 'pipeline.executionMode', 'must be one of "QUEUED", "SUPERSEDED", "PARALLEL"'],
  ['executionMode PARALLEL with a stage that rolls back', { repository: REPO, executionMode: 'PARALLEL', stages: [{ name: 'prod', commands: ['x'], rollbackOnFailure: true }] }, 'pipeline.stages[0].rollbackOnFailure', 'stage rollback is not available with pipeline.executionMode PARALLEL'],
];

describe('hand-written bad inputs', () => {
  test('the table has at least 45 distinct cases', () => {
    expect(BAD_INPUTS.length).toBeGreaterThanOrEqual(45);
    expect(new Set(BAD_INPUTS.map(([description]) => description)).size).toBe(BAD_INPUTS.length);
    expect(new Set(BAD_INPUTS.map(([, props]) => JSON.stringify(props))).size).toBe(BAD_INPUTS.length);
  });

  const short = (text: string) => (text.length > 60 ? `${text.slice(0, 57)}...` : text);
  test.each(BAD_INPUTS.map(([description, props, optionPath, fragment]) => [`${description} → ${short(optionPath)}`, props, optionPath, fragment]))(
    '%s',
    (_name, props, optionPath, fragment) => {
      expect(problemsOf(props)).toContainEqual(problemAt(optionPath as string, fragment as string));
    },
  );
});

describe('edge values that are accepted', () => {
  test.each<[string, PipelineProps, (model: ReturnType<typeof resolvePipeline>) => unknown, unknown]>([
    // Every AWS name derived from it may start with a digit (see NAME_PATTERN).
    ['a name starting with a digit', { repository: REPO, name: '1app' }, m => m.name, '1app'],
    ['a name of digits only', { repository: REPO, name: '123' }, m => m.name, '123'],
    ['a name derived from a repository named with digits', { repository: 'acme/123' }, m => m.name, '123'],
    ['a name derived from ".github"', { repository: 'acme/.github' }, m => m.name, 'github'],
    ['an e-mail with dots, a plus and a sub-domain', { repository: REPO, notifications: { emails: ['first.last+ci@mail.acme-corp.example'] } }, m => m.notifications.emails, ['first.last+ci@mail.acme-corp.example']],
    ['an e-mail with an internationalized domain', { repository: REPO, notifications: { emails: ['team@bücher.example'] } }, m => m.notifications.emails, ['team@bücher.example']],
    ['environments a YAML reader would mistype', { repository: REPO, environments: ['true', 'null', 'on'] }, m => m.environments, ['true', 'null', 'on']],
    ['a file path glob with dots in names', { repository: REPO, filePaths: ['.github/**', 'src/*.test.ts', '**/..hidden'] }, m => m.filePaths, ['.github/**', 'src/*.test.ts', '**/..hidden']],
    ['a branch containing "refs" later in its name', { repository: REPO, branch: 'feature/refs/heads' }, m => m.branch, 'feature/refs/heads'],
    ['a repository whose name contains ".git" before the end', { repository: 'acme/app.github.io' }, m => m.repository, 'acme/app.github.io'],
  ])('%s', (_title, props, pick, expected) => {
    expect(pick(resolvePipeline(props))).toEqual(expected);
  });
});

// ---------------------------------------------------------------------------
// 2. Every problem at once
// ---------------------------------------------------------------------------

describe('one error lists every problem', () => {
  test('props with eight different problems report all eight, each at its own option path, in one error', () => {
    const props = {
      repository: 'acme',
      branch: 'feature branch',
      name: 'Bad_Name',
      environments: ['dev', 'dev'],
      codeBuild: { timeoutMinutes: 1 },
      registry: { keepImages: 0 },
      notifications: { emails: ['nobody'] },
      tags: { custom: { 'aws:owner': 'me' } },
    };
    let error: unknown;
    try {
      resolvePipeline(props as any);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PipelineConfigError);
    const { problems, message } = error as PipelineConfigError;
    expect(problems.map(p => p.slice(0, p.indexOf(': ')))).toEqual([
      'pipeline.repository',
      'pipeline.branch',
      'pipeline.name',
      'pipeline.environments[1]',
      'pipeline.codeBuild.timeoutMinutes',
      'pipeline.registry.keepImages',
      'pipeline.notifications.emails[0]',
      'pipeline.tags.custom.aws:owner',
    ]);
    expect(message).toContain('(8 problems); nothing was written');
    for (const problem of problems) expect(message).toContain(`  - ${problem}`);
  });
});

// ---------------------------------------------------------------------------
// 3. The project type fails before writing anything
// ---------------------------------------------------------------------------


describe('CicdPipelineProject with bad pipeline props', () => {
  test.each<[string, Record<string, unknown>]>([
    ['invalid pipeline props', { pipeline: { repository: 'acme', registry: { keepImages: -1 } } }],
    ['githubRepository conflicting with pipeline.repository', { githubRepository: 'acme/one', pipeline: { repository: 'acme/two' } }],
    ['pipeline.repository null', { pipeline: { repository: null } }],
    ['a bad githubRepository', { githubRepository: 'acme/app.git' }],
    ['a Map for environmentVariables', { githubRepository: 'acme/app', pipeline: { codeBuild: { environmentVariables: new Map([['A', 'b']]) } } }],
    ['a deploy stage with a duplicate name, no commands and a malformed role', {
      githubRepository: 'acme/app',
      pipeline: { stages: [{ name: 'prod', commands: ['x'] }, { name: 'PROD', commands: [], assumeRoleArn: 'role/deployer' }] },
    }],
    ['a build secret given as a value', { githubRepository: 'acme/app', pipeline: { codeBuild: { secrets: { NPM_TOKEN: 'npm_abc' } } } }],
  ])('%s: the constructor throws before synth and leaves an existing outdir byte-identical', (_title, options) => {
    const outdir = tempDir('bad');
    fs.writeFileSync(path.join(outdir, 'package.json'), '{ "name": "hand-written", "version": "1.2.3" }\n');
    fs.writeFileSync(path.join(outdir, '.gitignore'), 'keep-me\n');
    fs.mkdirSync(path.join(outdir, 'infra'));
    fs.writeFileSync(path.join(outdir, 'infra', 'pipeline-settings.json'), Buffer.from([0x7b, 0x7d, 0x0a, 0xff]));
    const before = snapshotDir(outdir);

    let project: CicdPipelineProject | undefined;
    let error: unknown;
    try {
      project = new CicdPipelineProject({ name: 'x', defaultReleaseBranch: 'main', outdir, ...options } as any);
      project.synth(); // never reached: the constructor must throw
    } catch (e) {
      error = e;
    }
    expect(project).toBeUndefined();
    expect(error).toBeInstanceOf(PipelineConfigError);
    expect((error as PipelineConfigError).problems.length).toBeGreaterThan(0);
    expect(snapshotDir(outdir)).toEqual(before);
    fs.rmSync(outdir, { recursive: true, force: true });
  });
});

// ---------------------------------------------------------------------------
// 4. Property-based: generated invalid and valid props
// ---------------------------------------------------------------------------

const PROPS_KEYS = [
  'repository', 'branch', 'filePaths', 'connectionArn', 'name', 'environments', 'ephemeralEnvironments',
  'codeBuild', 'registry', 'artifacts', 'notifications', 'tags', 'stages', 'executionMode', 'selfUpdate',
];
const RESERVED_TAG_KEYS = ['Environment', 'ManagedBy', 'Team', 'Project', 'CostCenter'];
const SECRET_LIKE = /(SECRET|PASSWORD|PASSWD|TOKEN|PRIVATE_?KEY|API_?KEY|CREDENTIAL)/i;

// --- wrong shapes (never `undefined`, which means "use the default") --------
const aNumber = fc.oneof(fc.integer(), fc.double());
const aList = fc.array(fc.oneof(fc.string(), fc.integer()), { maxLength: 3 });
const aPlainObject = fc.object({ maxDepth: 1 });
const notAString = fc.oneof(aNumber, fc.boolean(), fc.constant(null), aList, aPlainObject);
const notAList = fc.oneof(aNumber, fc.boolean(), fc.constant(null), fc.string(), aPlainObject);
const notAStruct = fc.oneof(aNumber, fc.boolean(), fc.constant(null), fc.string(), aList);
/** `branch` and `environments` treat null as unset, so their wrong shapes leave null out. */
const notAStringOrNull = fc.oneof(aNumber, fc.boolean(), aList, aPlainObject);
const notAListOrNull = fc.oneof(aNumber, fc.boolean(), fc.string(), aPlainObject);
const notABoolean = fc.oneof(aNumber, fc.string(), fc.constant(null), aList, aPlainObject);

/** Anything but a whole number in [min, max]. */
function outOfRange(min: number, max: number) {
  return fc.oneof(
    fc.integer({ max: min - 1 }),
    fc.integer({ min: max + 1 }),
    fc.double({ noInteger: true }),
    fc.constantFrom(NaN, Infinity, -Infinity),
    notAString.filter(v => typeof v !== 'number'),
    fc.integer({ min, max }).map(String),
  );
}

/** Strings without `char`, of any unicode, up to 300 characters. */
const anyText = (maxLength = 300) => fc.oneof(fc.string({ maxLength }), fc.fullUnicodeString({ maxLength }));
const withoutChar = (char: string) => anyText().filter(s => !s.includes(char));
/** `text` with one `bad` character spliced into it. */
const spliced = (bad: fc.Arbitrary<string>, text = fc.string({ maxLength: 20 })) =>
  fc.tuple(text, bad, text).map(([a, b, c]) => `${a}${b}${c}`);
const alnum = (min: number, max: number) => fc.stringMatching(new RegExp(`^[A-Za-z0-9]{${min},${max}}$`));
/** Characters no AWS tag key or value may hold. */
const badTagChar = fc.constantFrom(...'<>{}[]()!#$%&*"\'`~^|\\?;,\n\t\u0000\u200b', '🚀', '😀', '✓');
const safeTagText = (minLength: number, maxLength: number) =>
  fc.stringOf(fc.constantFrom(...'abcXYZ0189 _.:/=+-@éüß日本'.split('')), { minLength, maxLength });

/** Each slot replaces one top-level option with a value that is invalid on its own. */
const CORRUPT = {
  repository: fc.oneof(
    notAString,
    fc.constant(undefined), // missing
    withoutChar('/'), // no slash
    fc.tuple(anyText(100), anyText(100), anyText(100)).map(parts => parts.join('/')), // two or more slashes
    fc.tuple(spliced(fc.constantFrom('_', '.', ' ', 'é', '🚀', '--')).filter(s => !s.includes('/')), alnum(1, 10))
      .map(([owner, repo]) => `${owner}/${repo}`), // bad owner character
    fc.tuple(fc.constantFrom('-', ''), alnum(40, 80)).map(([dash, owner]) => `${dash}${owner}/app`), // owner too long
    fc.tuple(alnum(1, 10), fc.constantFrom('.', '..', '', 'a b', 'x!', 'ü', 'r'.repeat(101))).map(([o, r]) => `${o}/${r}`), // bad name
  ),
  branch: fc.oneof(
    notAStringOrNull,
    fc.constant(''),
    spliced(fc.constantFrom(' ', '\t', '~', '^', ':', '?', '*', '[', '\\', '..', '@{', '//', '\u0001', '\u007f')),
    fc.string({ maxLength: 30 }).map(s => `-${s}`),
    fc.string({ maxLength: 30 }).map(s => `/${s}`),
    fc.string({ maxLength: 30 }).map(s => `${s}/`),
    fc.string({ maxLength: 30 }).map(s => `${s}.lock`),
    fc.string({ minLength: 256, maxLength: 300 }),
  ),
  filePaths: fc.oneof(
    notAList,
    fc.array(fc.constant('src/**'), { minLength: 9, maxLength: 20 }),
    fc.tuple(fc.array(fc.constant('src/**'), { maxLength: 3 }), fc.oneof(
      fc.constant(''), fc.string({ maxLength: 30 }).map(s => `/${s}`), fc.string({ minLength: 256, maxLength: 300 }), notAString,
    )).map(([ok, bad]) => [...ok, bad]),
  ),
  connectionArn: fc.oneof(
    notAString,
    anyText().filter(s => !s.startsWith('arn:')),
    fc.tuple(fc.constantFrom('cn-north-1', 'cn-northwest-1', 'us-gov-west-1'), fc.uuid())
      .map(([region, uuid]) => `arn:aws:codeconnections:${region}:111122223333:connection/${uuid}`),
    fc.tuple(fc.constantFrom('aws-cn', 'aws-us-gov'), fc.constantFrom('us-east-1', 'eu-central-1', 'ap-southeast-2'), fc.uuid())
      .map(([partition, region, uuid]) => `arn:${partition}:codestar-connections:${region}:111122223333:connection/${uuid}`),
  ),
  name: fc.oneof(
    notAString,
    fc.constant(''),
    spliced(fc.constantFrom('A', 'Z', '_', '.', ' ', '--', 'é'), fc.stringMatching(/^[a-z]{0,5}$/)),
    fc.stringMatching(/^[a-z]{21,40}$/),
    fc.stringMatching(/^-[a-z0-9]{0,10}$/),
    fc.stringMatching(/^[a-z][a-z0-9]{0,10}-$/),
  ),
  environments: fc.oneof(
    notAListOrNull,
    fc.constant([]),
    fc.uniqueArray(fc.stringMatching(/^[a-z][a-z0-9]{0,9}$/), { minLength: 1, maxLength: 5 }).map(envs => [...envs, envs[0]]),
    fc.tuple(fc.constantFrom('dev', 'prod'), fc.oneof(
      fc.constant(''), fc.stringMatching(/^[A-Z0-9][a-z0-9]{0,9}$/), fc.stringMatching(/^[a-z][a-z0-9]{10,30}$/),
      spliced(fc.constantFrom('-', '_', ' ', 'É')), notAString,
    )).map(([ok, bad]) => [ok, bad]),
    fc.uniqueArray(fc.stringMatching(/^[a-z][a-z0-9]{0,9}$/), { minLength: 21, maxLength: 25 }),
  ),
  codeBuild: fc.oneof(
    notAStruct,
    fc.record({ computeType: fc.oneof(notAString, fc.string().filter(s => !Object.values<string>(BuildComputeType).includes(s))) }),
    fc.record({ image: fc.oneof(notAString, fc.string().filter(s => !Object.values<string>(BuildImage).includes(s))) }),
    fc.record({ timeoutMinutes: outOfRange(5, 2160) }),
    fc.record({
      logRetentionDays: fc.oneof(
        fc.integer().filter(n => !(LOG_RETENTION_DAYS as readonly number[]).includes(n)), notAString.filter(v => typeof v !== 'number')),
    }),
    fc.tuple(fc.constantFrom('dockerfile', 'context'), fc.oneof(
      notAString, fc.constant(''), alnum(1, 10).map(s => `/${s}`), alnum(1, 10).map(s => `../${s}`),
      fc.tuple(alnum(1, 5), alnum(1, 5)).map(([a, b]) => `${a}/../${b}`),
      spliced(fc.constantFrom(' ', '\t', '"', "'", '$', '`', '\\'), alnum(0, 10)),
    )).map(([key, bad]) => ({ [key]: bad })),
    fc.record({
      commands: fc.oneof(
        notAList,
        fc.array(fc.constant('make'), { minLength: 51, maxLength: 60 }),
        fc.tuple(fc.array(fc.constant('npm ci'), { maxLength: 3 }), fc.oneof(fc.stringOf(fc.constantFrom(' ', '\t', '\n'), { maxLength: 5 }), notAString))
          .map(([ok, bad]) => [...ok, bad]),
      ),
      key: fc.constantFrom('preBuildCommands', 'postBuildCommands'),
    }).map(({ key, commands }) => ({ [key]: commands })),
    fc.oneof(
      fc.oneof(aNumber, fc.boolean(), fc.constant(null), fc.string(), aList),
      fc.record({
        key: fc.oneof(
          fc.constantFrom('REPOSITORY_URI', 'REPOSITORY_NAME', 'AWS_ACCOUNT_ID', 'IMAGE_TAG', 'DOCKERFILE', 'DOCKER_CONTEXT'),
          fc.tuple(fc.constantFrom('AWS_', 'CODEBUILD_'), fc.stringMatching(/^[A-Z0-9_]{0,12}$/)).map(([p, s]) => p + s),
          fc.tuple(fc.stringMatching(/^[A-Z_]{0,5}$/), fc.constantFrom('SECRET', 'PASSWORD', 'passwd', 'TOKEN', 'PRIVATE_KEY', 'APIKEY', 'CREDENTIALS'))
            .map(([p, s]) => p + s),
          fc.tuple(fc.stringMatching(/^[0-9]$/), fc.stringMatching(/^[A-Z0-9_]{0,10}$/)).map(([d, s]) => d + s),
          spliced(fc.constantFrom('-', '.', ' ', '$', 'é', '='), fc.stringMatching(/^[A-Z_]{0,6}$/)),
        ),
        value: fc.string({ maxLength: 20 }),
      }).map(({ key, value }) => ({ [key]: value })),
      fc.record({ NODE_ENV: notAString }),
    ).map(environmentVariables => ({ environmentVariables })),
    fc.record({ timeout: fc.integer() }), // unknown nested key
  ),
  registry: fc.oneof(
    notAStruct,
    fc.record({ keepImages: outOfRange(1, 10000) }),
    fc.record({ untaggedExpiryDays: outOfRange(1, 3650) }),
    fc.record({ keepImages: fc.integer({ min: 1, max: 10000 }), keep: fc.integer() }),
  ),
  artifacts: fc.oneof(
    notAStruct,
    fc.record({ noncurrentVersionExpiryDays: outOfRange(1, 3650) }),
    fc.record({ expiryDays: outOfRange(1, 3650) }),
    fc.record({ forceDestroy: notABoolean }),
  ),
  notifications: fc.oneof(
    notAStruct,
    fc.record({ emails: notAList }),
    fc.tuple(fc.constant('ops@acme.example'), fc.oneof(
      withoutChar('@'), spliced(fc.constantFrom(' ', '\t', '\n'), fc.constant('a@b.co')), fc.constant(`${'a'.repeat(250)}@b.co`),
    )).map(emails => ({ emails })),
    fc.record({ states: fc.oneof(notAList, fc.constant([]), fc.array(fc.constant('FAILED'), { minLength: 6, maxLength: 8 })) }),
    fc.string().filter(s => !Object.values<string>(PipelineExecutionState).includes(s)).map(bad => ({ states: ['FAILED', bad] })),
  ),
  tags: fc.oneof(
    notAStruct,
    fc.record({ custom: notAStruct }),
    fc.record({ team: fc.oneof(fc.constant(''), notAString) }),
    fc.record({ project: fc.oneof(fc.constant(''), notAString) }),
    fc.record({ costCenter: notAString }),
    // A reserved key, in any capitalisation.
    fc.tuple(fc.constantFrom(...RESERVED_TAG_KEYS), fc.array(fc.boolean(), { minLength: 11, maxLength: 11 }))
      .map(([key, upper]) => ({ custom: { [[...key].map((c, i) => (upper[i] ? c.toUpperCase() : c.toLowerCase())).join('')]: 'v' } })),
    fc.tuple(fc.constantFrom('aws:', 'AWS:', 'Aws:', 'aWs:'), safeTagText(0, 20)).map(([prefix, rest]) => ({ custom: { [prefix + rest]: 'v' } })),
    safeTagText(129, 300).map(key => ({ custom: { [key]: 'v' } })),
    fc.fullUnicodeString({ minLength: 257, maxLength: 300 }).map(value => ({ custom: { Note: value } })),
    spliced(badTagChar, safeTagText(0, 10)).map(key => ({ custom: { [key]: 'v' } })),
    spliced(badTagChar, safeTagText(0, 10)).map(value => ({ custom: { Note: value } })),
    spliced(badTagChar, safeTagText(0, 10)).map(value => ({ team: value })),
    fc.integer({ min: 46, max: 60 }).map(n => ({ custom: customTags(n) })),
    fc.record({ Note: notAString }).map(custom => ({ custom })),
  ),
};

type Slot = keyof typeof CORRUPT;

const UNKNOWN_KEY = fc.tuple(
  fc.oneof(fc.constantFrom('branchName', 'Repository', 'codebuild', 'environment', 'tag', 'build'), anyText(30))
    .filter(key => !PROPS_KEYS.includes(key) && key !== '__proto__'),
  fc.oneof(fc.string(), fc.integer(), fc.constant(null)),
);

const SLOTS = Object.keys(CORRUPT) as Slot[];

/**
 * A valid base with one or more top-level options corrupted (mostly one, so
 * that each corruption is also tried on its own) and possibly an unknown key.
 */
const invalidProps = fc.record({
  base: fc.constantFrom<Record<string, unknown>>(FULL_PROPS as any, { repository: REPO }, { repository: REPO, environments: ['dev', 'prod'] }),
  slots: fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...SLOTS).map(slot => [slot]) },
    { weight: 2, arbitrary: fc.subarray(SLOTS, { minLength: 2 }) },
    { weight: 1, arbitrary: fc.constant<Slot[]>([]) },
  ),
  unknown: fc.oneof({ weight: 3, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: UNKNOWN_KEY }),
}).filter(({ slots, unknown }) => slots.length > 0 || unknown !== undefined)
  .chain(({ base, slots, unknown }) =>
    fc.record(Object.fromEntries(slots.map(slot => [slot, CORRUPT[slot]])) as Record<string, fc.Arbitrary<unknown>>)
      .map(corrupted => ({
        props: { ...base, ...corrupted, ...(unknown ? { [unknown[0]]: unknown[1] } : {}) } as Record<string, unknown>,
        expectedPaths: [...slots, ...(unknown ? [unknown[0]] : [])].map(key => `pipeline.${key}`),
      })));

// --- valid props ---------------------------------------------------------------
const validOwner = fc.array(alnum(1, 8), { minLength: 1, maxLength: 4 }).map(parts => parts.join('-'))
  .filter(owner => owner.length <= 39 && owner !== 'OWNER');
/** Starts with a letter or digit, so a pipeline name can always be derived from it; GitHub strips a ".git" suffix. */
const validRepoName = fc.tuple(fc.stringMatching(/^[A-Za-z0-9]$/), fc.stringMatching(/^[A-Za-z0-9._-]{0,40}$/)).map(([a, b]) => a + b)
  .filter(name => !/\.git$/i.test(name));
const validEnvironment = fc.stringMatching(/^[a-z][a-z0-9]{0,9}$/);
const validTagKey = safeTagText(1, 30).filter(key =>
  !key.toLowerCase().startsWith('aws:') && !RESERVED_TAG_KEYS.some(r => r.toLowerCase() === key.toLowerCase()));
const validEnvVarName = fc.oneof(
  fc.constantFrom('NODE_ENV', 'LOG_LEVEL', 'TZ', 'BUILD_FLAVOR'),
  fc.stringMatching(/^APP_[A-Z0-9_]{0,10}$/),
).filter(name => !SECRET_LIKE.test(name));
const validRelativePath = fc.stringMatching(/^[A-Za-z0-9_-]{1,10}(\/[A-Za-z0-9_.-]{1,10}){0,2}$/)
  .filter(p => !p.split('/').includes('..'));

const validProps: fc.Arbitrary<PipelineProps> = fc.record({
  repository: fc.tuple(validOwner, validRepoName).map(([owner, repo]) => `${owner}/${repo}`),
  branch: fc.array(fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_-]{0,15}$/), { minLength: 1, maxLength: 3 }).map(parts => parts.join('/'))
    .filter(branch => branch !== 'HEAD' && !branch.startsWith('refs/')),
  filePaths: fc.uniqueArray(fc.stringMatching(/^[a-z]{1,10}(\/\*\*)?$/), { maxLength: 8 }),
  connectionArn: fc.tuple(
    fc.constantFrom(['aws', 'eu-central-1'], ['aws', 'us-east-1'], ['aws-cn', 'cn-north-1'], ['aws-us-gov', 'us-gov-west-1']),
    fc.constantFrom('codeconnections', 'codestar-connections'),
    fc.stringMatching(/^[0-9]{12}$/),
    fc.uuid(),
  ).map(([[partition, region], service, account, uuid]) => `arn:${partition}:${service}:${region}:${account}:connection/${uuid}`),
  // S3 reserves the bucket prefixes "sthree-" and "amzn-s3-demo-".
  name: fc.stringMatching(/^[a-z0-9]{1,6}(-[a-z0-9]{1,4}){0,2}$/).filter(name => !/^(sthree|amzn-s3-demo)-/.test(name)),
  environments: fc.uniqueArray(validEnvironment, { minLength: 1, maxLength: 5 }),
  codeBuild: fc.record({
    computeType: fc.constantFrom(...Object.values(BuildComputeType)),
    image: fc.constantFrom(...Object.values(BuildImage)),
    dockerfile: validRelativePath,
    context: fc.oneof(fc.constant('.'), validRelativePath),
    timeoutMinutes: fc.integer({ min: 5, max: 2160 }),
    logRetentionDays: fc.constantFrom(...LOG_RETENTION_DAYS),
    preBuildCommands: fc.array(fc.stringMatching(/^[a-z]{1,8}( [a-z-]{1,8}){0,3}$/), { maxLength: 5 }),
    postBuildCommands: fc.array(fc.stringMatching(/^[a-z]{1,8}( [a-z-]{1,8}){0,3}$/), { maxLength: 5 }),
    environmentVariables: fc.dictionary(validEnvVarName, fc.string({ maxLength: 40 }), { maxKeys: 5, noNullPrototype: true }),
    architecture: fc.constantFrom(...Object.values(BuildArchitecture)),
  }, { requiredKeys: [] }).map(codeBuild => {
    // An image is valid only on its own architecture: an aarch64 image takes arm64, arm64 drops an x86_64 image.
    const arch = codeBuild.image === BuildImage.AMAZON_LINUX_2023_AARCH64_3_0 ? BuildArchitecture.ARM64 : codeBuild.architecture;
    const { image, ...rest } = codeBuild;
    const keepImage = image !== undefined && (arch === BuildArchitecture.ARM64) === (image === BuildImage.AMAZON_LINUX_2023_AARCH64_3_0);
    return { ...rest, ...(arch ? { architecture: arch } : {}), ...(keepImage ? { image } : {}) };
  }),
  registry: fc.record(
    { keepImages: fc.integer({ min: 1, max: 10000 }), untaggedExpiryDays: fc.integer({ min: 1, max: 3650 }) },
    { requiredKeys: [] },
  ),
  artifacts: fc.record({
    expiryDays: fc.integer({ min: 1, max: 3650 }), noncurrentVersionExpiryDays: fc.integer({ min: 1, max: 3650 }), forceDestroy: fc.boolean(),
  }, { requiredKeys: [] }),
  notifications: fc.record({
    emails: fc.uniqueArray(fc.stringMatching(/^[a-z0-9_+-]{1,10}(\.[a-z0-9_+-]{1,10})?@([a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?\.){1,3}[a-z]{2,6}$/), { maxLength: 3 }),
    states: fc.uniqueArray(fc.constantFrom(...Object.values(PipelineExecutionState)), { minLength: 1, maxLength: 5 }),
  }, { requiredKeys: [] }),
  tags: fc.record({
    team: safeTagText(1, 40),
    project: safeTagText(1, 40),
    costCenter: safeTagText(1, 40),
    // AWS tag keys are case-insensitive: unique ignoring case.
    custom: fc.uniqueArray(fc.tuple(validTagKey, safeTagText(0, 60)), { maxLength: 10, selector: ([key]) => key.toLowerCase() })
      .map(entries => Object.fromEntries(entries)),
  }, { requiredKeys: [] }),
}, { requiredKeys: ['repository'] });

describe('property: generated invalid props', () => {
  test('always throw a PipelineConfigError naming every corrupted option, each problem under "pipeline."', () => {
    fc.assert(
      fc.property(invalidProps, ({ props, expectedPaths }) => {
        const problems = problemsOf(props);
        expect(problems.length).toBeGreaterThanOrEqual(expectedPaths.length);
        for (const problem of problems) expect(problem.startsWith('pipeline.')).toBe(true);
        // No problem masks another: every corrupted option is reported.
        for (const expected of expectedPaths) {
          expect(problems.some(p => [': ', '.', '['].some(next => p.startsWith(expected + next)))).toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe('property: generated valid props', () => {
  test('always resolve, keeping the values they set', () => {
    fc.assert(
      fc.property(validProps, props => {
        const model = resolvePipeline(props);
        expect(model.repository).toBe(props.repository);
        expect(model.branch).toBe(props.branch ?? 'main');
        expect(model.environments).toEqual(props.environments ?? ['dev']);
        expect(model.registry.keepImages).toBe(props.registry?.keepImages ?? 30);
        for (const [key, value] of Object.entries(props.tags?.custom ?? {})) expect(model.tags[key]).toBe(value);
      }),
      { numRuns: 200 },
    );
  });

  test('run under Pulumi mocks with every required tag on every taggable resource', async () => {
    const taggable = new Map<string, boolean>();
    const isTaggableCached = (type: string) => {
      if (!taggable.has(type)) taggable.set(type, isTaggable(type));
      return taggable.get(type)!;
    };
    await fc.assert(
      fc.asyncProperty(validProps, async props => {
        const settings = settingsFor(props);
        const environment = settings.environment.listed[0];
        const resources = await runUnderMocks(settings, environment);
        const tagged = resources.filter(r => isTaggableCached(r.type));
        expect(tagged.length).toBeGreaterThanOrEqual(10);
        const required = { ...settings.tags, Environment: environment, ManagedBy: 'Pulumi' };
        for (const resource of tagged) {
          expect({ resource: resource.name, tags: resource.inputs.tags })
            .toEqual({ resource: resource.name, tags: expect.objectContaining(required) });
        }
      }),
      { numRuns: 10 },
    );
  });
});
