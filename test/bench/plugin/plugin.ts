/**
 * @module The benchmark's asset: the operations of openapi.yaml with handlers as small as the bare Hono server's
 * (bare-server.ts), so the difference between the two is what the core adds. The operations type is written by hand
 * (this folder is not one `npm run gen` scans).
 */
import { definePlugin, type HandlerContext } from '@switchboard/sdk';

interface Item {
  id: number;
  name: string;
}

interface NewItem {
  name: string;
  qty?: number;
}

interface GetItem {
  parameters: { query?: { verbose?: boolean }; header?: never; path: { id: number }; cookie?: never };
  requestBody?: never;
  responses: { 200: { headers: { [name: string]: unknown }; content: { 'application/json': Item } } };
}

/** What openapi-typescript would generate from openapi.yaml. */
export interface operations {
  getItem: GetItem;
  getItemKeyed: GetItem;
  createItem: {
    parameters: { query?: never; header?: never; path?: never; cookie?: never };
    requestBody: { content: { 'application/json': NewItem } };
    responses: { 201: { headers: { [name: string]: unknown }; content: { 'application/json': Item } } };
  };
}

let nextId = 0;

const getItem = async ({ params, query }: HandlerContext<GetItem>) => ({
  status: 200 as const,
  body: { id: params.id, name: query.verbose ? `item ${params.id} (verbose)` : `item ${params.id}` },
});

export default definePlugin<operations>()({
  manifest: new URL('./openapi.yaml', import.meta.url),
  handlers: () => ({
    getItem,
    getItemKeyed: getItem,
    createItem: async ({ body }) => {
      nextId += 1;
      return { status: 201, body: { id: nextId, name: body.name } };
    },
  }),
});
