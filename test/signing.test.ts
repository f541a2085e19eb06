import { spawnSync } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as YAML from 'yaml';
import { problemsOf, tempDir } from './helpers';
import { renderBuildspec } from '../src/buildspec';
import { renderDeployBuildspec } from '../src/deploy-buildspec';
import { resolvePipeline } from '../src/pipeline-model';
import { PipelineProps } from '../src/pipeline-props';
import {
  NOTATION, NOTATION_HOME, SIGNER_GPG_FINGERPRINT, SIGNER_GPG_KEY_URL, SIGNER_PLUGIN, SIGNER_PLUGIN_NAME, SIGNER_ROOT_CERTIFICATE,
} from '../src/signing';

/**
 * Issue 18, signing: the managed buildspecs, run by bash as CodeBuild runs a
 * version 0.2 buildspec (phases in order, the first failing phase ends the
 * build), against a fake world: `curl` serves files from a folder, `aws`
 * answers as ECR would, and the "Notation release" it serves is a tarball whose
 * `notation` keeps signatures in a folder and verifies them against the trust
 * policy the buildspec imported. GPG, sha256sum, tar, unzip and base64 are the
 * real tools: the plugin's signature is checked by gpg with a key generated
 * here, whose fingerprint stands in for AWS's, as the tarball's checksum and
 * the root certificate's fingerprint stand in for the pinned ones. Each
 * substitution first asserts that the buildspec carries the pinned value.
 */

const REGION = 'eu-west-1';
const ACCOUNT = '123456789012';
const REPOSITORY_URI = `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/web-app-dev`;
const PROFILE = `arn:aws:signer:${REGION}:${ACCOUNT}:/signing-profiles/web_app_dev_20261202000000000000000001`;
const OTHER_PROFILE = `arn:aws:signer:${REGION}:${ACCOUNT}:/signing-profiles/someone_else`;
const DIGEST = `sha256:${'4f'.repeat(32)}`;
const COMMIT = '4f2a9c1';
const SIGNED: PipelineProps = { repository: 'acme/web-app', supplyChain: {}, stages: [{ name: 'dev', commands: ['echo "${VERIFIED_IMAGE_URI}" > "${DEPLOYED}"'] }] };

const sha256 = (file: string) => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
const run = (command: string, args: string[], cwd?: string) => {
  const result = spawnSync(command, args, { cwd, encoding: 'utf-8' });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
};

/**
 * The fake `notation` the fake release carries: signs into, and verifies from, a folder of signatures, against the
 * trust policy and trust store the buildspec set up (test/signing-fixtures/notation).
 */
const FAKE_NOTATION = fs.readFileSync(path.join(__dirname, 'signing-fixtures', 'notation'), 'utf-8');

interface World {
  readonly dir: string;
  readonly bin: string;
  /** What curl serves: URL → file. */
  readonly served: Map<string, string>;
  /** The pins to put in place of AWS's and the Notation release's. */
  readonly pins: { notationSha256: string; gpgFingerprint: string; rootFingerprint: string };
}

let gpgHome: string;
let ourKey: { fingerprint: string; file: string };
let strangerKey: { fingerprint: string; file: string };

/** A GPG key pair in the shared test keyring, exported (public) to a file. */
function gpgKey(name: string): { fingerprint: string; file: string } {
  run('gpg', ['--homedir', gpgHome, '--batch', '--passphrase', '', '--quick-gen-key', `${name} <${name}@example.com>`, 'ed25519', 'sign', 'never']);
  const colons = run('gpg', ['--homedir', gpgHome, '--batch', '--with-colons', '--fingerprint', `${name}@example.com`]);
  const fingerprint = colons.split('\n').find(line => line.startsWith('fpr:'))!.split(':')[9];
  const file = path.join(gpgHome, `${name}.key`);
  fs.writeFileSync(file, run('gpg', ['--homedir', gpgHome, '--batch', '--armor', '--export', fingerprint]));
  return { fingerprint, file };
}

beforeAll(() => {
  gpgHome = tempDir('signing-gpg');
  fs.chmodSync(gpgHome, 0o700);
  ourKey = gpgKey('signer');
  strangerKey = gpgKey('stranger');
});

afterAll(() => {
  spawnSync('gpgconf', ['--homedir', gpgHome, '--kill', 'all']);
});

