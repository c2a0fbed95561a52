/**
 * @module How an uploaded partner document that cannot load is answered: problem+json with the LoadError's code,
 * the JSON pointer and the message — 400 when it does not parse, 409 when its id or a route is taken, 422 otherwise.
 * Nothing is stored in any of these cases.
 */
import { HttpProblem } from '../http/map-error.js';
import { LoadError } from '../plugins/load-error.js';

const CONFLICTS = new Set(['DUPLICATE_ASSET_ID', 'ROUTE_CONFLICT']);

/** The message without the code and the location, which the problem carries as fields of their own. */
const bare = (e: LoadError) => e.message.replace(`${e.code}: `, '').replace(/ \([^()]*\)$/, '');

export const loadProblem = (e: LoadError): HttpProblem => {
  const status = e.code === 'MANIFEST_PARSE_ERROR' ? 400 : CONFLICTS.has(e.code) ? 409 : 422;
  return new HttpProblem({
    status,
    code: e.code,
    title: status === 400 ? 'Bad Request' : status === 409 ? 'Conflict' : 'Unprocessable Content',
    detail: e.message,
    pointer: e.pointer,
    errors: [{ pointer: e.pointer, message: bare(e) }],
  });
};

/** Any failure while reading or preparing an upload, as a problem (an unexpected error stays what it is). */
export const asUploadProblem = (e: unknown): unknown => (e instanceof LoadError ? loadProblem(e) : e);

export const readOnly = (id: string, file: string) =>
  new HttpProblem({
    status: 409,
    code: 'PARTNER_READ_ONLY',
    title: 'Conflict',
    detail: `'${id}' is loaded from ${file} in PARTNERS_DIR: change or remove the file (and restart) instead.`,
  });
