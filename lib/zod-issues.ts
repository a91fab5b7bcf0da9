// One way to turn zod issues into messages people read: `path: message`, the path dotted, and a
// stand-in for the root when the whole value is at fault. Config errors, HTTP 422 bodies, activity
// failures and CLI errors all speak the same way.
import type { ZodError } from 'zod';

export type FieldError = { path: string; message: string };

export function fieldErrors(error: ZodError, options: { root?: string; prefix?: Array<string | number> } = {}): FieldError[] {
  const prefix = options.prefix ?? [];
  return error.issues.map((issue) => ({
    path: [...prefix, ...issue.path].join('.') || (options.root ?? 'input'),
    message: issue.message,
  }));
}

export function describeIssues(error: ZodError, root = 'input'): string[] {
  return fieldErrors(error, { root }).map((e) => `${e.path}: ${e.message}`);
}
