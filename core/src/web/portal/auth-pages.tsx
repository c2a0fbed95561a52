/** @jsxImportSource hono/jsx */
/** @module The portal's sign-up and sign-in pages. */
import { CsrfField, Notice } from '../views/forms.js';
import { Layout } from '../views/layout.js';
import { PORTAL } from './portal-ui.js';

export const SignInPage = ({ csrf, error, email = '' }: { csrf: string; error?: string; email?: string }) => (
  <Layout title="Sign in" ui={PORTAL} nav={[]}>
    {error && <Notice kind="error">{error}</Notice>}
    <form method="post" action="/portal/signin" class="stack">
      <CsrfField token={csrf} />
      <label for="email">Email</label>
      <input id="email" name="email" type="email" autocomplete="username" required value={email} />
      <label for="password">Password</label>
      <input id="password" name="password" type="password" autocomplete="current-password" required />
      <button type="submit" class="primary">
        Sign in
      </button>
    </form>
    <p>
      New here? <a href="/portal/signup">Create an account</a>.
    </p>
  </Layout>
);

export const SignUpPage = ({ csrf, error, email = '', name = '' }: { csrf: string; error?: string; email?: string; name?: string }) => (
  <Layout title="Create an account" ui={PORTAL} nav={[]}>
    {error && <Notice kind="error">{error}</Notice>}
    <form method="post" action="/portal/signup" class="stack">
      <CsrfField token={csrf} />
      <label for="name">Your name</label>
      <input id="name" name="name" autocomplete="name" required maxlength={200} value={name} />
      <label for="email">Email</label>
      <input id="email" name="email" type="email" autocomplete="email" required maxlength={254} value={email} />
      <label for="password">Password (at least 10 characters)</label>
      <input id="password" name="password" type="password" autocomplete="new-password" required minlength={10} maxlength={200} />
      <button type="submit" class="primary">
        Create account
      </button>
    </form>
    <p>
      Have an account? <a href="/portal/signin">Sign in</a>.
    </p>
  </Layout>
);
