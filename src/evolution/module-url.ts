import { ConfigError } from '../util/errors.js';

/** A module to import: a file: URL, or `package:PATH`, a module of this package's build (the same on every machine). */
export function moduleUrl(m: string): string {
  if (!m.startsWith('package:')) return m;
  const path = m.slice('package:'.length);
  if (!/^[a-z0-9-]+(\/[a-z0-9-]+)*\.js$/.test(path))
    throw new ConfigError(
      'modules',
      `expected package:FOLDER/FILE.js inside the package, found ${JSON.stringify(m)}`,
    );
  return new URL(`../${path}`, import.meta.url).href;
}
