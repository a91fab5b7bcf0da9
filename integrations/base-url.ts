// A vendor's API base URL as configuration (the real API by default; tests point it at a local fake):
// absolute http(s), trailing slashes dropped so paths can be appended with one '/'.
import { z } from 'zod';

export const httpBaseUrl = z
  .string()
  .trim()
  .url('expected an absolute URL')
  .refine((value) => /^https?:\/\//.test(value), 'expected an http:// or https:// URL')
  .transform((value) => value.replace(/\/+$/, ''));
