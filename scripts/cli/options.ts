// What every `lux` subcommand does with its input and output: JSON out (for people and for jq), a value
// checked against a closed list, and a `--config <json>` checked with its zod schema before anything is
// written, its errors in the project's one wording (lib/zod-issues.ts).
import type { ZodType, ZodTypeDef } from 'zod';
import { describeIssues } from '../../lib/zod-issues';

export const printJson = (value: unknown): void => void process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);

/** `value` if it is one of `allowed`, else an error naming what is allowed ("unknown audience x: expected a, b"). */
export function oneOf<T extends string>(kind: string, allowed: readonly T[], value: string): T {
  if (!(allowed as readonly string[]).includes(value)) throw new Error(`unknown ${kind} ${value}: expected ${allowed.join(', ')}`);
  return value as T;
}

/** `--config <json>` (absent: `{}`) parsed and checked with `schema`; `label` names it in errors. */
export function parseConfigOption<T>(label: string, schema: ZodType<T, ZodTypeDef, unknown>, json: string | undefined): T {
  let raw: unknown = {};
  if (json !== undefined) {
    try {
      raw = JSON.parse(json);
    } catch {
      throw new Error(`--config is not JSON: ${json.slice(0, 80)}`);
    }
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new Error(`${label} settings: ${describeIssues(parsed.error, '(config)').join('; ')}`);
  return parsed.data;
}
