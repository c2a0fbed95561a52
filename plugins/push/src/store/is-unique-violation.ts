/** @module Recognises a unique-index violation on SQLite, MySQL and MariaDB without importing the ORM's error classes. */
export const isUniqueViolation = (e: unknown): boolean =>
  (e as Error)?.name === 'UniqueConstraintViolationException' || /unique|duplicate/i.test(String((e as Error)?.message));
