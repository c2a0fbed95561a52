/** @module The Hono environment of the console and the portal: what their middlewares put on the context. */

export interface WebDeveloper {
  id: string;
  email: string;
  name: string;
}

export interface WebOperator {
  id: string;
  email: string;
  name: string;
  role: 'admin' | 'operator' | 'viewer';
}

export interface WebEnv {
  Variables: {
    /** The CSRF token every form of this page carries (see csrf.ts). */
    csrfToken: string;
    /** The signed-in developer (portal), set by the portal's session check. */
    developer: WebDeveloper;
    /** The signed-in operator (console), set by the console's session check. */
    operator: WebOperator;
  };
}
