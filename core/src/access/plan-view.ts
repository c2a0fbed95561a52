/** @module A plan as the admin and developer APIs show it (limits that are not set read as null). */

export const planView = (p: {
  id: string;
  assetId: string;
  name: string;
  perSecond?: number | null;
  perMinute?: number | null;
  monthlyQuota?: number | null;
  requiresApproval: boolean;
  limits?: Record<string, number> | null;
}) => ({
  id: p.id,
  assetId: p.assetId,
  name: p.name,
  perSecond: p.perSecond ?? null,
  perMinute: p.perMinute ?? null,
  monthlyQuota: p.monthlyQuota ?? null,
  requiresApproval: Boolean(p.requiresApproval),
  limits: p.limits ?? {},
});
