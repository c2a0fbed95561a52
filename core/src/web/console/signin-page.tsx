/** @jsxImportSource hono/jsx */
/** @module The console's sign-in: an operator token, exchanged for a session cookie (the token is not kept). */
import { CsrfField, Notice } from '../views/forms.js';
import { Layout } from '../views/layout.js';
import { CONSOLE } from './console-ui.js';

export const ConsoleSignInPage = ({ csrf, error }: { csrf: string; error?: string }) => (
  <Layout title="Sign in" ui={CONSOLE} nav={[]}>
    {error && <Notice kind="error">{error}</Notice>}
    <form method="post" action="/console/signin" class="stack">
      <CsrfField token={csrf} />
      <label for="token">Operator token</label>
      <input id="token" name="token" type="password" autocomplete="off" required placeholder="sba_…" />
      <button type="submit" class="primary">
        Sign in
      </button>
    </form>
    <p>
      The token is printed once at first start, or set with <code>SWITCHBOARD_ADMIN_TOKEN</code>. It is exchanged for a session and not
      stored in your browser.
    </p>
  </Layout>
);
