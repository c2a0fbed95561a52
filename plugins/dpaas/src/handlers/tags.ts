/** @module Tags on the app's instances and templates: set and removed through the provider (202), listed from the platform's rows. */
import { NotFoundError } from '@switchboard/sdk';
import { Tag } from '../entities/tag.js';
import { Template } from '../entities/template.js';
import { actionable, type Ctx, ownInstance, type Part, runOperation } from './context.js';

type TagHandlers = Part<'setInstanceTags' | 'removeInstanceTag' | 'setTemplateTags' | 'removeTemplateTag' | 'listTags'>;

export const tagHandlers = (ctx: Ctx): TagHandlers => {
  const { db, driver } = ctx;
  const ownTemplate = async (appId: string | null, id: string) => {
    const row = await db.findOne(Template, { id, appId });
    if (!row) throw new NotFoundError('template', id);
    return row;
  };
  const hasTag = (tags: Record<string, string>, key: string) => {
    if (!(key in tags)) throw new NotFoundError('tag', key);
  };

  return {
    setInstanceTags: async ({ params, body, caller }) => {
      const row = await ownInstance(db, caller.appId, params.instanceId);
      const providerId = actionable(row);
      return runOperation(
        ctx,
        { appId: caller.appId, type: 'tags.set', resourceType: 'instance', resourceId: row.id, input: { tags: body.tags } },
        () => driver.setTags({ type: 'instance', id: providerId }, body.tags),
      );
    },

    removeInstanceTag: async ({ params, caller }) => {
      const row = await ownInstance(db, caller.appId, params.instanceId);
      const providerId = actionable(row);
      hasTag(row.tags, params.key);
      return runOperation(
        ctx,
        { appId: caller.appId, type: 'tags.remove', resourceType: 'instance', resourceId: row.id, input: { keys: [params.key] } },
        () => driver.removeTags({ type: 'instance', id: providerId }, [params.key]),
      );
    },

    setTemplateTags: async ({ params, body, caller }) => {
      const row = await ownTemplate(caller.appId, params.templateId);
      return runOperation(
        ctx,
        { appId: caller.appId, type: 'tags.set', resourceType: 'template', resourceId: row.id, input: { tags: body.tags } },
        () => driver.setTags({ type: 'template', id: row.id }, body.tags),
      );
    },

    removeTemplateTag: async ({ params, caller }) => {
      const row = await ownTemplate(caller.appId, params.templateId);
      hasTag(row.tags, params.key);
      return runOperation(
        ctx,
        { appId: caller.appId, type: 'tags.remove', resourceType: 'template', resourceId: row.id, input: { keys: [params.key] } },
        () => driver.removeTags({ type: 'template', id: row.id }, [params.key]),
      );
    },

    listTags: async ({ query, caller }) => {
      const where: Record<string, unknown> = { appId: caller.appId };
      if (query.resourceType) where.resourceType = query.resourceType;
      if (query.resourceId) where.resourceId = query.resourceId;
      if (query.key) where.tagKey = query.key;
      const rows = await db.find(Tag, where, { orderBy: { resourceType: 'asc', resourceId: 'asc', tagKey: 'asc' }, limit: 1000 });
      return {
        status: 200,
        body: { items: rows.map((t) => ({ resourceType: t.resourceType, resourceId: t.resourceId, key: t.tagKey, value: t.tagValue })) },
      };
    },
  };
};
