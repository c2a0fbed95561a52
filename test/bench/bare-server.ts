/**
 * @module The baseline: plain Hono on @hono/node-server serving the bench asset's two routes, at the same paths,
 * with the same handlers and no validation. Listens on 127.0.0.1:$PORT and prints `listening` when ready.
 */
import { serve } from '@hono/node-server';
import { type Context, Hono } from 'hono';

let nextId = 0;

const app = new Hono();
const getItem = async (c: Context) => {
  const id = Number(c.req.param('id'));
  const verbose = c.req.query('verbose') === 'true';
  return c.json({ id, name: verbose ? `item ${id} (verbose)` : `item ${id}` });
};
app.get('/api/bench/items/:id', getItem);
// The gated operation's path, served the same way: the keyed rows compare the very same request line and headers.
app.get('/api/bench/keyed/items/:id', getItem);
app.post('/api/bench/items', async (c) => {
  const body = await c.req.json<{ name: string }>();
  nextId += 1;
  return c.json({ id: nextId, name: body.name }, 201);
});

const server = serve({ fetch: app.fetch, port: Number(process.env.PORT), hostname: '127.0.0.1' }, () => {
  process.stdout.write('listening\n');
});
const stop = () => server.close(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
