import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import type { Problem } from '../../core/errors';

/**
 * Where the values of an overlay came from, so a construct that refuses a value can be answered
 * with the overlay file, line, column and key instead of the construct path alone.
 *
 * Constructs do not know which of their props came from an overlay (an app's `build` maps,
 * spreads and combines values before they reach a construct), and their validations report plain
 * sentences. What they all do, by the house style, is quote the value they refuse
 * (`backup.schedule "0 2 * * *" has 5 fields`, `walMaxParallel 0 must be...`). So the pipeline
 * maps a construct's problem back to the overlay scalar whose value it quotes; when several
 * scalars hold that value, the one whose key path the message puts right before it wins, and
 * without one the construct path stays and the hint names the candidates. One mechanism for every
 * construct validation and every error thrown while building, with no change to the constructs.
 */

/** One scalar of an overlay: its key path, value and position. */
export interface OverlayScalar {
  /** The key path from the document's root, e.g. ["database", "backup", "schedule"]. */
  readonly path: readonly string[];
  /** The value as the overlay gives it. */
  readonly value: string | number | boolean;
  /** 1-based line of the value. */
  readonly line: number;
  /** 1-based column of the value. */
  readonly col: number;
}

/** The scalars of an overlay file, and the mapping of construct problems back to them. */
export class OverlaySource {
  /**
   * Reads the scalars of a parsed overlay document; `file` is the path shown in messages.
   * Keys that are not plain scalars (complex YAML keys) are skipped.
   */
  public static fromDocument(file: string, doc: Document, lines: LineCounter): OverlaySource {
    return new OverlaySource(file, scalarsOf(doc, lines));
  }

  /**
   * The scalars of an overlay's text, parsed with their positions only when a message first asks
   * where a value came from (synth reads a valid overlay without positions: overlay.ts quickValues).
   */
  public static fromText(file: string, text: string): OverlaySource {
    return new OverlaySource(file, () => {
      const lines = new LineCounter();
      return scalarsOf(parseDocument(text, { lineCounter: lines, uniqueKeys: true, strict: true }), lines);
    });
  }

  private found: readonly OverlayScalar[] | undefined;

  /**
   * @param file the overlay file as shown in messages
   * @param scalarsOrFind its scalars with their positions, or how to find them when first asked
   */
  public constructor(public readonly file: string, private readonly scalarsOrFind: readonly OverlayScalar[] | (() => readonly OverlayScalar[])) {}

  /** The overlay's scalars with their positions. */
  public get scalars(): readonly OverlayScalar[] {
    if (this.found === undefined) this.found = typeof this.scalarsOrFind === 'function' ? this.scalarsOrFind() : this.scalarsOrFind;
    return this.found;
  }

  /**
   * The scalars `message` quotes: a string as `"value"`, a number or boolean right after its key
   * (`walMaxParallel 0`). Where several scalars hold a quoted string, only those whose key path
   * stands right before it are kept: the whole path of a top-level key (`hostname "x"`), at least
   * the last two keys of a nested one (`backup.schedule "0 2 * * *"`). A single key is not
   * evidence enough between several (`claim name "web"` is not the overlay's `database.name`).
   */
  public quotedIn(message: string): OverlayScalar[] {
    const quoted = this.scalars.filter((s) => {
      if (typeof s.value === 'string') return s.value.length > 0 && message.includes(JSON.stringify(s.value));
      const key = keyOf(s.path);
      return key !== undefined && new RegExp(`\\b${escape(key)}:? ${escape(String(s.value))}\\b`).test(message);
    });
    if (quoted.length <= 1) return quoted;
    const named = quoted.filter((s) => {
      if (typeof s.value !== 'string') return true;
      const keys = s.path.filter((segment) => !/^\d+$/.test(segment));
      const suffix = keys.slice(-Math.min(2, keys.length)).join('.');
      return suffix !== '' && new RegExp(`(^|[^\\w.])${escape(suffix)}:? ${escape(JSON.stringify(s.value))}`).test(message);
    });
    return named.length > 0 ? named : quoted;
  }

  /**
   * `problem`, pointed at the overlay when its message quotes exactly one overlay value: `where`
   * becomes `file:line:col key.path` and the construct path moves into the message. A problem
   * that quotes values of several keys keeps its `where` and names the candidates in its hint.
   */
  public locate(problem: Problem): Problem {
    const found = this.quotedIn(problem.message);
    if (found.length === 1) {
      const [scalar] = found;
      return { ...problem, where: `${this.at(scalar)}`, message: `${problem.message} (refused by ${problem.where})` };
    }
    if (found.length > 1) {
      const candidates = `the value comes from ${found.slice(0, 3).map((s) => this.at(s)).join(' or ')}`;
      return { ...problem, hint: problem.hint ? `${problem.hint}; ${candidates}` : candidates };
    }
    return problem;
  }

  private at(scalar: OverlayScalar): string {
    return `${this.file}:${scalar.line}:${scalar.col} ${scalar.path.join('.')}`;
  }
}

/** The key a scalar sits under: its last path segment, or its list's key for a list item. */
function keyOf(path: readonly string[]): string | undefined {
  for (let i = path.length - 1; i >= 0; i--) if (!/^\d+$/.test(path[i])) return path[i];
  return undefined;
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Every string, number and boolean scalar of a parsed overlay, with its key path and position; keys that are not plain scalars are skipped. */
function scalarsOf(doc: Document, lines: LineCounter): OverlayScalar[] {
  const scalars: OverlayScalar[] = [];
  const walk = (node: unknown, path: string[]): void => {
    if (isMap(node)) {
      for (const pair of node.items) {
        if (isScalar(pair.key)) walk(pair.value, [...path, String(pair.key.value)]);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => walk(item, [...path, String(i)]));
    } else if (isScalar(node) && node.range && ['string', 'number', 'boolean'].includes(typeof node.value)) {
      const pos = lines.linePos(node.range[0]);
      scalars.push({ path, value: node.value as string | number | boolean, line: pos.line, col: pos.col });
    }
  };
  walk(doc.contents, []);
  return scalars;
}
