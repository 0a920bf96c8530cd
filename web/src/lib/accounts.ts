/** The token of a password reset link's fragment (`#token=…`), or null. */
export function resetToken(hash: string): string | null {
  const token = new URLSearchParams(hash.replace(/^#/, '')).get('token');
  return token !== null && token.trim() !== '' ? token.trim() : null;
}

/** A verification code as typed: digits only, spaces and dashes dropped. */
export function normalizeCode(code: string): string {
  return code.replace(/[\s-]/g, '');
}
