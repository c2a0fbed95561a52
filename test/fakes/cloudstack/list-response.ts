/**
 * @module List answers as CloudStack shapes them: `{ count, <item>: [...] }` with `count` the total, `{}` when empty,
 * and BaseListCmd's paging (`pagesize` at most `default.page.size` = 500, which is also the cap without paging).
 */
import { ApiError } from './api-error.js';
import type { Json } from './fake-state.js';
import type { Params } from './params.js';

export const MAX_PAGE_SIZE = 500;

export const listResponse = (p: Params, itemKey: string, items: Json[]): Json => {
  const size = p.int('pagesize') ?? MAX_PAGE_SIZE;
  if (size > MAX_PAGE_SIZE) throw new ApiError(431, `Page size can't exceed max allowed page size value: ${MAX_PAGE_SIZE}`);
  const page = p.int('page') ?? 1;
  if (page < 1) throw new ApiError(431, 'Page number must be at least 1');
  const slice = size === -1 ? items : items.slice((page - 1) * size, page * size);
  return items.length === 0 ? {} : { count: items.length, [itemKey]: slice };
};
