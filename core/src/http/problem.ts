/** @module RFC 9457 problem+json responses: the only error format the core answers with. */
import type { Context } from 'hono';
import { respond } from './respond.js';

export interface Problem {
  status: number;
  /** Stable machine-readable code, e.g. `VALIDATION_FAILED`. */
  code: string;
  title: string;
  detail?: string;
  errors?: { pointer: string; message: string }[];
  [extra: string]: unknown;
}

/** The `type` URI of a problem code. A URN: it names the problem without promising a web page. */
export const problemType = (code: string): string => `urn:switchboard:problem:${code.toLowerCase().replace(/_/g, '-')}`;

/** Serializes a problem with the request id and the request path, and sets the problem+json media type. */
export const problemResponse = (c: Context, problem: Problem, headers: Record<string, string> = {}): Response => {
  const { status, code, title, detail, ...rest } = problem;
  const body = {
    type: problemType(code),
    title,
    status,
    ...(detail === undefined ? {} : { detail }),
    code,
    instance: c.req.path,
    requestId: c.get('requestId'),
    ...rest,
  };
  return respond(c, JSON.stringify(body), status, { 'content-type': 'application/problem+json', ...headers });
};
