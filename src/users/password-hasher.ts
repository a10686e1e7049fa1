import { hash, verify } from '@node-rs/argon2';

/** argon2id at OWASP's minimum: 19 MiB, 2 passes, 1 lane. Runs on libuv's thread pool, not the event loop. */
export const ARGON2_OPTIONS = {
  algorithm: 2 /* Argon2id (a const enum, not importable under isolatedModules) */,
  memoryCost: 19456,
  timeCost: 2,
  parallelism: 1,
} as const;

/** Passwords are compared after NFKC, so the same text typed on another keyboard still matches. */
export function normalizePassword(password: string): string {
  return password.normalize('NFKC');
}

export function hashPassword(password: string): Promise<string> {
  return hash(normalizePassword(password), ARGON2_OPTIONS);
}

// Verified against when the login is unknown, so a wrong login costs the same time as a wrong password.
let dummyHash: Promise<string> | undefined;

export async function verifyPassword(storedHash: string | null | undefined, password: string): Promise<boolean> {
  const target = storedHash ?? (await (dummyHash ??= hashPassword('dummy password for timing')));
  try {
    const ok = await verify(target, normalizePassword(password));
    return ok && !!storedHash;
  } catch {
    return false;
  }
}
