/** @module A plan's limits in words, for pickers and lists. */
export const planLimits = (p: { perSecond?: number | null; perMinute?: number | null; monthlyQuota?: number | null }): string => {
  const parts = [
    p.perSecond ? `${p.perSecond}/s` : '',
    p.perMinute ? `${p.perMinute}/min` : '',
    p.monthlyQuota ? `${p.monthlyQuota}/month` : '',
  ].filter(Boolean);
  return parts.length > 0 ? parts.join(', ') : 'no limits';
};
