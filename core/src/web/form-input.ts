/**
 * @module Reads the fields of a posted form with the same limits the developer and admin APIs' schemas set, so a
 * form cannot put in what the API would refuse. A bad field throws `InputError`, shown as a 400 page.
 */
import { InputError } from '@switchboard/sdk';
import type { Context } from 'hono';

export type Form = Record<string, string | File | (string | File)[]>;

export const readForm = async (c: Context): Promise<Form> => (await c.req.parseBody()) as Form;

export const text = (form: Form, name: string, { min = 1, max = 200, label = name } = {}): string => {
  const raw = form[name];
  const value = typeof raw === 'string' ? raw.trim() : '';
  if (value.length < min) throw new InputError(min <= 1 ? `${label} is required` : `${label} needs at least ${min} characters`);
  if (value.length > max) throw new InputError(`${label} can have at most ${max} characters`);
  return value;
};

export const optionalText = (form: Form, name: string): string | null => {
  const raw = form[name];
  return typeof raw === 'string' && raw.trim() !== '' ? raw.trim() : null;
};

/** Deliberately loose: the address is proven by use, not by a pattern. */
export const email = (form: Form, name = 'email'): string => {
  const value = text(form, name, { max: 254, label: 'Email' });
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value)) throw new InputError('Email does not look like an address');
  return value;
};
