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

/**
 * AWS Signer's Notation plugin: its name for `notation sign --plugin`, and
 * where AWS publishes it. AWS publishes the plugin at a "latest" address only,
 * with no versioned address and no checksum, and signs the binary with its
 * GPG key ("Prerequisites for signing container images", AWS Signer Developer
 * Guide, https://docs.aws.amazon.com/signer/latest/developerguide/image-signing-prerequisites.html).
 * A checksum pin would break every pipeline the day AWS ships a new plugin, so
 * the pin is the signer instead: the key must have the fingerprint below, and
 * the binary must carry its valid signature, or it is neither installed nor run.
 */
export const SIGNER_PLUGIN_NAME = 'com.amazonaws.signer.notation.plugin';
const SIGNER_DOWNLOADS = 'https://d2hvyiie56hcat.cloudfront.net';
export const SIGNER_PLUGIN: Record<Architecture, { readonly zip: string; readonly signature: string }> = {
  amd64: {
    zip: `${SIGNER_DOWNLOADS}/linux/amd64/plugin/latest/notation-aws-signer-plugin.zip`,
    signature: `${SIGNER_DOWNLOADS}/linux/amd64/plugin/latest/notation-${SIGNER_PLUGIN_NAME}.sig`,
  },
  arm64: {
    zip: `${SIGNER_DOWNLOADS}/linux/arm64/plugin/latest/notation-aws-signer-plugin.zip`,
    signature: `${SIGNER_DOWNLOADS}/linux/arm64/plugin/latest/notation-${SIGNER_PLUGIN_NAME}.sig`,
  },
};
/** AWS Signer's GPG key for its Linux downloads, and the fingerprint AWS publishes for it (same page). */
export const SIGNER_GPG_KEY_URL = `${SIGNER_DOWNLOADS}/linux/public.key`;
export const SIGNER_GPG_FINGERPRINT = 'E84AF8A2A9B52F1F4435AE71A3B52DA65461CF90';

/**
 * AWS Signer's root certificate for the `aws` partition (same page), which
 * issues every signing profile's certificates: the trust anchor of every
 * verification. Pinned by the SHA-256 of its DER encoding, its certificate
 * fingerprint (CN=AWS Signer Code Signing Root CA G1, valid 2022-10-27 to
 * 2122-10-27), which survives the file's line endings and PEM wrapping.
 */
export const SIGNER_ROOT_CERTIFICATE = {
  url: `${SIGNER_DOWNLOADS}/aws-signer-notation-root.cert`,
  fingerprint: '90a87d0543c3f094dbff9589b6649affe2f3d6e0f308799be2258461c686473f',
} as const;

/** The Notation trust store AWS Signer's root certificate goes in (type signingAuthority). */
export const SIGNER_TRUST_STORE = 'aws-signer-ts';

/**
 * Where the tools and Notation's configuration live during a build: under
 * `/tmp`, the one place Lambda compute can write ("Run builds on AWS Lambda
 * compute", Limitations), so the same commands serve EC2 and Lambda projects.
 * Notation reads `NOTATION_CONFIG`, `NOTATION_CACHE` and `NOTATION_LIBEXEC`
 * (its plugins, `plugins/<name>/notation-<name>`) from the environment
 * (notation v1.3.2, cmd/notation/main.go).
 */
export const NOTATION_HOME = '/tmp/notation';

/** The variable a deploy stage's commands find the verified image in, by digest (`<repository>@sha256:...`). */
export const VERIFIED_IMAGE_VARIABLE = 'VERIFIED_IMAGE_URI';

/** What a failed check's message starts with, so that logs and notifications name the gate. */
const SIGNATURE = 'Signature:';

/** `{ ...; false; }`: prints why on stderr and fails the command (and so the phase), without leaving the shell. */
const refuse = (message: string) => `{ echo "${SIGNATURE} ${message}" >&2; false; }`;

/** Downloads `url` to `file` (retrying transient failures; any HTTP error fails). */
const download = (url: string, file: string) => `curl --fail --silent --show-error --location --retry 3 --output ${file} "${url}"`;

