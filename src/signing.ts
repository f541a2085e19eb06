/**
 * Image signing with AWS Signer and Notation: the commands the build runs to
 * sign the pushed image by digest, and those each deploy stage runs to verify
 * it before its own commands. The tools are downloaded at pinned versions and
 * refused unless their SHA-256 is the pinned one; nothing here trusts a
 * "latest" URL.
 */

/** A file the buildspec downloads and refuses unless its SHA-256 matches. */
export interface PinnedDownload {
  readonly url: string;
  readonly sha256: string;
}

/** CodeBuild's architectures, as `uname -m` names them, and the release assets' names for them. */
const ARCHITECTURES = { x86_64: 'amd64', aarch64: 'arm64' } as const;
type Architecture = typeof ARCHITECTURES[keyof typeof ARCHITECTURES];

/**
 * The Notation CLI (notaryproject/notation), from its GitHub release. The
 * checksums are the release's own (`notation_<version>_checksums.txt`).
 */
export const NOTATION_VERSION = '1.3.2';
export const NOTATION: Record<Architecture, PinnedDownload> = {
  amd64: {
    url: `https://github.com/notaryproject/notation/releases/download/v${NOTATION_VERSION}/notation_${NOTATION_VERSION}_linux_amd64.tar.gz`,
    sha256: 'e1a0f060308086bf8020b2d31defb7c5348f133ca0dba6a1a7820ef3cbb6dfe5',
  },
  arm64: {
    url: `https://github.com/notaryproject/notation/releases/download/v${NOTATION_VERSION}/notation_${NOTATION_VERSION}_linux_arm64.tar.gz`,
    sha256: '34143c7b816a50104824278080a5cf12bbf855488e003f62e6acf27ed25c423c',
  },
};

/** AWS Signer's Notation plugin: its name for `notation sign --plugin` and the pinned release. */
export const SIGNER_PLUGIN_NAME = 'com.amazonaws.signer.notation.plugin';
export const SIGNER_PLUGIN_VERSION = 'SIGNER_PLUGIN_VERSION';
export const SIGNER_PLUGIN: Record<Architecture, PinnedDownload> = {
  amd64: { url: 'SIGNER_PLUGIN_AMD64_URL', sha256: 'SIGNER_PLUGIN_AMD64_SHA256' },
  arm64: { url: 'SIGNER_PLUGIN_ARM64_URL', sha256: 'SIGNER_PLUGIN_ARM64_SHA256' },
};

/** AWS Signer's root certificate, which signs every signing profile's certificates: the trust anchor of verification. */
export const SIGNER_ROOT_CERTIFICATE: PinnedDownload = { url: 'SIGNER_ROOT_URL', sha256: 'SIGNER_ROOT_SHA256' };

/** The Notation trust store AWS Signer's root certificate goes in (type signingAuthority). */
export const SIGNER_TRUST_STORE = 'aws-signer-ts';

/**
 * Where the tools and Notation's configuration live during a build: under
 * `/tmp`, the one place Lambda compute can write ("Run builds on AWS Lambda
 * compute", Limitations), so the same commands serve EC2 and Lambda projects.
 * Notation reads `NOTATION_CONFIG`, `NOTATION_CACHE` and `NOTATION_LIBEXEC`
 * (its plugins) from the environment (notation v1.3.2, cmd/notation/main.go).
 */
export const NOTATION_HOME = '/tmp/notation';

/** The variable a failed check's message starts with, so that logs and notifications name the gate. */
const SIGNATURE = 'Signature:';

/**
 * Downloads `what` to `file` and refuses it unless its SHA-256 is the pinned
 * one. The URL and the checksum are chosen by architecture in shell variables
 * set by `selectArchitecture` (`<prefix>_URL`, `<prefix>_SHA256`).
 */
function fetchVerified(what: string, prefix: string, file: string): string[] {
  return [
    `curl --fail --silent --show-error --location --retry 3 --output ${file} "\${${prefix}_URL}"`,
    `echo "\${${prefix}_SHA256}  ${file}" | sha256sum --check --status || { echo "${what}: ${file}'s SHA-256 is not the pinned \${${prefix}_SHA256}; refusing to install it" >&2; false; }`,
  ];
}

/** Sets `<prefix>_URL` and `<prefix>_SHA256` for this machine's architecture; any other architecture stops. */
function selectArchitecture(downloads: Record<string, Record<Architecture, PinnedDownload>>): string {
  const branch = (uname: string, arch: Architecture) => `${uname}) ${Object.entries(downloads)
    .map(([prefix, pins]) => `${prefix}_URL="${pins[arch].url}" ${prefix}_SHA256="${pins[arch].sha256}"`).join(' ')} ;;`;
  return `case "$(uname -m)" in ${Object.entries(ARCHITECTURES).map(([uname, arch]) => branch(uname, arch)).join(' ')} ` +
    '*) echo "Notation: no pinned release for $(uname -m)" >&2; false ;; esac';
}

/**
 * Installs Notation and AWS Signer's plugin; with `trustAnchor`, also adds
 * AWS Signer's root certificate to the `aws-signer-ts` trust store (what
 * verification needs, signing does not).
 */
