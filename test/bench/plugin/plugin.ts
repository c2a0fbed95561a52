/**
 * @module The benchmark's asset: the two operations of openapi.yaml with handlers as small as the bare Hono server's
 * (bare-server.ts), so the difference between the two is what the core adds. The operations type is written by hand
 * (this folder is not one `npm run gen` scans).
 */
import { definePlugin } from '@switchboard/sdk';

interface Item {
  id: number;
  name: string;
}

interface NewItem {
  name: string;
  qty?: number;
}

/** What openapi-typescript would generate from openapi.yaml. */
export interface operations {
  getItem: {
    parameters: { query?: { verbose?: boolean }; header?: never; path: { id: number }; cookie?: never };
    requestBody?: never;
    responses: { 200: { headers: { [name: string]: unknown }; content: { 'application/json': Item } } };
  };
  createItem: {
    parameters: { query?: never; header?: never; path?: never; cookie?: never };
    requestBody: { content: { 'application/json': NewItem } };
    responses: { 201: { headers: { [name: string]: unknown }; content: { 'application/json': Item } } };
  };
}

let nextId = 0;

export default definePlugin<operations>()({
  manifest: new URL('./openapi.yaml', import.meta.url),
  handlers: () => ({
    getItem: async ({ params, query }) => ({
      status: 200,
      body: { id: params.id, name: query.verbose ? `item ${params.id} (verbose)` : `item ${params.id}` },
    }),
    createItem: async ({ body }) => {
      nextId += 1;
      return { status: 201, body: { id: nextId, name: body.name } };
    },
  }),
});