/** Sets `NOTATION_URL`, `NOTATION_SHA256`, `PLUGIN_ZIP_URL` and `PLUGIN_SIG_URL` for this machine's architecture; any other stops. */
function selectArchitecture(): string {
  const branch = (uname: string, arch: Architecture) => `${uname}) NOTATION_URL="${NOTATION[arch].url}" NOTATION_SHA256="${NOTATION[arch].sha256}" ` +
    `PLUGIN_ZIP_URL="${SIGNER_PLUGIN[arch].zip}" PLUGIN_SIG_URL="${SIGNER_PLUGIN[arch].signature}" ;;`;
  return `case "$(uname -m)" in ${Object.entries(ARCHITECTURES).map(([uname, arch]) => branch(uname, arch)).join(' ')} ` +
    `*) ${refuse('no pinned Notation release for $(uname -m)')} ;; esac`;
}

/**
 * Installs Notation and AWS Signer's plugin; with `trustAnchor`, also adds
 * AWS Signer's root certificate to the `aws-signer-ts` trust store (what
 * verification needs, signing does not). The plugin is placed where Notation
 * finds it rather than with `notation plugin install`, which runs the plugin
 * to read its metadata: nothing downloaded runs before it is verified.
 */
export function installNotationCommands(trustAnchor: boolean): string[] {
  const gpg = `gpg --homedir ${NOTATION_HOME}/gnupg --batch --quiet`;
  const binary = `notation-${SIGNER_PLUGIN_NAME}`;
  return [
    `export NOTATION_CONFIG="${NOTATION_HOME}/config" NOTATION_CACHE="${NOTATION_HOME}/cache" NOTATION_LIBEXEC="${NOTATION_HOME}/libexec" PATH="${NOTATION_HOME}/bin:\${PATH}" && mkdir -p -m 0700 "${NOTATION_HOME}/bin" "${NOTATION_HOME}/gnupg" "${NOTATION_HOME}/plugin"`,
    selectArchitecture(),
    // Notation: the pinned release, refused unless its SHA-256 is the pinned one.
    download('${NOTATION_URL}', `${NOTATION_HOME}/notation.tar.gz`),
    `echo "\${NOTATION_SHA256}  ${NOTATION_HOME}/notation.tar.gz" | sha256sum --check --status || ${refuse(`Notation ${NOTATION_VERSION}'s SHA-256 is not the pinned \${NOTATION_SHA256}; refusing to install it`)}`,
    `tar -xzf ${NOTATION_HOME}/notation.tar.gz -C ${NOTATION_HOME}/bin notation`,
    // The plugin: AWS's key (its fingerprint pinned), then the binary's signature by it.
    download(SIGNER_GPG_KEY_URL, `${NOTATION_HOME}/signer.key`),
    `${gpg} --import ${NOTATION_HOME}/signer.key`,
    // One primary key, with the pinned fingerprint (the `fpr` record after its `pub` record; subkeys follow as `sub`).
    `[ "$(${gpg} --with-colons --fingerprint | awk -F: '$1 == "pub" { primary = 1; next } primary && $1 == "fpr" { print $10; primary = 0 }')" = "${SIGNER_GPG_FINGERPRINT}" ] || ${refuse(`AWS Signer's GPG key ${SIGNER_GPG_KEY_URL} does not have the pinned fingerprint ${SIGNER_GPG_FINGERPRINT}; refusing its plugin`)}`,
    download('${PLUGIN_ZIP_URL}', `${NOTATION_HOME}/plugin.zip`),
    download('${PLUGIN_SIG_URL}', `${NOTATION_HOME}/plugin.sig`),
    // unzip where the image has it (the standard images), else Python's zipfile (images without unzip).
    `{ command -v unzip >/dev/null && unzip -o -q ${NOTATION_HOME}/plugin.zip ${binary} -d ${NOTATION_HOME}/plugin; } || ` +
      `python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extract(sys.argv[2], sys.argv[3])' ${NOTATION_HOME}/plugin.zip ${binary} ${NOTATION_HOME}/plugin || ` +
      refuse('cannot unpack AWS Signer\'s Notation plugin: the build image has neither unzip nor python3'),
    // A good signature by the pinned key itself: gpg's machine-readable VALIDSIG status ends with the signing key's
    // primary fingerprint (GnuPG, doc/DETAILS), where a bare exit status would accept any key in the keyring.
    `${gpg} --status-fd 1 --verify ${NOTATION_HOME}/plugin.sig ${NOTATION_HOME}/plugin/${binary} | grep -q "^\\[GNUPG:\\] VALIDSIG .* ${SIGNER_GPG_FINGERPRINT}\$" || ` +
      refuse(`AWS Signer's Notation plugin is not signed by AWS Signer's key ${SIGNER_GPG_FINGERPRINT}; refusing to install it`),
    `install -D -m 0755 ${NOTATION_HOME}/plugin/${binary} "\${NOTATION_LIBEXEC}/plugins/${SIGNER_PLUGIN_NAME}/${binary}" && notation plugin ls`,
    ...(trustAnchor ? [
      // The trust anchor: AWS Signer's root, refused unless its certificate fingerprint is the pinned one.
      download(SIGNER_ROOT_CERTIFICATE.url, `${NOTATION_HOME}/aws-signer-notation-root.cert`),
      `[ "$(tr -d '\r' < ${NOTATION_HOME}/aws-signer-notation-root.cert | sed '/-----/d' | base64 -d | sha256sum | cut -d ' ' -f 1)" = "${SIGNER_ROOT_CERTIFICATE.fingerprint}" ] || ${refuse(`AWS Signer's root certificate does not have the pinned SHA-256 fingerprint ${SIGNER_ROOT_CERTIFICATE.fingerprint}; refusing to trust it`)}`,
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
const DIGEST_CHECK = `[[ "\${IMAGE_DIGEST}" =~ ^sha256:[0-9a-f]{64}$ ]] || ${refuse('IMAGE_DIGEST (${IMAGE_DIGEST:-unset}) is not an image digest: only a digest is signed and deployed, never a tag alone')}`;

/**
 * The build's signing, after `IMAGE_DIGEST` is known: the image is signed by
 * digest (never by tag) with the stack's signing profile
 * (`SIGNING_PROFILE_ARN`, set on the build project), and the signature is
 * pushed beside the image as an OCI referrer.
 */
export function signCommands(): string[] {
  return [
    DIGEST_CHECK,
    // --force-referrers-tag=false: the signature is an OCI referrer of the image, which ECR supports ("Amazon ECR
    // supports OCI Image and Distribution specification version 1.1", AWS What's New, 2024-06-27), not Notation 1.x's
    // default fallback tag `sha256-<digest>`, which this repository's immutable tags would refuse on a second signature.
    `${ECR_CREDENTIALS} notation sign --force-referrers-tag=false --plugin ${SIGNER_PLUGIN_NAME} --id "\${SIGNING_PROFILE_ARN}" "\${REPOSITORY_URI}@\${IMAGE_DIGEST}"`,
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
    `[ "\${IMAGE_URI%:*}" = "\${REPOSITORY_URI}" ] || ${refuse('${IMAGE_URI} is not an image of this pipeline\'s repository ${REPOSITORY_URI}; refusing to deploy it')}`,
    trustPolicyCommand(),
    `${ECR_CREDENTIALS} notation verify "\${REPOSITORY_URI}@\${IMAGE_DIGEST}" || ` +
      refuse('${REPOSITORY_URI}@${IMAGE_DIGEST} has no valid signature of this pipeline\'s signing profile ${SIGNING_PROFILE_ARN} (unsigned, signed by another profile, expired or revoked); refusing to deploy it'),
    // What was verified, by digest: deploying it (rather than IMAGE_URI's tag) holds even if a tag could ever move.
    `export ${VERIFIED_IMAGE_VARIABLE}="\${REPOSITORY_URI}@\${IMAGE_DIGEST}"`,
  ];
}
