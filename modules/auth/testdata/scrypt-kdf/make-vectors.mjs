// Writes vectors.json: password hashes in the format Medusa's emailpass
// provider stores (the scrypt-kdf npm package's kdf output, base64), made by
// that package itself. See README.md for how to run it.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const require = createRequire(join(process.cwd(), 'noop.js'));
const pkgPath = require.resolve('scrypt-kdf/package.json');
const version = JSON.parse(readFileSync(pkgPath, 'utf8')).version;
const mod = await import(require.resolve('scrypt-kdf'));
const Scrypt = mod.default ?? mod;

const cases = [
  // Medusa's default hashConfig.
  { password: 'supersecret', params: { logN: 15, r: 8, p: 1 } },
  { password: 'pässwörd ☃ with spaces', params: { logN: 15, r: 8, p: 1 } },
  // Other parameters the format carries.
  { password: 'correct horse battery staple', params: { logN: 12, r: 8, p: 1 } },
  { password: 'secret1', params: { logN: 10, r: 4, p: 2 } },
];
const vectors = [];
for (const c of cases) {
  const key = await Scrypt.kdf(c.password, c.params);
  const hash = Buffer.from(key).toString('base64');
  if (!(await Scrypt.verify(Buffer.from(hash, 'base64'), c.password))) throw new Error('does not verify');
  if (await Scrypt.verify(Buffer.from(hash, 'base64'), c.password + 'x')) throw new Error('verifies a wrong password');
  vectors.push({ password: c.password, params: c.params, hash });
}
process.stdout.write(JSON.stringify({ package: `scrypt-kdf@${version}`, node: process.version, vectors }, null, 2) + '\n');
