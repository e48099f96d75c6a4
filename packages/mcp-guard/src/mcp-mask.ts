import { DETECTORS, type DetectorName, type Masker } from '@jitgate/masking';

export interface McpMaskOptions {
  /** JSON paths masked whole in `structuredContent` and in JSON text items. */
  paths?: string[];
}

export interface McpMaskResult<T> {
  /** A new result when anything changed, else the input itself; the input is never written to. */
  result: T;
  hits: DetectorName[];
  /** Values replaced whole (paths, property-name globs, over-deep subtrees). */
  maskedPaths: number;
  changed: boolean;
}

/** JSON text longer than this is scanned as text rather than parsed. */
const MAX_JSON_TEXT = 4 * 1024 * 1024;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

class Masking {
  private readonly hitSet = new Set<DetectorName>();
  maskedPaths = 0;

  constructor(
    private readonly masker: Masker,
    private readonly options: McpMaskOptions,
  ) {}

  hits(): DetectorName[] {
    return DETECTORS.filter((d) => this.hitSet.has(d));
  }

  json(value: unknown): unknown {
    const r = this.masker.maskJson(value, this.options.paths === undefined ? undefined : { paths: this.options.paths });
    for (const h of r.hits) this.hitSet.add(h);
    this.maskedPaths += r.maskedPaths;
    return r.value;
  }

  /**
   * Servers that return `structuredContent` also send it serialised in a text item (MCP spec,
   * "Structured Content"), so JSON text gets the same path masking; other text is scanned.
   */
  text(text: string): string {
    const t = text.trimStart();
    if ((t.startsWith('{') || t.startsWith('[')) && text.length <= MAX_JSON_TEXT) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
      if (parsed !== undefined) {
        const masked = this.json(parsed);
        return masked === parsed ? text : JSON.stringify(masked);
      }
    }
    const r = this.masker.scanText(text);
    if (r === undefined) return text;
    for (const h of r.hits) this.hitSet.add(h);
    return r.text;
  }

  /** A text or embedded-resource content item; images, audio, blobs and links pass unchanged. */
  contentItem(item: unknown): unknown {
    if (!isRecord(item)) return item;
    if (item['type'] === 'text' && typeof item['text'] === 'string') {
      const text = this.text(item['text']);
      return text === item['text'] ? item : { ...item, text };
    }
    if (item['type'] === 'resource' && isRecord(item['resource'])) {
      const resource = this.resourceContents(item['resource']);
      return resource === item['resource'] ? item : { ...item, resource };
    }
    return item;
  }

  resourceContents(contents: Record<string, unknown>): Record<string, unknown> {
    if (typeof contents['text'] !== 'string') return contents;
    const text = this.text(contents['text']);
    return text === contents['text'] ? contents : { ...contents, text };
  }

  list(items: unknown, each: (item: unknown) => unknown): unknown {
    if (!Array.isArray(items)) return items;
    let changed = false;
    const out = items.map((item) => {
      const m = each(item);
      if (m !== item) changed = true;
      return m;
    });
    return changed ? out : items;
  }
}

function finish<T>(input: T, output: Record<string, unknown>, changed: boolean, m: Masking): McpMaskResult<T> {
  return { result: (changed ? output : input) as T, hits: m.hits(), maskedPaths: m.maskedPaths, changed };
}

/**
 * Masks a `tools/call` result (`CallToolResult`): text items are scanned (or path-masked when
 * they hold JSON), embedded text resources likewise, `structuredContent` via `maskJson`.
 * Throws only what `Masker.maskJson` throws for invalid `paths` (compile them at start-up).
 */
export function maskToolResult<T>(result: T, masker: Masker, options: McpMaskOptions = {}): McpMaskResult<T> {
  const m = new Masking(masker, options);
  if (!isRecord(result)) return finish(result, {}, false, m);
  const out: Record<string, unknown> = { ...result };
  if ('content' in result) out['content'] = m.list(result['content'], (i) => m.contentItem(i));
  if ('structuredContent' in result) out['structuredContent'] = m.json(result['structuredContent']);
  const changed = out['content'] !== result['content'] || out['structuredContent'] !== result['structuredContent'];
  return finish(result, out, changed, m);
}

/** Masks a `resources/read` result (`ReadResourceResult`): each text content; blobs pass unchanged. */
export function maskResourceResult<T>(result: T, masker: Masker, options: McpMaskOptions = {}): McpMaskResult<T> {
  const m = new Masking(masker, options);
  if (!isRecord(result)) return finish(result, {}, false, m);
  const contents = m.list(result['contents'], (c) => (isRecord(c) ? m.resourceContents(c) : c));
  return finish(result, { ...result, contents }, contents !== result['contents'], m);
}
