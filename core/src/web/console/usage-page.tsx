/** @jsxImportSource hono/jsx */
/** @module Usage over time as charts: one per asset, and one per app (the busiest first). */
import type { Child } from 'hono/jsx';
import type { Bucket, Granularity } from '../usage-series.js';
import { BarChart } from '../views/bar-chart.js';
import { Layout } from '../views/layout.js';
import { CONSOLE, CONSOLE_NAV } from './console-ui.js';

export interface UsagePageProps {
  account: Child;
  granularity: Granularity;
  byAsset: { id: string; title: string; buckets: Bucket[] }[];
  byApp: { id: string; name: string; buckets: Bucket[] }[];
  /** Set when the page is about one app. */
  appId: string | null;
}

export const UsagePage = ({ account, granularity, byAsset, byApp, appId }: UsagePageProps) => {
  const q = (g: Granularity) => `/console/usage?granularity=${g}${appId ? `&appId=${encodeURIComponent(appId)}` : ''}`;
  return (
    <Layout
      title={appId ? `Usage of ${byApp[0]?.name ?? appId}` : 'Usage'}
      ui={CONSOLE}
      nav={CONSOLE_NAV}
      current="/console/usage"
      account={account}
    >
      <p class="switch">
        <a href={q('hour')} aria-current={granularity === 'hour' ? 'true' : undefined}>
          Last 24 hours
        </a>{' '}
        <a href={q('day')} aria-current={granularity === 'day' ? 'true' : undefined}>
          Last 30 days
        </a>
        {appId && (
          <>
            {' '}
            <a href={`/console/usage?granularity=${granularity}`}>All apps</a>
          </>
        )}
      </p>
      <section aria-labelledby="per-asset">
        <h2 id="per-asset">Per asset</h2>
        <div class="charts">
          {byAsset.map((a) => (
            <BarChart title={a.title} buckets={a.buckets} granularity={granularity} />
          ))}
        </div>
      </section>
      <section aria-labelledby="per-app">
        <h2 id="per-app">Per app</h2>
        {byApp.length === 0 && <p>No calls in this period.</p>}
        <div class="charts">
          {byApp.map((a) => (
            <BarChart title={a.name} buckets={a.buckets} granularity={granularity} />
          ))}
        </div>
      </section>
    </Layout>
  );
};