/**
 * The real Notation 1.3.2, built from its Go module once and cached (the release tarball's address is not
 * reachable from the test machine; its module is, through the Go module proxy).
 */
const NOTATION_MODULE = 'github.com/notaryproject/notation@v1.3.2';
function realNotation(): string {
  const binary = path.join(__dirname, '..', 'node_modules', '.cache', 'cicd-pipeline-type', 'notation-1.3.2', 'notation');
  if (fs.existsSync(binary)) return binary;
  const moduleDir = JSON.parse(run('go', ['mod', 'download', '-json', NOTATION_MODULE], os.tmpdir())).Dir as string;
  fs.mkdirSync(path.dirname(binary), { recursive: true });
  const built = spawnSync('nice', ['-n', '10', 'go', 'build', '-o', binary, './cmd/notation'], {
    cwd: moduleDir, encoding: 'utf-8', env: { ...process.env, CGO_ENABLED: '0', GOFLAGS: '-mod=readonly' },
  });
  if (built.status !== 0) throw new Error(`go build ${NOTATION_MODULE}: ${built.stderr}`);
  return binary;
}

/** What the plugin answers Notation's `get-plugin-metadata` with (its name and capabilities, per the plugin contract). */
const PLUGIN_METADATA = JSON.stringify({
  name: SIGNER_PLUGIN_NAME,
  description: 'stand-in for AWS Signer\'s plugin',
  version: '1.0.2292',
  url: 'https://example.com',
  supportedContractVersions: ['1.0'],
  capabilities: ['SIGNATURE_GENERATOR.ENVELOPE', 'SIGNATURE_VERIFIER.TRUSTED_IDENTITY', 'SIGNATURE_VERIFIER.REVOCATION_CHECK'],
});

interface WorldOptions {
  /** Ship the real Notation in the release tarball, and a real CA certificate as AWS Signer's root. */
  readonly real?: { readonly notation: string };
  /** Who signed the plugin binary (default: the pinned key). */
  readonly pluginSignedBy?: 'ours' | 'stranger';
  /** Serve the stranger's key as AWS's. */
  readonly strangerKeyServed?: boolean;
  /** Keep the real pinned Notation checksum, so the fake tarball's does not match. */
  readonly realNotationPin?: boolean;
  /** Serve a root certificate other than the pinned one. */
  readonly otherRootCertificate?: boolean;
}

