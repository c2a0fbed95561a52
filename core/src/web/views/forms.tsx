/** @jsxImportSource hono/jsx */
/** @module Form pieces: the CSRF field every POST carries, and a one-button form for actions on a row. */
import type { Child } from 'hono/jsx';
import { CSRF_FIELD } from '../csrf.js';

export const CsrfField = ({ token }: { token: string }) => <input type="hidden" name={CSRF_FIELD} value={token} />;

export interface ActionButtonProps {
  action: string;
  csrf: string;
  label: Child;
  /** Extra fields the action needs (name → value). */
  fields?: Record<string, string>;
  /** `danger` for actions that stop something. */
  tone?: 'danger' | 'primary';
  /** An accessible name when the visible label is ambiguous in a table ("Disable" → "Disable hello"). */
  ariaLabel?: string;
}

/** A real `<button>` in a real `<form>`: works with a keyboard, without script, and carries the CSRF token. */
export const ActionButton = ({ action, csrf, label, fields = {}, tone, ariaLabel }: ActionButtonProps) => (
  <form method="post" action={action} class="inline">
    <CsrfField token={csrf} />
    {Object.entries(fields).map(([name, value]) => (
      <input type="hidden" name={name} value={value} />
    ))}
    <button type="submit" class={tone} aria-label={ariaLabel}>
      {label}
    </button>
  </form>
);

/** A message after an action, announced to screen readers. */
export const Notice = ({ kind, children }: { kind: 'ok' | 'error'; children?: Child }) => (
  <p class={`notice ${kind}`} role={kind === 'error' ? 'alert' : 'status'}>
    {children}
  </p>
);
