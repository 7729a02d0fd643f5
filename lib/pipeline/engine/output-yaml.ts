import { dump, type DumpOptions } from 'js-yaml';

/**
 * The YAML of one rendered object, byte for byte what js-yaml's `dump` writes with `options`,
 * written without js-yaml's per-document work. `dump` builds a node tree of the document and
 * decides every scalar's style with a dozen regular expressions, once per scalar: most of the time
 * of writing the output, where the same keys and values recur in every object. Here the block
 * layout (js-yaml 5's with these options: two-space indentation, sequences indented under their
 * key, `- ` items holding their first key or item on the dash's line, `{}` and `[]` for empty
 * collections) is written directly, and each scalar is written as `dump` writes it, asked once
 * per distinct key and value and remembered.
 *
 * That holds for a scalar whose style depends on nothing but its text: a key, or a value on one
 * line. Anything else, `dump` writes the whole document, as before: a string with a line break
 * (a block scalar's indentation depends on where it stands), a value starting with `---` or `...`
 * (a document marker at a line's start), a key `dump` writes as an explicit `? ` key, a top-level
 * value that is not a mapping, and any value that is not JSON (undefined, a function, a class
 * instance, a shared or cyclic reference).
 */
export function blockYaml(value: unknown, options: DumpOptions): string {
  if (!isPlainObject(value) || Object.keys(value).length === 0) return dump(value, options);
  const writer = new Writer(options);
  return writer.mapping(value, 0, false) ? writer.out : dump(value, options);
}

/** The scalars already asked of `dump`, by the options they were written with. */
const written = new WeakMap<DumpOptions, { keys: Map<string, string | null>; values: Map<string, string | null> }>();

class Writer {
  public out = '';
  private readonly keys: Map<string, string | null>;
  private readonly values: Map<string, string | null>;
  private readonly seen = new Set<object>();

  constructor(private readonly options: DumpOptions) {
    let memo = written.get(options);
    if (!memo) written.set(options, (memo = { keys: new Map(), values: new Map() }));
    this.keys = memo.keys;
    this.values = memo.values;
  }

  /** Writes a non-empty mapping at `indent`, its first entry on the current line when `inline`; false where dump must write the document. */
  mapping(map: Record<string, unknown>, indent: number, inline: boolean): boolean {
    if (this.seen.has(map)) return false;
    this.seen.add(map);
    let first = inline;
    for (const key of Object.keys(map)) {
      const k = this.key(key);
      if (k === null) return false;
      if (!first) this.out += ' '.repeat(indent);
      first = false;
      const child = map[key];
      if (isNonEmptyCollection(child)) {
        this.out += `${k}:\n`;
        if (!(Array.isArray(child) ? this.sequence(child, indent + 2, false) : this.mapping(child as Record<string, unknown>, indent + 2, false))) return false;
      } else {
        const v = this.scalar(child);
        if (v === null) return false;
        this.out += `${k}: ${v}\n`;
      }
    }
    this.seen.delete(map);
    return true;
  }

  /** Writes a non-empty sequence at `indent`, its first item on the current line when `inline`. */
  private sequence(items: readonly unknown[], indent: number, inline: boolean): boolean {
    if (this.seen.has(items)) return false;
    this.seen.add(items);
    for (let i = 0; i < items.length; i++) {
      if (!(i in items)) return false; // a hole
      if (i > 0 || !inline) this.out += ' '.repeat(indent);
      this.out += '- ';
      const item = items[i];
      if (isNonEmptyCollection(item)) {
        if (!(Array.isArray(item) ? this.sequence(item, indent + 2, true) : this.mapping(item as Record<string, unknown>, indent + 2, true))) return false;
      } else {
        const v = this.scalar(item);
        if (v === null) return false;
        this.out += `${v}\n`;
      }
    }
    this.seen.delete(items);
    return true;
  }

  /** A key as dump writes it in a block mapping, or null where it is not a one-line `key: value`. */
  private key(key: string): string | null {
    if (isPlainWord(key)) return key;
    let k = this.keys.get(key);
    if (k === undefined) {
      const text = dump({ [key]: 0 }, this.options);
      k = text.endsWith(': 0\n') && !text.slice(0, -4).includes('\n') && !text.startsWith('? ') ? text.slice(0, -4) : null;
      this.keys.set(key, k);
    }
    return k;
  }

  /** A value that is not a non-empty collection, as dump writes it after `key: `, or null where it is not one line of its own. */
  private scalar(value: unknown): string | null {
    let id: string;
    if (typeof value === 'string') {
      if (isPlainWord(value)) return value;
      if (value.includes('\n') || value.includes('\r') || value.startsWith('---') || value.startsWith('...')) return null;
      id = `s${value}`;
    } else if (typeof value === 'number') id = Object.is(value, -0) ? 'n-0' : `n${value}`;
    else if (typeof value === 'boolean' || value === null) id = `b${value}`;
    else if (Array.isArray(value)) id = 'a'; // empty
    else if (isPlainObject(value)) id = 'o'; // empty
    else return null;
    let v = this.values.get(id);
    if (v === undefined) {
      const text = dump({ x: value }, this.options);
      v = text.startsWith('x: ') && text.endsWith('\n') && !text.slice(3, -1).includes('\n') ? text.slice(3, -1) : null;
      this.values.set(id, v);
    }
    return v;
  }
}

/**
 * A word dump writes as it stands, as a key and as a value: a letter, then letters, digits, `_`,
 * `.`, `/` and `-` (no indicator, space, `:` or `#`, so YAML's plain-scalar rules allow it; it
 * cannot start like a number, `.inf` or `.nan`), and not one of the words YAML 1.2 or 1.1 reads
 * as a boolean or null, which dump quotes (`yes`, `n`, `Off`, `NULL`). Answered without dump:
 * most keys and values of a manifest are such words. The tests hold it to dump.
 */
function isPlainWord(text: string): boolean {
  return PLAIN_WORD.test(text) && !YAML_WORDS.test(text);
}
const PLAIN_WORD = /^[A-Za-z][A-Za-z0-9_./-]*$/;
const YAML_WORDS = /^(?:y|yes|n|no|true|false|on|off|null)$/i;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function isNonEmptyCollection(value: unknown): boolean {
  return Array.isArray(value) ? value.length > 0 : isPlainObject(value) && Object.keys(value).length > 0;
}
