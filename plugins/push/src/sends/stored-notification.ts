/** @module The notification as a send stores it, and the per-locale PushNotification a device receives. */
import type { PushNotification } from '../providers/index.js';

export interface LocalizedText {
  title?: string;
  subtitle?: string;
  body?: string;
}

/** The API's notification: the provider-neutral fields plus `localized` variants keyed by locale. */
export interface StoredNotification extends PushNotification {
  localized?: Record<string, LocalizedText>;
}

const norm = (locale: string): string => locale.replace(/_/g, '-').toLowerCase();

/** Which `localized` key a device locale gets: the exact locale, else its language, else none (the defaults). */
export const pickLocale = (localized: Record<string, LocalizedText> | undefined, locale: string | null | undefined): string | null => {
  if (!localized || !locale) return null;
  const keys = Object.keys(localized);
  const wanted = norm(locale);
  const exact = keys.find((k) => norm(k) === wanted);
  if (exact) return exact;
  const language = wanted.split('-')[0];
  return keys.find((k) => norm(k) === language) ?? null;
};

/**
 * Builds one PushNotification per locale key and hands out the same object for the same key, so the senders
 * compile one payload per language rather than one per recipient.
 *
 * @example
 * const forLocale = localizer(send.notification);
 * forLocale('fr-CA') // the fr-CA (or fr) title/body over the defaults
 */
export const localizer = (stored: StoredNotification): ((locale: string | null | undefined) => PushNotification) => {
  const { localized, ...base } = stored;
  const cache = new Map<string | null, PushNotification>();
  return (locale) => {
    const key = pickLocale(localized, locale);
    let n = cache.get(key);
    if (!n) {
      n = key && localized ? { ...base, ...localized[key] } : base;
      cache.set(key, n);
    }
    return n;
  };
};