export function installNotationCommands(trustAnchor: boolean): string[] {
  return [
    `export NOTATION_CONFIG="${NOTATION_HOME}/config" NOTATION_CACHE="${NOTATION_HOME}/cache" NOTATION_LIBEXEC="${NOTATION_HOME}/libexec" PATH="${NOTATION_HOME}/bin:\${PATH}" && mkdir -p "${NOTATION_HOME}/bin"`,
    selectArchitecture({ NOTATION, SIGNER_PLUGIN }),
    ...fetchVerified(`Notation ${NOTATION_VERSION}`, 'NOTATION', `${NOTATION_HOME}/notation.tar.gz`),
    `tar -xzf ${NOTATION_HOME}/notation.tar.gz -C ${NOTATION_HOME}/bin notation`,
    ...fetchVerified(`AWS Signer's Notation plugin ${SIGNER_PLUGIN_VERSION}`, 'SIGNER_PLUGIN', `${NOTATION_HOME}/signer-plugin.zip`),
    `notation plugin install --file ${NOTATION_HOME}/signer-plugin.zip`,
    ...(trustAnchor ? [
      `SIGNER_ROOT_URL="${SIGNER_ROOT_CERTIFICATE.url}" SIGNER_ROOT_SHA256="${SIGNER_ROOT_CERTIFICATE.sha256}"`,
      ...fetchVerified('AWS Signer\'s root certificate', 'SIGNER_ROOT', `${NOTATION_HOME}/aws-signer-notation-root.cert`),
      `notation cert add --type signingAuthority --store ${SIGNER_TRUST_STORE} ${NOTATION_HOME}/aws-signer-notation-root.cert`,
    ] : []),
  ];
}

/**
 * Registry credentials for one Notation command, from the environment it
 * reads and unsets at once (`NOTATION_USERNAME`/`NOTATION_PASSWORD`): nothing
 * is written to disk, and CodeBuild logs the command as written, unexpanded.
 */
const ECR_CREDENTIALS = 'NOTATION_USERNAME=AWS NOTATION_PASSWORD="$(aws ecr get-login-password --region "${AWS_DEFAULT_REGION}")"';

/** Stops unless `IMAGE_DIGEST` is a SHA-256 digest: a tag alone is never signed or deployed. */
const DIGEST_CHECK = `[[ "\${IMAGE_DIGEST}" =~ ^sha256:[0-9a-f]{64}$ ]] || { echo "${SIGNATURE} IMAGE_DIGEST (\${IMAGE_DIGEST:-unset}) is not an image digest: only a digest is signed and deployed, never a tag alone" >&2; false; }`;

/**
 * The build's signing, after `IMAGE_DIGEST` is known: the image is signed by
 * digest (never by tag) with the stack's signing profile
 * (`SIGNING_PROFILE_ARN`, set on the build project), and the signature is
 * pushed beside the image as an OCI referrer.
 */
export function signCommands(): string[] {
  return [
    DIGEST_CHECK,
    `${ECR_CREDENTIALS} notation sign --plugin ${SIGNER_PLUGIN_NAME} --id "\${SIGNING_PROFILE_ARN}" "\${REPOSITORY_URI}@\${IMAGE_DIGEST}"`,
  ];
}

/**
 * The Notation trust policy of a deploy stage: only images of this stack's
 * repository (`registryScopes`), signed by this stack's signing profile
 * (`trustedIdentities`), under AWS Signer's root (`trustStores`), with every
 * check enforced (`strict`: integrity, authenticity, expiry and revocation).
 * Written at run time, from the project's `REPOSITORY_URI` and
 * `SIGNING_PROFILE_ARN`, so one buildspec serves every environment.
 */
export function trustPolicyCommand(): string {
  const policy = {
    version: '1.0',
    trustPolicies: [{
      name: 'this-pipeline',
      registryScopes: ['%s'],
      signatureVerification: { level: 'strict' },
      trustStores: [`signingAuthority:${SIGNER_TRUST_STORE}`],
      trustedIdentities: ['%s'],
    }],
  };
  return `printf '${JSON.stringify(policy)}' "\${REPOSITORY_URI}" "\${SIGNING_PROFILE_ARN}" > ${NOTATION_HOME}/trustpolicy.json && ` +
    `notation policy import --force ${NOTATION_HOME}/trustpolicy.json`;
}

/**
 * A deploy stage's verification, before any of its own commands (and before
 * it assumes a target role: it runs in the pipeline's account): the digest is
 * a digest, the image is this stack's repository's, and its signature verifies
 * against the trust policy. Each failure says what it refused.
 */
export function verifyCommands(): string[] {
  return [
    DIGEST_CHECK,
    `[ "\${IMAGE_URI%:*}" = "\${REPOSITORY_URI}" ] || { echo "${SIGNATURE} \${IMAGE_URI} is not an image of this pipeline's repository \${REPOSITORY_URI}; refusing to deploy it" >&2; false; }`,
    trustPolicyCommand(),
    `${ECR_CREDENTIALS} notation verify "\${REPOSITORY_URI}@\${IMAGE_DIGEST}" || { echo "${SIGNATURE} \${REPOSITORY_URI}@\${IMAGE_DIGEST} has no valid signature of this pipeline's signing profile \${SIGNING_PROFILE_ARN} (unsigned, signed by another profile, expired or revoked); refusing to deploy it" >&2; false; }`,
  ];
}
