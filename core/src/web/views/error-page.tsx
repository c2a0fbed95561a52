/** @jsxImportSource hono/jsx */
/**
 * @module Errors in the UIs as pages, not problem+json: the same status and message the APIs would give (through
 * the core's own error mapping), with a way back. Server errors are logged with the request id and not detailed.
 */
import type { Logger } from '@switchboard/sdk';
import type { Context, ErrorHandler, MiddlewareHandler } from 'hono';
import { ensureRequestId } from '../../http/front-door.js';
import { mapError } from '../../http/map-error.js';
import type { WebEnv } from '../web-env.js';
import { Layout } from './layout.js';

export interface Ui {
  name: string;
  base: string;
}

export const errorPage = (c: Context, ui: Ui, status: number, title: string, detail: string) =>
  c.html(
    <Layout title={title} ui={ui} nav={[]}>
      <p role="alert">{detail}</p>
      <p>
        <a href={ui.base}>Back to the {ui.name.toLowerCase()}</a>
      </p>
    </Layout>,
    status as 400,
  );

export const webErrors = (ui: Ui, log: Logger): ErrorHandler<WebEnv> =>
  function webError(err, c) {
    const reqId = ensureRequestId(c);
    const { problem, internal } = mapError(err);
    if (internal) {
      log.error({ err, reqId, method: c.req.method, path: c.req.path }, 'page failed');
      return errorPage(c, ui, problem.status, problem.title, `Something went wrong on our side (request ${reqId}).`);
    }
    return errorPage(c, ui, problem.status, problem.title, problem.detail ?? problem.title);
  };

/** What a POST without the right CSRF token gets. */
export const csrfRejected =
  (ui: Ui): MiddlewareHandler<WebEnv> =>
  async (c) =>
    errorPage(c, ui, 403, 'Form expired', 'This form did not come from this page, or your session changed. Reload the page and try again.');
