/** @module A request's parameters as CloudStack's dispatcher reads them: names without case, typed lookups, entity checks. */
import { ApiError, missingParam, unknownEntity } from './api-error.js';

export class Params {
  private readonly byName: Map<string, string>;

  constructor(
    readonly command: string,
    raw: Map<string, string>,
  ) {
    this.byName = new Map([...raw].map(([k, v]) => [k.toLowerCase(), v]));
  }

  get(name: string): string | undefined {
    const v = this.byName.get(name);
    return v === '' ? undefined : v;
  }

  require(name: string): string {
    const v = this.get(name);
    if (v === undefined) throw missingParam(this.command, name);
    return v;
  }

  bool(name: string): boolean | undefined {
    const v = this.get(name);
    return v === undefined ? undefined : v.toLowerCase() === 'true';
  }

  int(name: string): number | undefined {
    const v = this.get(name);
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n))
      throw new ApiError(
        431,
        `Unable to execute API command ${this.command.toLowerCase()} due to invalid value ${v} for parameter ${name}`,
      );
    return n;
  }

  /** The entity an id parameter names; an id naming nothing fails at dispatch, as in CloudStack. */
  entity<T>(name: string, table: Map<string, T>): T {
    const id = this.require(name);
    const found = table.get(id);
    if (found === undefined) throw unknownEntity(this.command, name, id);
    return found;
  }

  optionalEntity<T>(name: string, table: Map<string, T>): T | undefined {
    return this.get(name) === undefined ? undefined : this.entity(name, table);
  }

  /** `tags[0].key=k&tags[0].value=v` into an ordered list. */
  map(prefix: string): { key: string; value: string | undefined }[] {
    const out: { key: string; value: string | undefined }[] = [];
    for (let i = 0; this.byName.has(`${prefix}[${i}].key`); i++)
      out.push({ key: this.byName.get(`${prefix}[${i}].key`) as string, value: this.byName.get(`${prefix}[${i}].value`) });
    return out;
  }
}
