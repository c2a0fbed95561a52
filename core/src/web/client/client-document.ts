/**
 * @module The part of the served OpenAPI document an app's typed client needs: the operations of the assets it is
 * subscribed to, and those assets' components (the merged document prefixes them with the asset id, so they are
 * told apart by name). The platform's security schemes come along, so the client documents how to authenticate.
 */

export const clientDocument = (served: Record<string, unknown>, assetIds: string[]): Record<string, unknown> => {
  const wanted = new Set(assetIds);
  const paths: Record<string, unknown> = {};
  for (const [path, item] of Object.entries((served.paths ?? {}) as Record<string, Record<string, { tags?: string[] }>>)) {
    const ops = Object.values(item).filter((op) => op && typeof op === 'object' && Array.isArray(op.tags));
    if (ops.length > 0 && ops.every((op) => op.tags?.some((t) => wanted.has(t)))) paths[path] = item;
  }
  const components: Record<string, Record<string, unknown>> = {};
  for (const [kind, entries] of Object.entries((served.components ?? {}) as Record<string, Record<string, unknown>>)) {
    const kept = Object.entries(entries).filter(([name]) => kind === 'securitySchemes' || wanted.has(name.split('.')[0]));
    if (kept.length > 0) components[kind] = Object.fromEntries(kept);
  }
  return {
    ...served,
    tags: ((served.tags ?? []) as { name: string }[]).filter((t) => wanted.has(t.name)),
    paths,
    components,
  };
};
