import { isPlainObject, OptionPath, Problems } from './validation';

/**
 * Known credential formats, refused in every string option: every option is
 * written to a committed file (buildspec.yml, the settings, Pulumi.yaml, the
 * README) or printed in a CI log, where anyone who can read the repository
 * could use them.
 *
 * The patterns are gitleaks' rules (https://github.com/gitleaks/gitleaks,
 * `cmd/generate/config/rules/*.go`; rule ids below), ported rather than
 * bundled: this jsii library has no runtime dependencies, gitleaks is Go, and
 * its ~200 rules would cost synth time for services no pipeline option
 * carries. Each rule keeps gitleaks' keywords (a cheap substring test before
 * the regular expression, as gitleaks does) and its minimum Shannon entropy,
 * so placeholders such as `ghp_xxxx…` pass.
 */
export interface CredentialRule {
  /** gitleaks' rule id. */
  readonly id: string;
  /** What the user pasted, for the message. */
  readonly kind: string;
  /** The fixed start of every such credential: the only part a message may show. */
  readonly prefix: string;
  /** Lower-case substrings one of which every match contains (gitleaks' keywords). */
  readonly keywords: readonly string[];
  readonly pattern: RegExp;
  /** gitleaks' minimum Shannon entropy of the match (0: none). */
  readonly entropy: number;
  /** Matches gitleaks ignores (its allowlists), e.g. AWS's documented example key. */
  readonly allow?: RegExp;
}

/** gitleaks' `GenerateUniqueTokenRegex` boundaries: the token is a word of its own. */
const unique = (body: string, flags = '') => new RegExp(`\\b(${body})(?:[\`'"\\s;]|\\\\[nr]|$)`, flags);

export const CREDENTIAL_RULES: readonly CredentialRule[] = [
  { id: 'pulumi-api-token', kind: 'Pulumi access token', prefix: 'pul-', keywords: ['pul-'], pattern: unique('pul-[a-f0-9]{40}'), entropy: 2 },
  { id: 'github-pat', kind: 'GitHub personal access token', prefix: 'ghp_', keywords: ['ghp_'], pattern: /ghp_[0-9a-zA-Z]{36}/, entropy: 3 },
  { id: 'github-fine-grained-pat', kind: 'GitHub fine-grained personal access token', prefix: 'github_pat_', keywords: ['github_pat_'], pattern: /github_pat_\w{82}/, entropy: 3 },
  { id: 'github-oauth', kind: 'GitHub OAuth access token', prefix: 'gho_', keywords: ['gho_'], pattern: /gho_[0-9a-zA-Z]{36}/, entropy: 3 },
  { id: 'github-app-token', kind: 'GitHub App token', prefix: 'ghu_/ghs_', keywords: ['ghu_', 'ghs_'], pattern: /(?:ghu|ghs)_[0-9a-zA-Z]{36}/, entropy: 3 },
  { id: 'github-refresh-token', kind: 'GitHub refresh token', prefix: 'ghr_', keywords: ['ghr_'], pattern: /ghr_[0-9a-zA-Z]{36}/, entropy: 3 },
  {
    // AKIA: access key; ASIA: temporary (STS) key; ABIA: STS bearer token; ACCA: context-specific credential
    // ("IAM identifiers", unique ID prefixes, https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html).
    id: 'aws-access-token',
    kind: 'AWS access key ID',
    prefix: 'AKIA/ASIA',
    keywords: ['a3t', 'akia', 'asia', 'abia', 'acca'],
    pattern: /\b((?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16})\b/,
    entropy: 3,
    allow: /EXAMPLE$/,
  },
  { id: 'npm-access-token', kind: 'npm access token', prefix: 'npm_', keywords: ['npm_'], pattern: unique('npm_[a-z0-9]{36}', 'i'), entropy: 2 },
  { id: 'slack-bot-token', kind: 'Slack bot token', prefix: 'xoxb-', keywords: ['xoxb'], pattern: /xoxb-[0-9]{10,13}-[0-9]{10,13}[a-zA-Z0-9-]*/, entropy: 3 },
  { id: 'slack-user-token', kind: 'Slack user token', prefix: 'xoxp-/xoxe-', keywords: ['xoxp-', 'xoxe-'], pattern: /xox[pe](?:-[0-9]{10,13}){3}-[a-zA-Z0-9-]{28,34}/, entropy: 2 },
  { id: 'slack-app-token', kind: 'Slack app-level token', prefix: 'xapp-', keywords: ['xapp'], pattern: /xapp-\d-[A-Z0-9]+-\d+-[a-z0-9]+/i, entropy: 2 },
  { id: 'slack-config-access-token', kind: 'Slack configuration token', prefix: 'xoxe.', keywords: ['xoxe.xoxb-', 'xoxe.xoxp-'], pattern: /xoxe.xox[bp]-\d-[A-Z0-9]{163,166}/i, entropy: 2 },
  { id: 'slack-config-refresh-token', kind: 'Slack configuration refresh token', prefix: 'xoxe-', keywords: ['xoxe-'], pattern: /xoxe-\d-[A-Z0-9]{146}/i, entropy: 2 },
  { id: 'slack-legacy-bot-token', kind: 'Slack legacy bot token', prefix: 'xoxb-', keywords: ['xoxb'], pattern: /xoxb-[0-9]{8,14}-[a-zA-Z0-9]{18,26}/, entropy: 2 },
  { id: 'slack-legacy-workspace-token', kind: 'Slack legacy workspace token', prefix: 'xoxa-/xoxr-', keywords: ['xoxa', 'xoxr'], pattern: /xox[ar]-(?:\d-)?[0-9a-zA-Z]{8,48}/, entropy: 2 },
  { id: 'slack-legacy-token', kind: 'Slack legacy token', prefix: 'xoxo-/xoxs-', keywords: ['xoxo', 'xoxs'], pattern: /xox[os]-\d+-\d+-\d+-[a-fA-F\d]+/, entropy: 2 },
  {
    id: 'slack-webhook-url',
    kind: 'Slack webhook URL',
    prefix: 'https://hooks.slack.com/',
    keywords: ['hooks.slack.com'],
    pattern: /(?:https?:\/\/)?hooks.slack.com\/(?:services|workflows|triggers)\/[A-Za-z0-9+/]{43,56}/,
    entropy: 0,
  },
  {
    // gitleaks also requires the key's body after the header; here the header alone is enough: no option has a
    // reason to carry it, and a key cut short in a paste is still a key. `BLOCK` covers PGP's armour.
    id: 'private-key',
    kind: 'private key',
    prefix: '-----BEGIN … PRIVATE KEY-----',
    keywords: ['-----begin'],
    pattern: /-----BEGIN[ A-Z0-9_-]{0,100}PRIVATE KEY(?: BLOCK)?-----/i,
    entropy: 0,
  },
];

