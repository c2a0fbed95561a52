/** @jsxImportSource hono/jsx */
/** @module Who is signed in, and a sign-out button (a POST with the CSRF token: a link could be forged). */
import { CsrfField } from './forms.js';

export const AccountBar = ({ base, who, csrf }: { base: string; who: string; csrf: string }) => (
  <form method="post" action={`${base}/signout`} class="account">
    <CsrfField token={csrf} />
    <span>{who}</span> <button type="submit">Sign out</button>
  </form>
);