/** The files a build downloads, made here: a Notation tarball, AWS's key, the plugin zip and its signature, the root certificate. */
function makeWorld(options: WorldOptions = {}): World {
  const dir = tempDir('signing-world');
  const bin = path.join(dir, 'bin');
  const srv = path.join(dir, 'srv');
  for (const sub of [bin, srv, path.join(dir, 'signatures'), path.join(dir, 'release')]) fs.mkdirSync(sub, { recursive: true });
  if (options.real) fs.copyFileSync(options.real.notation, path.join(dir, 'release', 'notation'));
  else fs.writeFileSync(path.join(dir, 'release', 'notation'), FAKE_NOTATION, { mode: 0o755 });
  run('tar', ['-czf', path.join(srv, 'notation.tar.gz'), '-C', path.join(dir, 'release'), 'notation']);
  fs.mkdirSync(path.join(dir, 'plugin'));
  const plugin = path.join(dir, 'plugin', `notation-${SIGNER_PLUGIN_NAME}`);
  fs.writeFileSync(plugin, `#!/bin/sh\n[ "$1" = get-plugin-metadata ] && cat <<'JSON'\n${PLUGIN_METADATA}\nJSON\n`, { mode: 0o755 });
  run('zip', ['-q', '-j', path.join(srv, 'plugin.zip'), plugin]);
  const signer = options.pluginSignedBy === 'stranger' ? strangerKey : ourKey;
  run('gpg', ['--homedir', gpgHome, '--batch', '--yes', '--local-user', signer.fingerprint, '--output', path.join(srv, 'plugin.sig'), '--detach-sign', plugin]);
  let der: Buffer;
  if (options.real) {
    // A real self-signed CA certificate: the real Notation checks what it adds to a trust store.
    run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-384', '-nodes', '-days', '2', '-subj', '/CN=Stand-in Root CA G1',
      '-keyout', path.join(dir, 'root.key'), '-out', path.join(srv, 'root.cert')]);
    der = spawnSync('openssl', ['x509', '-in', path.join(srv, 'root.cert'), '-outform', 'DER']).stdout;
  } else {
    der = crypto.randomBytes(600);
    fs.writeFileSync(path.join(srv, 'root.cert'), `-----BEGIN CERTIFICATE-----\r\n${der.toString('base64').replace(/(.{64})/g, '$1\r\n')}\r\n-----END CERTIFICATE-----\r\n`);
  }
  const served = new Map<string, string>();
  for (const arch of ['amd64', 'arm64'] as const) {
    served.set(NOTATION[arch].url, path.join(srv, 'notation.tar.gz'));
    served.set(SIGNER_PLUGIN[arch].zip, path.join(srv, 'plugin.zip'));
    served.set(SIGNER_PLUGIN[arch].signature, path.join(srv, 'plugin.sig'));
  }
  served.set(SIGNER_GPG_KEY_URL, options.strangerKeyServed ? strangerKey.file : ourKey.file);
  served.set(SIGNER_ROOT_CERTIFICATE.url, path.join(srv, 'root.cert'));
  fs.writeFileSync(path.join(bin, 'curl'), [
    '#!/bin/bash',
    'while [ $# -gt 1 ]; do [ "$1" = --output ] && out="$2"; shift; done',
    'case "$1" in',
    ...[...served].map(([url, file]) => `  '${url}') cp '${file}' "$out" ;;`),
    '  *) echo "curl: (22) 404 $1" >&2; exit 22 ;;',
    'esac',
  ].join('\n'), { mode: 0o755 });
  fs.writeFileSync(path.join(bin, 'aws'), [
    '#!/bin/bash',
    'printf \'%s\\0\' "$@" >> "$FAKE_WORLD/aws.log"; echo >> "$FAKE_WORLD/aws.log"',
    'case "$*" in',
    '  *get-login-password*) echo ecr-password ;;',
    `  *--query*) echo ${DIGEST} ;;`,
    '  *describe-images*) exit 1 ;;',
    '  *assume-role*) echo AKIA SECRET TOKEN ;;',
    'esac',
  ].join('\n'), { mode: 0o755 });
  fs.writeFileSync(path.join(bin, 'docker'), '#!/bin/bash\ncat >/dev/null 2>&1 || true\n[ "$1" != buildx ]\n', { mode: 0o755 });
  const rootDer = options.otherRootCertificate ? crypto.randomBytes(600) : der;
  return {
    dir,
    bin,
    served,
    pins: {
      notationSha256: options.realNotationPin ? NOTATION.amd64.sha256 : sha256(path.join(srv, 'notation.tar.gz')),
      gpgFingerprint: ourKey.fingerprint,
      rootFingerprint: crypto.createHash('sha256').update(rootDer).digest('hex'),
    },
  };
}

/** The buildspec's commands with the world's pins and folder in place of the real ones (each must be there). */
function withPins(world: World, commands: string[]): string[] {
  const text = JSON.stringify(commands);
  const replacements: Array<[string, string]> = [
    [NOTATION.amd64.sha256, world.pins.notationSha256],
    [NOTATION.arm64.sha256, world.pins.notationSha256],
    [SIGNER_GPG_FINGERPRINT, world.pins.gpgFingerprint],
    [SIGNER_ROOT_CERTIFICATE.fingerprint, world.pins.rootFingerprint],
    [NOTATION_HOME, path.join(world.dir, 'notation')],
  ];
  let replaced = text;
  for (const [pinned, local] of replacements) {
    if (pinned === SIGNER_ROOT_CERTIFICATE.fingerprint && !text.includes(pinned)) continue; // the build trusts no root
    expect(text).toContain(pinned);
    replaced = replaced.split(pinned).join(local);
  }
  return JSON.parse(replaced);
}

interface Outcome { readonly status: number | null; readonly stdout: string; readonly stderr: string; readonly world: World }

