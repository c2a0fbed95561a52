/** @module Simulated tags on instances and templates; changes land when their job ends, as CloudStack's createTags. */
import type { ComputeDriver } from '../driver/compute-driver.js';
import { driverError, notFound } from '../driver/driver-error.js';
import type { ResourceRef, Tag } from '../driver/tag.js';
import type { SimContext } from './simulator-state.js';

type TagPart = Pick<ComputeDriver, 'setTags' | 'removeTags' | 'listTags'>;

export const createSimulatorTags = (ctx: SimContext): TagPart => {
  const { state, jobs } = ctx;
  const tagsOf = (ref: ResourceRef): Record<string, string> => {
    const holder = ref.type === 'instance' ? state.instances.get(ref.id) : state.templates.get(ref.id);
    if (!holder) throw notFound(ref.type, ref.id, { provider: 'simulator' });
    return holder.tags;
  };
  const all = (): Tag[] => [
    ...[...state.instances.values()].flatMap((i) =>
      Object.entries(i.tags).map(([key, value]) => ({ resourceType: 'instance' as const, resourceId: i.id, key, value })),
    ),
    ...[...state.templates.values()].flatMap((t) =>
      Object.entries(t.tags).map(([key, value]) => ({ resourceType: 'template' as const, resourceId: t.id, key, value })),
    ),
  ];
  return {
    setTags: async (ref, tags) => {
      if (Object.keys(tags).some((k) => k.trim() === '')) throw driverError('bad-parameter', 'tag keys must not be empty');
      const current = tagsOf(ref);
      if (Object.entries(tags).every(([k, v]) => current[k] === v)) return jobs.done(ref.id, { type: 'none' });
      return jobs.start(ref.id, () => {
        Object.assign(tagsOf(ref), tags);
        return { type: 'none' };
      });
    },
    removeTags: async (ref, keys) => {
      tagsOf(ref);
      if (!keys.length) return jobs.done(ref.id, { type: 'none' });
      return jobs.start(ref.id, () => {
        const live = tagsOf(ref);
        for (const k of keys) delete live[k];
        return { type: 'none' };
      });
    },
    listTags: async ({ resource, key } = {}) =>
      all().filter((t) => (!resource || (t.resourceType === resource.type && t.resourceId === resource.id)) && (!key || t.key === key)),
  };
};
