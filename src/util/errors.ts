/**
 * An error whose message is meant for the user as one line: it names the file, field or flag
 * and what was expected versus found. The CLI prints it without a stack and exits non-zero.
 */
export class NeuroplastError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 1) {
    // One line, whatever it quotes (a parser's message, a file's bytes).
    super(message.replace(/\s*[\r\n]+\s*/g, ' '));
    this.name = 'NeuroplastError';
    this.exitCode = exitCode;
  }
}

/** Bad data in a file: names the file and what was expected versus found. */
export class DataFormatError extends NeuroplastError {
  constructor(file: string, what: string) {
    super(`${file}: ${what}`);
    this.name = 'DataFormatError';
  }
}

/** Invalid configuration or hyperparameter: names the field path. */
export class ConfigError extends NeuroplastError {
  constructor(where: string, what: string) {
    super(`${where}: ${what}`);
    this.name = 'ConfigError';
  }
}

/** A usage error on the command line (exit code 2, as for unknown flags). */
export class UsageError extends NeuroplastError {
  constructor(message: string) {
    super(message, 2);
    this.name = 'UsageError';
  }
}

const SYSTEM_REASONS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOENT: 'no such file or directory',
  ENOTDIR: 'a part of the path is not a directory',
  EISDIR: 'is a directory',
  ELOOP: 'symbolic link loop',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'read-only file system',
  EEXIST: 'already exists',
  EMFILE: 'too many open files',
  ENAMETOOLONG: 'name too long',
  EIO: 'input/output error',
  EBUSY: 'resource busy',
};

/** The cause of a failed system call in words, for its errno code (`ELOOP`: "symbolic link loop"), if known. */
export function systemReason(code: string): string | undefined {
  return SYSTEM_REASONS[code];
}

/**
 * A filesystem or stream error (Node's errors with a code and a system call) as one line naming the path, the
 * operation and the cause, e.g. "/runs/x/checkpoints/last.nptb: cannot open: no space left on device (ENOSPC)";
 * null for any other error.
 */
export function describeSystemError(err: unknown): string | null {
  const e = err as NodeJS.ErrnoException & { dest?: string };
  if (!e || typeof e !== 'object' || typeof e.code !== 'string' || typeof e.syscall !== 'string') return null;
  const reason = SYSTEM_REASONS[e.code] ?? e.code.toLowerCase();
  const where = e.path ? `${e.path}${e.dest ? ` -> ${e.dest}` : ''}: ` : '';
  return `${where}cannot ${e.syscall}: ${reason} (${e.code})`;
}

/** A plain JSON object (what run files and headers must be), not null, an array or a scalar. */
export const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);
