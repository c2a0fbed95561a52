/**
 * @module A send's totals, counted from its recipients' rows in one query. Counting rather than keeping counters
 * means a redelivered chunk cannot double count, and the totals always equal the per-recipient results.
 */
import type { Database } from '@switchboard/sdk';

export interface Totals {
  recipients: number;
  queued: number;
  delivered: number;
  failed: number;
  unregistered: number;
  retired: number;
  cancelled: number;
  retried: number;
}

interface Row {
  status: string;
  n: number | string;
  retired: number | string | null;
  retried: number | string | null;
}

export const emptyTotals = (): Totals => ({
  recipients: 0,
  queued: 0,
  delivered: 0,
  failed: 0,
  unregistered: 0,
  retired: 0,
  cancelled: 0,
  retried: 0,
});

export const sendTotals = async (db: Database, sendId: string): Promise<Totals> => {
  const rows = await db.getConnection().execute<Row[]>(
    `select status, count(*) as n,
            sum(case when token_retired = 1 then 1 else 0 end) as retired,
            sum(case when attempts > 1 then attempts - 1 else 0 end) as retried
       from push_recipient where send_id = ? group by status`,
    [sendId],
  );
  const totals = emptyTotals();
  for (const r of rows) {
    const n = Number(r.n);
    totals.recipients += n;
    if (r.status in totals) totals[r.status as 'queued'] += n;
    totals.retired += Number(r.retired ?? 0);
    totals.retried += Number(r.retried ?? 0);
  }
  return totals;
};
