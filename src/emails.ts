import { OptionPath, Problems } from './validation';

/** An unquoted RFC 5322 local part (dot-atom; RFC 6531 allows letters of any script). */
const EMAIL_LOCAL = /^[\p{L}\p{N}!#$%&'*+/=?^_`{|}~-]+(?:\.[\p{L}\p{N}!#$%&'*+/=?^_`{|}~-]+)*$/u;
/** A DNS label (RFC 1035, letters of any script for IDN): 1-63 characters, no hyphen at either end. */
const DOMAIN_LABEL = /^[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?$/u;

/** Why an address is not one SNS can deliver to, or undefined. */
function emailProblem(email: string): string | undefined {
  const at = email.lastIndexOf('@');
  if (at < 0) return 'has no "@"';
  if (email.length > 254) return `is ${email.length} characters; at most 254`;
  const local = email.slice(0, at);
  const domain = email.slice(at + 1);
  if (local.length === 0 || local.length > 64 || !EMAIL_LOCAL.test(local)) {
    return `local part ${JSON.stringify(local)} must be 1 to 64 characters without spaces, quotes or brackets, and no "." at either end or twice in a row`;
  }
  const labels = domain.split('.');
  if (labels.length < 2 || labels.some(label => !DOMAIN_LABEL.test(label)) || !/^\p{L}/u.test(labels[labels.length - 1])) {
    return `domain ${JSON.stringify(domain)} must be two or more labels separated by single dots, each 1 to 63 letters, ` +
      'digits or inner hyphens, the last one starting with a letter';
  }
  return undefined;
}

/** Checks a list of e-mail addresses for SNS subscriptions: each deliverable and listed once, ignoring case. */
export function checkEmails(p: Problems, path: OptionPath, value: unknown, maxItems: number): string[] {
  if (!p.stringArray(path, value, maxItems)) return [];
  value.forEach((email, i, all) => {
    if (all.findIndex(e => e.toLowerCase() === email.toLowerCase()) !== i) p.add(path.index(i), `${JSON.stringify(email)} is listed twice`);
    const problem = emailProblem(email);
    if (problem) p.add(path.index(i), `${JSON.stringify(email)} is not an e-mail address: ${problem}`);
  });
  return value;
}
