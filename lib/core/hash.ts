import { createHash } from 'crypto';

/** A short, stable hash of a string (hex, 8 characters), for names derived from content. */
export function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 8);
}
