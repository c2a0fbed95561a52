/**
 * @module An asset's operations as the portal lists them, read from the served OpenAPI document (so an asset an
 * operator disabled is not offered, exactly as on /docs). The document is parsed again only when it changes.
 */

export interface OperationSummary {
  method: string;
  path: string;
  operationId: string;
  summary: string;
  /** Needs no key (`security: []`). */
  public: boolean;
  parameters: { name: string; in: string; required: boolean }[];
  hasBody: boolean;
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

export const apiReference = (documentJson: () => string) => {
  let cached = { json: '', doc: {} as Record<string, unknown> };
  const doc = () => {
    const json = documentJson();
    if (json !== cached.json) cached = { json, doc: JSON.parse(json) };
    return cached.doc;
  };
  return {
    /** Operations tagged with the asset, in document order. */
    operations(assetId: string): OperationSummary[] {
      const out: OperationSummary[] = [];
      for (const [path, item] of Object.entries((doc().paths ?? {}) as Record<string, Record<string, Record<string, unknown>>>)) {
        for (const method of METHODS) {
          const op = item[method];
          if (!op || !(op.tags as string[] | undefined)?.includes(assetId)) continue;
          out.push({
            method: method.toUpperCase(),
            path,
            operationId: String(op.operationId ?? ''),
            summary: String(op.summary ?? op.description ?? ''),
            public: Array.isArray(op.security) && op.security.length === 0,
            parameters: ((op.parameters ?? []) as { name?: string; in?: string; required?: boolean }[])
              .filter((p) => p.name)
              .map((p) => ({ name: String(p.name), in: String(p.in), required: Boolean(p.required) })),
            hasBody: op.requestBody !== undefined,
          });
        }
      }
      return out;
    },
    /** Whether the asset is in the served document (loaded and not disabled for everyone). */
    published(assetId: string): boolean {
      return ((doc().tags ?? []) as { name: string }[]).some((t) => t.name === assetId);
    },
  };
};

export type ApiReference = ReturnType<typeof apiReference>;
