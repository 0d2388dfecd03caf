import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const made: string[] = [];

/**
 * A new empty folder in the system's temporary folder, removed (with all it holds) after the last
 * test of the test file that imports this module.
 */
export function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(dir);
  return dir;
}

afterAll(() => {
  for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});
