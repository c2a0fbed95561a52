/** @module Collects what is wrong with an uploaded document (credentials, a notification), then throws one InputError naming every place. */
import { InputError } from '@switchboard/sdk';

export interface CredentialProblem {
  /** JSON pointer into the uploaded document, prefixed with the caller's `at`. */
  pointer: string;
  message: string;
}

/** Problems are described, never quoted: the values are secrets. */
export class ProblemList {
  readonly list: CredentialProblem[] = [];

  constructor(private readonly at: string) {}

  add(pointer: string, message: string): void {
    this.list.push({ pointer: `${this.at}${pointer}`, message });
  }

  throwIfAny(code: string, what: string): void {
    if (this.list.length > 0) this.fail(code, what);
  }

  fail(code: string, what: string): never {
    const first = this.list[0];
    throw new InputError(`${what}: ${first.message}${this.list.length > 1 ? ` (and ${this.list.length - 1} more)` : ''}`, {
      code,
      details: { pointer: first.pointer, errors: this.list },
    });
  }
}

export const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