/**
 * gitleaks' `aws-secret-access-key`: a sub-rule that counts only beside an
 * AWS access key ID, since 40 such characters alone are as often a commit SHA.
 * "Beside" is the same configuration here: the pair is pasted together, often
 * into two options.
 */
export const AWS_SECRET_KEY_RULE: CredentialRule = {
  id: 'aws-secret-access-key',
  kind: 'AWS secret access key',
  prefix: '',
  keywords: [],
  pattern: unique('[A-Za-z0-9/+=]{40}'),
  entropy: 3,
  allow: /EXAMPLE/,
};

/** A credential found in a string: its rule and the matched text. */
export interface CredentialMatch {
  readonly rule: CredentialRule;
  readonly secret: string;
}

/** Shannon entropy in bits per character, as gitleaks computes it. */
export function shannonEntropy(text: string): number {
  const counts = new Map<string, number>();
  for (const c of text) counts.set(c, (counts.get(c) ?? 0) + 1);
  let entropy = 0;
  for (const n of counts.values()) {
    const p = n / text.length;
    entropy -= p * Math.log2(p);
  }
  return entropy;
}

function matchRule(rule: CredentialRule, text: string): CredentialMatch | undefined {
  const match = rule.pattern.exec(text);
  if (!match) return undefined;
  const secret = match[1] ?? match[0];
  if (rule.entropy > 0 && shannonEntropy(secret) < rule.entropy) return undefined;
  if (rule.allow?.test(secret)) return undefined;
  return { rule, secret };
}

