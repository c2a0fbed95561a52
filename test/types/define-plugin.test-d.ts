/**
 * Type tests of the SDK's public contract (checked by `tsc` in `npm run typecheck` and by vitest's typecheck):
 * handlers are typed by operationId from the generated manifest types, so a wrong body field, a wrong response
 * shape, an undeclared status, a missing or an extra handler does not compile.
 */
import {
  type Caller,
  coreServices,
  type Database,
  definePlugin,
  type Handler,
  type Handlers,
  type HttpClient,
  type Logger,
} from '@switchboard/sdk';
import { describe, expectTypeOf, it } from 'vitest';
import type { operations } from '../../docs/examples/notes/src/generated/openapi.js';

const manifest = new URL('file:///notes.yaml');
type Ops = Pick<operations, 'getNote' | 'createNote' | 'listNotes' | 'deleteNote'>;

const note = { id: 1, title: 't', text: '', tags: [], createdAt: '', updatedAt: '' };

describe('definePlugin', () => {
  it('types the inputs of each handler by its operation', () => {
    definePlugin<Ops>()({
      manifest,
      handlers: () => ({
        getNote: async ({ params, query, caller }) => {
          expectTypeOf(params.id).toEqualTypeOf<number>();
          expectTypeOf(caller).toEqualTypeOf<Caller>();
          // @ts-expect-error getNote has no query parameters
          query.limit;
          return { status: 200, body: note };
        },
        createNote: async ({ body }) => {
          expectTypeOf(body.title).toEqualTypeOf<string>();
          expectTypeOf(body.tags).toEqualTypeOf<string[] | undefined>();
          // @ts-expect-error NewNote has no field `author`
          body.author;
          return { status: 201, body: note };
        },
        listNotes: async ({ query }) => {
          expectTypeOf(query.limit).toEqualTypeOf<number | undefined>();
          expectTypeOf(query.tag).toEqualTypeOf<string[] | undefined>();
          return { status: 200, body: { items: [note] } };
        },
        deleteNote: async () => ({ status: 204 }),
      }),
    });
  });

  it('rejects a response body of the wrong shape', () => {
    // @ts-expect-error `title` must be a string
    const getNote: Handler<Ops['getNote']> = async () => ({ status: 200, body: { ...note, title: 42 } });
    // @ts-expect-error `text` is missing from the 200 body
    const missingField: Handler<Ops['getNote']> = async () => ({
      status: 200,
      body: { id: 1, title: 't', tags: [], createdAt: '', updatedAt: '' },
    });
    expectTypeOf(getNote).toBeFunction();
    expectTypeOf(missingField).toBeFunction();
  });

  it('rejects an undeclared status and a body on a body-less response', () => {
    // @ts-expect-error getNote declares 200 and 404, not 201
    const wrongStatus: Handler<Ops['getNote']> = async () => ({ status: 201, body: note });
    // @ts-expect-error 204 has no body
    const bodyOn204: Handler<Ops['deleteNote']> = async () => ({ status: 204, body: note });
    expectTypeOf(wrongStatus).toBeFunction();
    expectTypeOf(bodyOn204).toBeFunction();
  });

  it('requires exactly one handler per operation', () => {
    definePlugin<Ops>()({
      manifest,
      // @ts-expect-error deleteNote has no handler
      handlers: () => ({
        getNote: async () => ({ status: 200 as const, body: note }),
        createNote: async () => ({ status: 201 as const, body: note }),
        listNotes: async () => ({ status: 200 as const, body: { items: [] } }),
      }),
    });
    // An extra handler in a handlers object literal does not compile; one smuggled past the types is a
    // HANDLER_WITHOUT_OPERATION load error (test/load-errors.test.ts).
    const handlers: Handlers<Pick<operations, 'deleteNote'>> = {
      deleteNote: async () => ({ status: 204 }),
      // @ts-expect-error archiveNote is not an operation of the manifest
      archiveNote: async () => ({ status: 204 }),
    };
    expectTypeOf(handlers).toBeObject();
  });

  it('gives each declared dependency its service type, and nothing undeclared', () => {
    definePlugin<Pick<operations, 'deleteNote'>>()({
      manifest,
      deps: {
        log: coreServices.logger,
        db: coreServices.database,
        http: coreServices.http,
        config: coreServices.config.as<{ limit: number }>(),
      },
      handlers: (services) => {
        expectTypeOf(services.log).toEqualTypeOf<Logger>();
        expectTypeOf(services.db).toEqualTypeOf<Database>();
        expectTypeOf(services.http).toEqualTypeOf<HttpClient>();
        expectTypeOf(services.config.limit).toEqualTypeOf<number>();
        // @ts-expect-error `events` was not declared in deps
        services.events;
        return { deleteNote: async () => ({ status: 204 }) };
      },
    });
  });
});
