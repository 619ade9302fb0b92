import { escapeXml } from './svg.js';

/** Markup that is safe to insert as is: built by `html` (which escaped its values) or marked by `trustedHtml`. */
export class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

const render = (v: unknown): string =>
  v instanceof Html ? v.text : Array.isArray(v) ? v.map(render).join('') : escapeXml(String(v));

/**
 * HTML from a template in which every interpolated value is escaped, whatever its type (run files are untrusted
 * input), except values that are Html already; arrays are rendered item by item.
 */
export function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  let out = strings[0];
  values.forEach((v, i) => (out += render(v) + strings[i + 1]));
  return new Html(out);
}

/** Marks markup produced by our own escaping code (e.g. an SVG chart) as safe to insert. */
export const trustedHtml = (text: string): Html => new Html(text);
