/** @module Resource tags: async create/delete, sync list. A key a resource already has is refused, as CloudStack does. */
import { ApiError } from '../api-error.js';
import type { Handler } from '../fake-context.js';
import type { FakeState, Json } from '../fake-state.js';
import { listResponse } from '../list-response.js';

const TABLES: Record<string, (s: FakeState) => Map<string, Json>> = { UserVm: (s) => s.vms, Template: (s) => s.templates };

const resources = (p: Parameters<Handler>[0], state: FakeState) => {
  const type = p.require('resourcetype');
  const table = TABLES[type];
  if (!table) throw new ApiError(431, `Resource type ${type} is not supported by this fake`);
  const ids = p.require('resourceids').split(',');
  for (const id of ids) if (!table(state).has(id)) throw new ApiError(431, `Unable to find resource by id ${id} and type ${type}`);
  return { type, ids };
};

export const tagCommands: Record<string, Handler> = {
  createTags: (p, ctx) => {
    const { type, ids } = resources(p, ctx.state);
    const tags = p.map('tags');
    if (!tags.length) throw new ApiError(431, 'Unable to execute API command createtags due to missing parameter tags');
    for (const id of ids)
      for (const t of tags)
        if ((ctx.state.tags.get(id) ?? []).some((x) => x.key === t.key))
          throw new ApiError(431, `tag ${t.key} already exists on resource ${id}`);
    const job = ctx.job({ cmd: 'tag.CreateTagsCmd', type: 'None' }, () => () => {
      for (const id of ids) {
        const list = ctx.state.tags.get(id) ?? [];
        for (const t of tags)
          list.push({ key: t.key, value: t.value ?? '', resourceid: id, resourcetype: type, account: ctx.state.account.name });
        ctx.state.tags.set(id, list);
      }
      return { success: true };
    });
    return { jobid: job.jobid };
  },

  deleteTags: (p, ctx) => {
    const { ids } = resources(p, ctx.state);
    const tags = p.map('tags');
    const job = ctx.job({ cmd: 'tag.DeleteTagsCmd', type: 'None' }, () => () => {
      for (const id of ids) {
        const keep = (ctx.state.tags.get(id) ?? []).filter(
          (x) => tags.length > 0 && !tags.some((t) => t.key === x.key && (t.value === undefined || t.value === x.value)),
        );
        ctx.state.tags.set(id, keep);
      }
      return { success: true };
    });
    return { jobid: job.jobid };
  },

  listTags: (p, { state }) => {
    const id = p.get('resourceid');
    const type = p.get('resourcetype');
    const key = p.get('key');
    const all = id ? (state.tags.get(id) ?? []) : [...state.tags.values()].flat();
    return listResponse(
      p,
      'tag',
      all.filter((t) => (!type || t.resourcetype === type) && (!key || t.key === key)),
    );
  },
};
