/**
 * @module Tag expressions for sends (`news && (fr || be) && !beta`), compiled to a database filter so targeting
 * never loads an app's whole registry into memory. Grammar: or := and ('||' and)*; and := not ('&&' not)*;
 * not := '!' not | '(' or ')' | tag.
 */
import { InputError } from '@switchboard/sdk';

const TAG = /^[A-Za-z0-9][A-Za-z0-9.:-]{0,63}$/;
const MAX_TAGS = 20;

// biome-ignore lint/suspicious/noExplicitAny: a MikroORM filter object for PushDevice.
type Filter = Record<string, any>;

const fail = (message: string): never => {
  throw new InputError(`Invalid tag expression: ${message}`, { code: 'INVALID_TAG_EXPRESSION', details: { pointer: '/body/target/tags' } });
};

const tokenize = (text: string): string[] => {
  const tokens = text.match(/&&|\|\||!|\(|\)|[^\s&|!()]+|\S/g) ?? [];
  if (tokens.length === 0) fail('it is empty');
  return tokens;
};

/**
 * @example
 * compileTagExpression('news && !beta') // { $and: [{ tagText: { $like: '%|news|%' } }, { tagText: { $nlike: '%|beta|%' } }] }
 */
export const compileTagExpression = (text: string): Filter => {
  const tokens = tokenize(text);
  let pos = 0;
  let tags = 0;
  const peek = () => tokens[pos];
  const next = () => tokens[pos++];

  const parseOr = (): Filter => {
    const parts = [parseAnd()];
    while (peek() === '||') {
      next();
      parts.push(parseAnd());
    }
    return parts.length === 1 ? parts[0] : { $or: parts };
  };
  const parseAnd = (): Filter => {
    const parts = [parseNot()];
    while (peek() === '&&') {
      next();
      parts.push(parseNot());
    }
    return parts.length === 1 ? parts[0] : { $and: parts };
  };
  const parseNot = (): Filter => {
    const t = next();
    if (t === undefined) return fail('it ends too early');
    if (t === '!') return { $not: parseNot() };
    if (t === '(') {
      const inner = parseOr();
      if (next() !== ')') fail('a parenthesis is not closed');
      return inner;
    }
    if (!TAG.test(t)) return fail(`'${t.slice(0, 70)}' is not a tag`);
    if (++tags > MAX_TAGS) fail(`at most ${MAX_TAGS} tags`);
    return { tagText: { $like: `%|${t}|%` } };
  };

  const filter = parseOr();
  if (pos < tokens.length) fail(`unexpected '${tokens[pos]}'`);
  return filter;
};

/** The `tag_text` value for a device's tags. */
export const tagText = (tags: readonly string[]): string => (tags.length ? `|${tags.join('|')}|` : '');

/**
 * The same filter as SQL over `push_device` (for the recipient snapshot built with one INSERT … SELECT): the LIKE
 * patterns travel as parameters, so a tag never becomes SQL text.
 *
 * @example
 * tagFilterSql(compileTagExpression('news && !beta')) // { sql: '(tag_text like ? and not (tag_text like ?))', params: ['%|news|%', '%|beta|%'] }
 */
export const tagFilterSql = (filter: Filter): { sql: string; params: string[] } => {
  if (filter.tagText) return { sql: 'tag_text like ?', params: [filter.tagText.$like] };
  if (filter.$not) {
    const inner = tagFilterSql(filter.$not);
    return { sql: `not (${inner.sql})`, params: inner.params };
  }
  const parts = ((filter.$and ?? filter.$or) as Filter[]).map(tagFilterSql);
  return { sql: `(${parts.map((p) => p.sql).join(filter.$and ? ' and ' : ' or ')})`, params: parts.flatMap((p) => p.params) };
};
