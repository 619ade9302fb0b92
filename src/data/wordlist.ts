import { join } from 'node:path';
import { DataFormatError, NeuroplastError } from '../util/errors.js';
import { exists } from '../util/fsx.js';
import { DATA_FILE_BYTES } from '../util/budget.js';
import { readFileWithin } from '../util/files.js';
import { dataEnvFromProcess, type DataEnv } from './registry.js';

/** The word lists neuroplast knows: Debian's spelling dictionaries, one word per line. */
export const WORD_LISTS = {
  american: { file: 'american-english', debianPackage: 'wamerican' },
  british: { file: 'british-english', debianPackage: 'wbritish' },
} as const;
export type WordListName = keyof typeof WORD_LISTS;

/** Where a word list is, in search order: $NEUROPLAST_DATA/dict/FILE, then the system's /usr/share/dict/FILE. */
export async function locateWordList(
  name: WordListName,
  env: DataEnv = dataEnvFromProcess(),
): Promise<string | null> {
  const { file } = WORD_LISTS[name];
  const candidates = [
    ...(env.dataDir ? [join(env.dataDir, 'dict', file)] : []),
    ...(env.systemDirs ? [join('/usr/share/dict', file)] : []),
  ];
  for (const path of candidates) if (await exists(path)) return path;
  return null;
}

/**
 * The words of a list written in lower-case ASCII letters only (proper nouns, possessives and accented words are
 * left out), in file order, without repeats. Refuses a file that is not text or holds no such word.
 */
export async function readWordList(
  name: WordListName,
  env: DataEnv = dataEnvFromProcess(),
): Promise<{ path: string; words: string[] }> {
  const path = await locateWordList(name, env);
  if (!path) {
    const { file, debianPackage } = WORD_LISTS[name];
    throw new NeuroplastError(
      `word list ${name}: not found (looked for ${file} in $NEUROPLAST_DATA/dict and /usr/share/dict); install it with apt-get install ${debianPackage}`,
    );
  }
  const bytes = await readFileWithin(path, `word list ${name}`, DATA_FILE_BYTES);
  if (bytes.includes(0)) throw new DataFormatError(path, 'expected a text file of words, found binary data');
  const seen = new Set<string>();
  for (const line of bytes.toString('utf8').split('\n')) {
    const w = line.trim();
    if (/^[a-z]+$/.test(w)) seen.add(w);
  }
  if (seen.size === 0)
    throw new DataFormatError(path, 'expected lower-case words of letters a-z, one per line, found none');
  return { path, words: [...seen] };
}