/** Every rule's keywords in one expression: one test rules nearly every string out. */
const ANY_KEYWORD = new RegExp(
  [...new Set(CREDENTIAL_RULES.flatMap(rule => rule.keywords))].map(k => k.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'i');

/** No rule matches fewer characters (a legacy Slack workspace token: `xoxa-` and 8). */
const MIN_CREDENTIAL_LENGTH = 13;

/** The first known credential in `text`, if any. */
export function findCredential(text: string): CredentialMatch | undefined {
  if (text.length < MIN_CREDENTIAL_LENGTH || !ANY_KEYWORD.test(text)) return undefined;
  const lower = text.toLowerCase();
  for (const rule of CREDENTIAL_RULES) {
    if (!rule.keywords.some(keyword => lower.includes(keyword))) continue;
    const match = matchRule(rule, text);
    if (match) return match;
  }
  return undefined;
}

/** Options whose entries are keyed by names the user chose (kept as written in option paths). */
const MAP_OPTIONS = new Set(['environmentVariables', 'secrets', 'custom']);

/** PipelineProps nest at most five levels (`stages[0].manualApproval.emails[0]`). */
const MAX_DEPTH = 16;

/** Visits a string the user wrote; `at` gives its option path (built only when needed), `isKey` marks a map key. */
type Visit = (text: string, at: () => OptionPath, isKey: boolean) => void;

/**
 * Visits every string in `value`: nested structs and lists are walked
 * generically, so an option added later is covered too.
 */
function walkStrings(value: unknown, at: () => OptionPath, inMap: boolean, visit: Visit, depth = 0): void {
  if (typeof value === 'string') {
    visit(value, at, false);
  } else if (depth > MAX_DEPTH) {
    return; // options nest a few levels; deeper is a cycle, which the other checks report as a wrong shape
  } else if (Array.isArray(value)) {
    value.forEach((item, i) => walkStrings(item, () => at().index(i), false, visit, depth + 1));
  } else if (isPlainObject(value)) {
    for (const [key, item] of Object.entries(value)) {
      if (inMap) visit(key, at, true);
      walkStrings(item, inMap ? () => at().key(key) : () => at().option(key), !inMap && MAP_OPTIONS.has(key), visit, depth + 1);
    }
  }
}

/**
 * Refuses every known credential in `options` (option path and value), one
 * problem per option naming the option and the kind of credential, never
 * the value. Run it before any other check: later problems that would repeat
 * a refused value are withheld (see `Problems`).
 */
export function checkCredentials(p: Problems, options: ReadonlyArray<readonly [OptionPath, unknown]>): void {
  const walkAll = (visit: Visit) => options.forEach(([path, value]) => walkStrings(value, () => path, false, visit));
  const report = (match: CredentialMatch, text: string, at: () => OptionPath, isKey: boolean) => {
    const where = isKey ? 'has a key that looks like' : 'looks like';
    p.addCredential(at(), `${where} ${credentialLabel(match.rule)}: ${advice(p)}`, withheldParts(match, text));
  };
  let keyId = false;
  walkAll((text, at, isKey) => {
    const match = findCredential(text);
    if (!match) return;
    keyId ||= match.rule.id === 'aws-access-token';
    report(match, text, at, isKey);
  });
  // A secret access key counts beside an access key ID anywhere in the configuration.
  if (keyId) {
    // In the key ID's own option too: that option's one problem is reported, and the key is withheld everywhere.
    walkAll((text, at, isKey) => {
      const match = matchRule(AWS_SECRET_KEY_RULE, text);
      if (match) report(match, text, at, isKey);
    });
  }
}

function credentialLabel(rule: CredentialRule): string {
  const article = /^[aeiou]/i.test(rule.kind) ? 'an' : 'a';
  return rule.prefix ? `${article} ${rule.kind} ("${rule.prefix}…")` : `${article} ${rule.kind}`;
}

function advice(p: Problems): string {
  const option = (dotted: string) => p.name(OptionPath.of(dotted));
  return `never write a credential in ${p.file ?? 'the projenrc'}, whose options are committed and printed in CI logs ` +
    '(the value is not shown here). Revoke it, store a new one in AWS Secrets Manager or Parameter Store, and give its ARN ' +
    `instead (${option('pipeline.codeBuild.secrets')}, a stage's ${option('secrets')} or ${option('pipeline.selfUpdate.accessTokenSecretArn')})`;
}

/** The parts of a refused value no message may repeat: the credential after its fixed prefix, or what follows a key's header. */
function withheldParts(match: CredentialMatch, text: string): string[] {
  const parts = match.rule.id === 'private-key'
    ? [text.slice(text.indexOf(match.secret) + match.secret.length).slice(0, 512)]
    : [match.secret.replace(/^(?:pul-|gh[pousr]_|github_pat_|npm_|xox[a-z]-|xapp-|xoxe\.xox[bp]-)/i, '')];
  return parts.filter(part => part.trim().length > 0);
}
