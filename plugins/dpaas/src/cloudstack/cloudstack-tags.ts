/**
 * @module Tags on CloudStack (createTags / deleteTags / listTags). CloudStack refuses a key a resource already has,
 * so setting a tag to a new value deletes the old one first.
 */
import type { ComputeDriver } from '../driver/compute-driver.js';
import { driverError } from '../driver/driver-error.js';
import type { ResourceRef, Tag } from '../driver/tag.js';
import type { Json } from './cloudstack-client.js';
import type { CloudStackContext } from './cloudstack-context.js';
import { tagParams } from './cloudstack-instances.js';
import { RESOURCE_TYPES, toTag } from './map-resources.js';

type TagPart = Pick<ComputeDriver, 'setTags' | 'removeTags' | 'listTags'>;

export const createCloudStackTags = (ctx: CloudStackContext, exists: (ref: ResourceRef) => Promise<unknown>): TagPart => {
  const current = async (ref: ResourceRef) =>
    (await ctx.listAll<Json>('listTags', 'tag', { resourceid: ref.id, resourcetype: RESOURCE_TYPES[ref.type] })).flatMap(
      (t) => toTag(t) ?? [],
    );

  const target = (ref: ResourceRef) => ({ resourceids: ref.id, resourcetype: RESOURCE_TYPES[ref.type] });

  return {
    setTags: async (ref, tags) => {
      if (Object.keys(tags).some((k) => k.trim() === '')) throw driverError('bad-parameter', 'tag keys must not be empty');
      await exists(ref);
      const have = new Map((await current(ref)).map((t) => [t.key, t.value]));
      const changed = Object.keys(tags).filter((k) => have.has(k) && have.get(k) !== tags[k]);
      const added = Object.fromEntries(Object.entries(tags).filter(([k, v]) => have.get(k) !== v));
      if (changed.length)
        await ctx.settle(
          ctx.pending(
            await ctx.call('deleteTags', { ...target(ref), ...tagParams(Object.fromEntries(changed.map((k) => [k, ''])), false) }),
          ),
        );
      if (!Object.keys(added).length) return ctx.done({ type: 'none' }, ref.id);
      return ctx.pending(await ctx.call('createTags', { ...target(ref), ...tagParams(added) }), ref.id);
    },
    removeTags: async (ref, keys) => {
      await exists(ref);
      if (!keys.length) return ctx.done({ type: 'none' }, ref.id);
      return ctx.pending(
        await ctx.call('deleteTags', { ...target(ref), ...tagParams(Object.fromEntries(keys.map((k) => [k, ''])), false) }),
        ref.id,
      );
    },
    listTags: async ({ resource, key } = {}): Promise<Tag[]> =>
      (
        await ctx.listAll<Json>('listTags', 'tag', {
          resourceid: resource?.id,
          resourcetype: resource ? RESOURCE_TYPES[resource.type] : undefined,
          key,
        })
      ).flatMap((t) => toTag(t) ?? []),
  };
};
