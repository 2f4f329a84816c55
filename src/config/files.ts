import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseToml, TomlError } from 'smol-toml';
import { ExitCode, StreamstressError } from '../errors.js';

/** A file of config/ as shipped: src/config/ and dist/<entry>/ both sit two levels below the root. */
export function shippedConfigFile(name: string): string {
  return join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'config', name);
}

/** Reads a user-replaceable config file; `kind` and `option` name it in errors ("components", "--config"). */
export async function readConfigFile(path: string, kind: string, option: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new StreamstressError(
      `Cannot read the ${kind} file ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      {
        exitCode: ExitCode.infrastructure,
        hint: `Pass an existing file with ${option}, or leave it out to use the built-in one.`,
      },
    );
  }
  return text;
}

/** The TOML's data, or why it is not TOML (with line and column). */
export function parseTomlText(text: string): { data?: unknown; problem?: string } {
  try {
    return { data: parseToml(text) };
  } catch (error) {
    const where = error instanceof TomlError ? ` (line ${error.line}, column ${error.column})` : '';
    return { problem: `not valid TOML${where}: ${(error as Error).message.split('\n')[0]}` };
  }
}
