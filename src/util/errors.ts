/**
 * An error whose message is meant for the user as one line: it names the file, field or flag
 * and what was expected versus found. The CLI prints it without a stack and exits non-zero.
 */
export class NeuroplastError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 1) {
    super(message);
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