/** Runs `phases` of a rendered buildspec as CodeBuild would, with the project's and the action's variables. */
function runPhases(world: World, spec: any, env: Record<string, string>): Outcome {
  const quote = (value: string) => `'${value.replace(/'/g, '\'\\\'\'')}'`;
  const phases = ['install', 'pre_build', 'build', 'post_build'].filter(phase => spec.phases[phase]);
  const script = [
    'set -e',
    ...Object.entries<string>(spec.env.variables).map(([k, v]) => `export ${k}=${quote(v)}`),
    ...withPins(world, phases.flatMap(phase => spec.phases[phase].commands)),
  ].join('\n');
  const result = spawnSync('bash', ['--noprofile', '--norc', '-c', script], {
    cwd: world.dir,
    encoding: 'utf-8',
    env: {
      PATH: `${world.bin}:${process.env.PATH}`,
      HOME: world.dir,
      FAKE_WORLD: world.dir,
      AWS_DEFAULT_REGION: REGION,
      ...env,
    },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr, world };
}

const parse = (model: object) => YAML.parse(YAML.stringify(model));

function build(world: World, props: PipelineProps = SIGNED): Outcome {
  return runPhases(world, parse(renderBuildspec(resolvePipeline(props))), {
    CODEBUILD_RESOLVED_SOURCE_VERSION: COMMIT, REPOSITORY_URI, REPOSITORY_NAME: 'web-app-dev', SIGNING_PROFILE_ARN: PROFILE,
  });
}

function deploy(world: World, image: Partial<Record<'IMAGE_URI' | 'IMAGE_DIGEST', string>> = {}, props: PipelineProps = SIGNED): Outcome & { deployed: boolean } {
  const model = resolvePipeline(props);
  const outcome = runPhases(world, parse(renderDeployBuildspec(model.stages[0], model.supplyChain?.signing !== undefined)), {
    REPOSITORY_URI,
    SIGNING_PROFILE_ARN: PROFILE,
    IMAGE_URI: `${REPOSITORY_URI}:${COMMIT}`,
    IMAGE_TAG: COMMIT,
    IMAGE_DIGEST: DIGEST,
    DEPLOYED: path.join(world.dir, 'deployed'),
    CODEBUILD_BUILD_NUMBER: '7',
    ...image,
  });
  return { ...outcome, deployed: fs.existsSync(path.join(world.dir, 'deployed')) };
}

const calls = (world: World, tool: 'notation' | 'aws'): string[][] => {
  const file = path.join(world.dir, `${tool}.log`);
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf-8').split('\n').filter(Boolean).map(line => line.split('\0').filter(Boolean)) : [];
};
const signedBy = (world: World, digest = DIGEST) => fs.readFileSync(path.join(world.dir, 'signatures', digest), 'utf-8').split('\n').filter(Boolean);
const sign = (world: World, digest: string, profile: string) => fs.appendFileSync(path.join(world.dir, 'signatures', digest), `${profile}\n`);

describe('the build signs exactly the pushed digest with the stack\'s profile', () => {
  test('after the push: one signature, by digest, with the profile in SIGNING_PROFILE_ARN, as an OCI referrer', () => {
    const world = makeWorld();
    const outcome = build(world);
    expect({ status: outcome.status, refused: outcome.stderr.includes('Signature: ') }).toEqual({ status: 0, refused: false });
    const signs = calls(world, 'notation').filter(c => c[0] === 'sign');
    expect(signs).toEqual([[
      'sign', '--force-referrers-tag=false', '--plugin', SIGNER_PLUGIN_NAME, '--id', PROFILE, `${REPOSITORY_URI}@${DIGEST}`,
    ]]);
    expect(signedBy(world)).toEqual([PROFILE]);
    // The digest signed is the one ECR reported for the commit's tag, which the build exports to the deploy stages.
    expect(calls(world, 'aws').some(c => c.includes('describe-images') && c.includes(`imageTag=${COMMIT}`) && c.includes('--query'))).toBe(true);
  });

  test('the plugin is installed where Notation finds it, never through `notation plugin install` (which runs it before verification)', () => {
    const world = makeWorld();
    expect(build(world).status).toBe(0);
    const installed = path.join(world.dir, 'notation', 'libexec', 'plugins', SIGNER_PLUGIN_NAME, `notation-${SIGNER_PLUGIN_NAME}`);
    expect(() => fs.accessSync(installed, fs.constants.X_OK)).not.toThrow();
    expect(calls(world, 'notation').map(c => c.slice(0, 2).join(' '))).toEqual(['plugin ls', 'sign --force-referrers-tag=false']);
  });

  test('without signing (supplyChain.signing false, or no supplyChain) the build neither installs nor signs', () => {
    for (const props of [{ ...SIGNED, supplyChain: { signing: false } }, { repository: 'acme/web-app' }]) {
      const spec = renderBuildspec(resolvePipeline(props));
      expect(spec.phases.install).toBeUndefined();
      expect(JSON.stringify(spec)).not.toMatch(/notation|signer/i);
    }
  });
});

describe('the downloads are pinned and verified before anything runs', () => {
  test('a Notation release whose SHA-256 is not the pinned one stops the build before it is unpacked', () => {
    const world = makeWorld({ realNotationPin: true });
    const outcome = build(world);
    expect(outcome.status).not.toBe(0);
    expect(outcome.stderr).toContain(`Signature: Notation 1.3.2's SHA-256 is not the pinned ${NOTATION.amd64.sha256}; refusing to install it`);
    expect(fs.existsSync(path.join(world.dir, 'notation', 'bin', 'notation'))).toBe(false);
    expect(calls(world, 'notation')).toEqual([]);
  });

  test('a plugin signed by another key is refused, and never installed', () => {
    const world = makeWorld({ pluginSignedBy: 'stranger' });
    const outcome = build(world);
    expect(outcome.status).not.toBe(0);
    expect(outcome.stderr).toContain('Signature: AWS Signer\'s Notation plugin is not signed by AWS Signer\'s key');
    expect(fs.existsSync(path.join(world.dir, 'notation', 'libexec'))).toBe(false);
  });

  test('a key served as AWS\'s without the pinned fingerprint is refused, with the plugin it would vouch for', () => {
    const world = makeWorld({ strangerKeyServed: true, pluginSignedBy: 'stranger' });
    const outcome = build(world);
    expect(outcome.status).not.toBe(0);
    expect(outcome.stderr).toContain(`does not have the pinned fingerprint ${ourKey.fingerprint}; refusing its plugin`);
    expect(fs.existsSync(path.join(world.dir, 'notation', 'plugin.zip'))).toBe(false);
  });

  test('the pins in the buildspec are the release\'s and AWS\'s, for both architectures', () => {
    const text = JSON.stringify(renderBuildspec(resolvePipeline(SIGNED)).phases.install);
    const pins = [NOTATION.amd64.sha256, NOTATION.arm64.sha256, NOTATION.amd64.url, NOTATION.arm64.url, SIGNER_GPG_FINGERPRINT];
    for (const value of pins) expect(text).toContain(value);
    expect(NOTATION.amd64.sha256).toBe('e1a0f060308086bf8020b2d31defb7c5348f133ca0dba6a1a7820ef3cbb6dfe5');
    expect(NOTATION.arm64.sha256).toBe('34143c7b816a50104824278080a5cf12bbf855488e003f62e6acf27ed25c423c');
    expect(text).not.toMatch(/notation plugin install/);
  });
});

describe('every deploy stage verifies before its first command', () => {
  test('an image signed by this stack\'s profile is verified, then deployed', () => {
    const world = makeWorld();
    sign(world, DIGEST, PROFILE);
    const outcome = deploy(world);
    // gpg reports the good signature on stderr; nothing else may complain.
    expect({ status: outcome.status, refused: outcome.stderr.includes('Signature: ') }).toEqual({ status: 0, refused: false });
    expect(outcome.stderr).toContain('Good signature');
    expect(outcome.deployed).toBe(true);
    // The stage's commands get the verified image by digest.
    expect(fs.readFileSync(path.join(world.dir, 'deployed'), 'utf-8')).toBe(`${REPOSITORY_URI}@${DIGEST}\n`);
    expect(calls(world, 'notation').filter(c => c[0] === 'verify')).toEqual([['verify', `${REPOSITORY_URI}@${DIGEST}`]]);
    const policy = JSON.parse(fs.readFileSync(path.join(world.dir, 'notation', 'config', 'trustpolicy.json'), 'utf-8'));
    expect(policy.trustPolicies).toEqual([expect.objectContaining({
      registryScopes: [REPOSITORY_URI], trustedIdentities: [PROFILE], signatureVerification: { level: 'strict' },
    })]);
  });

  test.each([
    ['an unsigned digest', (_world: World) => undefined, {}, 'has no valid signature of this pipeline\'s signing profile'],
    ['a digest signed by another profile', (world: World) => sign(world, DIGEST, OTHER_PROFILE), {}, 'has no valid signature'],
    ['a tag without a digest', (world: World) => sign(world, DIGEST, PROFILE), { IMAGE_DIGEST: '' }, 'IMAGE_DIGEST (unset) is not an image digest'],
    ['a tag in place of the digest', (world: World) => sign(world, DIGEST, PROFILE), { IMAGE_DIGEST: COMMIT }, `IMAGE_DIGEST (${COMMIT}) is not an image digest`],
    ['another repository\'s image', (world: World) => sign(world, DIGEST, PROFILE), { IMAGE_URI: `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/other:${COMMIT}` },
      'is not an image of this pipeline\'s repository'],
  ])('%s stops the stage with a Signature message, before any of its commands', (_name, prepare, image, message) => {
    const world = makeWorld();
    prepare(world);
    const outcome = deploy(world, image);
    expect(outcome.status).not.toBe(0);
    expect(outcome.stderr).toContain('Signature: ');
    expect(outcome.stderr).toContain(message);
    expect(outcome.deployed).toBe(false);
  });

  test('a stage with a target role verifies in the pipeline\'s account: a refused image never assumes the role', () => {
    const crossAccount: PipelineProps = {
      ...SIGNED, stages: [{ name: 'prod', commands: ['touch "${DEPLOYED}"'], assumeRoleArn: 'arn:aws:iam::210987654321:role/deployer' }],
    };
    const refused = makeWorld();
    const outcome = deploy(refused, {}, crossAccount);
    expect(outcome.status).not.toBe(0);
    expect(calls(refused, 'aws').filter(c => c.includes('assume-role'))).toEqual([]);
    const verified = makeWorld();
    sign(verified, DIGEST, PROFILE);
    expect(deploy(verified, {}, crossAccount).deployed).toBe(true);
    const order = calls(verified, 'aws').map(c => (c.includes('assume-role') ? 'assume' : c.includes('get-login-password') ? 'login' : 'other'));
    expect(order.indexOf('login')).toBeLessThan(order.indexOf('assume'));
  });

  test('a root certificate other than AWS Signer\'s pinned one is never trusted', () => {
    const world = makeWorld({ otherRootCertificate: true });
    sign(world, DIGEST, PROFILE);
    const outcome = deploy(world);
    expect(outcome.stderr).toContain('AWS Signer\'s root certificate does not have the pinned SHA-256 fingerprint');
    expect(outcome.deployed).toBe(false);
  });

  test('without signing a deploy stage has no install phase and deploys as before', () => {
    const model = resolvePipeline({ ...SIGNED, supplyChain: { signing: false } });
    expect(renderDeployBuildspec(model.stages[0], false).phases.install).toBeUndefined();
  });
});

describe('pipeline.supplyChain.signing options', () => {
  test('{} signs with a 12-month validity; signing false keeps the scan alone', () => {
    expect(resolvePipeline(SIGNED).supplyChain?.signing).toEqual({ validityMonths: 12 });
    expect(resolvePipeline({ ...SIGNED, supplyChain: { signatureValidityMonths: 135 } }).supplyChain?.signing).toEqual({ validityMonths: 135 });
    expect(resolvePipeline({ ...SIGNED, supplyChain: { signing: false } }).supplyChain).toEqual({ thresholds: { critical: 0, high: 0 } });
  });

  test('bad values, all at once, each named (TypeScript and Python spelling)', () => {
    expect(problemsOf({ ...SIGNED, supplyChain: { signing: 'yes' as any, signatureValidityMonths: 0 } })).toEqual([
      'pipeline.supplyChain.signing: must be true or false',
      'pipeline.supplyChain.signatureValidityMonths: must be from 1 to 135 (got 0)',
    ]);
    expect(problemsOf({ ...SIGNED, supplyChain: { signatureValidityMonths: 2.5 } }, 'python')).toEqual([
      'pipeline.supply_chain.signature_validity_months: must be a whole number from 1 to 135 (got number 2.5)',
    ]);
    expect(problemsOf({ ...SIGNED, supplyChain: { signing: false, signatureValidityMonths: 6 } })).toEqual([
      'pipeline.supplyChain.signatureValidityMonths: has no effect with pipeline.supplyChain.signing false: remove one of them',
    ]);
  });

  test('untagged artifacts (signatures among them) are kept as long as a signature is valid; a shorter expiry is refused', () => {
    expect(resolvePipeline(SIGNED).registry.untaggedExpiryDays).toBe(12 * 31);
    expect(resolvePipeline({ ...SIGNED, supplyChain: { signatureValidityMonths: 3 } }).registry.untaggedExpiryDays).toBe(93);
    const longer = resolvePipeline({ ...SIGNED, supplyChain: { signatureValidityMonths: 3 }, registry: { untaggedExpiryDays: 400 } });
    expect(longer.registry.untaggedExpiryDays).toBe(400);
    expect(resolvePipeline({ ...SIGNED, supplyChain: { signing: false } }).registry.untaggedExpiryDays).toBe(7);
    expect(problemsOf({ ...SIGNED, registry: { untaggedExpiryDays: 7 } })).toEqual([
      expect.stringMatching(/^pipeline\.registry\.untaggedExpiryDays: must be at least 372 with pipeline\.supplyChain\.signing \(12 months/),
    ]);
  });

  test('the variables signing reads are reserved in the build and in every stage, with or without signing', () => {
    for (const name of ['SIGNING_PROFILE_ARN', 'NOTATION_PASSWORD']) {
      expect(problemsOf({ repository: 'acme/web-app', codeBuild: { environmentVariables: { [name]: 'x' } } })).toEqual([expect.stringContaining(name)]);
      expect(problemsOf({ repository: 'acme/web-app', stages: [{ name: 'dev', commands: ['true'], environmentVariables: { [name]: 'x' } }] }))
        .toEqual([expect.stringContaining(name)]);
    }
  });
});

describe('the install phase with the real Notation 1.3.2', () => {
  let notation: string;
  beforeAll(() => {
    notation = realNotation();
  }, 600_000);

  test('Notation finds the plugin where it is placed, trusts the root in aws-signer-ts, and accepts the trust policy as written', () => {
    const world = makeWorld({ real: { notation } });
    const model = resolvePipeline(SIGNED);
    const spec = parse(renderDeployBuildspec(model.stages[0], true));
    // Everything before the verification itself (which needs a registry holding a Signer-signed image), then Notation's own view.
    const install: string[] = spec.phases.install.commands.filter((command: string) => !/ notation verify /.test(command));
    expect(install.length).toBe(spec.phases.install.commands.length - 1);
    spec.phases = {
      install: {
        commands: [...install, 'notation plugin ls', 'notation cert ls', 'notation policy show'],
      },
    };
    const outcome = runPhases(world, spec, {
      REPOSITORY_URI, SIGNING_PROFILE_ARN: PROFILE, IMAGE_URI: `${REPOSITORY_URI}:${COMMIT}`, IMAGE_DIGEST: DIGEST,
    });
    // gpg's report of the plugin's good signature, and Notation's notice that --force replaces any policy, are all on stderr.
    const notices = [/^gpg:/, /^Primary key fingerprint:/, /^Warning: existing trust policy configuration file will be overwritten$/];
    const complaints = outcome.stderr.split('\n').filter(line => line !== '' && !notices.some(notice => notice.test(line)));
    expect({ status: outcome.status, complaints }).toEqual({ status: 0, complaints: [] });
    // `plugin ls` ran the stand-in plugin's get-plugin-metadata from the path the buildspec placed it at.
    expect(outcome.stdout).toMatch(new RegExp(`${SIGNER_PLUGIN_NAME.replace(/\./g, '\\.')}\\s+stand-in for AWS Signer's plugin\\s+1\\.0\\.2292`));
    expect(outcome.stdout).toMatch(/signingAuthority\s+aws-signer-ts\s+aws-signer-notation-root\.cert/);
    // Notation validated and kept the policy: this profile alone, this repository alone, strict.
    const shown = JSON.parse(outcome.stdout.slice(outcome.stdout.indexOf('{"version"')));
    expect(shown).toEqual({
      version: '1.0',
      trustPolicies: [{
        name: 'this-pipeline',
        registryScopes: [REPOSITORY_URI],
        signatureVerification: { level: 'strict' },
        trustStores: ['signingAuthority:aws-signer-ts'],
        trustedIdentities: [PROFILE],
      }],
    });
  });
});
