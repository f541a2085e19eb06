import { OptionPath, Problems } from './validation';

/** Why a group of inherited projen options has no place in an application repository. */
interface Rule {
  /** The options (camelCase, as in `.projenrc.ts`). */
  readonly options: readonly string[];
  /**
   * A value that keeps the option harmless (what the project type sets itself),
   * e.g. `release: false`; every other value is reported.
   */
  readonly harmless?: unknown;
  readonly why: string;
}

const RELEASED = 'an application is deployed by its pipeline, not released: projen\'s release workflow (version bumps, ' +
  'tags, a publish job with NPM_TOKEN) does not apply to it';

/**
 * Options that projen's TypeScriptProject (and the jsii project the type is
 * often mistaken for) accept but that would turn an application back into a
 * published library: the type switches each off, and a value that switches it
 * on again is an error rather than a silent `release.yml`.
 */
const RULES: readonly Rule[] = [
  { options: ['release', 'releaseToNpm', 'releaseFailureIssue', 'publishTasks', 'publishDryRun', 'githubRelease', 'githubReleaseLatest'], harmless: false, why: RELEASED },
  {
    options: ['releaseBranches', 'releaseTagPrefix', 'releaseTrigger', 'releaseWorkflowName', 'releaseWorkflowSetupSteps',
      'releaseWorkflowEnv', 'releaseEnvironment', 'releaseFailureIssueLabel', 'releasableCommits', 'majorVersion', 'minMajorVersion',
      'prerelease', 'versionrcOptions', 'bumpPackage', 'nextVersionCommand', 'jsiiReleaseVersion'],
    why: RELEASED,
  },
  {
    options: ['package'],
    harmless: false,
    why: 'an application is not packed: an npm tarball would carry infra/ and the Dockerfile, and the image the pipeline pushes is the deliverable',
  },
  {
    options: ['entrypoint'],
    harmless: '',
    why: 'package.json `main` is a library\'s entry point; the application starts from the Dockerfile\'s CMD',
  },
  { options: ['entrypointTypes'], why: 'package.json `types` is a library\'s typings; nothing imports the application' },
  { options: ['npmProvenance', 'npmTrustedPublishing'], harmless: false, why: 'the package is private ("private": true) and never published to npm' },
  { options: ['npmAccess', 'npmDistTag', 'npmTokenSecret'], why: 'the package is private ("private": true) and never published to npm' },
  {
    options: ['publishToPypi', 'publishToMaven', 'publishToNuget', 'publishToGo'],
    why: 'these publish a jsii library to a package registry; an application publishes nothing',
  },
];

/**
 * Reports every option of `options` that does not fit an application, each
 * naming the option (in the user's spelling) and why, in the same error as
 * every other problem of the configuration.
 */
export function checkApplicationOptions(p: Problems, options: object): void {
  for (const [option, rule] of rejected(options)) {
    p.add(OptionPath.of(option), `does not apply to an application: ${rule.why}; remove it`);
  }
}

/**
 * `options` without the ones `checkApplicationOptions` reports: projen's own
 * constructor would otherwise act on them first (or throw on a combination,
 * e.g. `releaseToNpm` without `release`) before they are reported together.
 */
export function withoutApplicationOptions<T extends object>(options: T): T {
  const kept: Record<string, unknown> = { ...(options as Record<string, unknown>) };
  for (const [option] of rejected(options)) delete kept[option];
  return kept as T;
}

function rejected(options: object): Array<[string, Rule]> {
  const given = options as Record<string, unknown>;
  return RULES.flatMap(rule => rule.options
    .filter(option => given[option] !== undefined && !('harmless' in rule && given[option] === rule.harmless))
    .map((option): [string, Rule] => [option, rule]));
}

/** Every option `checkApplicationOptions` reports, for the documentation and its tests. */
export const APPLICATION_REJECTED_OPTIONS: readonly string[] = RULES.flatMap(rule => rule.options);
