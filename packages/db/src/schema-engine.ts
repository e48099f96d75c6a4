// Prisma's schema engine, compiled to WebAssembly, driven through the pg driver adapter. The
// native engine binary cannot be downloaded on machines without internet, the WASM build ships
// inside an npm package. We instantiate the module by hand so Node needs no
// --experimental-wasm-modules flag.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { PrismaPg } from '@prisma/adapter-pg';
import type pg from 'pg';
import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils';
import * as bindings from '@prisma/schema-engine-wasm/schema_engine_bg';

type SchemaEngine = bindings.SchemaEngine;

// @types/node 20 does not declare the WebAssembly global; this is the one call we need.
interface WasmApi {
  instantiate(bytes: Uint8Array, imports: Record<string, unknown>): Promise<{ instance: { exports: unknown } }>;
}
const wasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

let initialised: Promise<void> | undefined;

function initialiseWasm(): Promise<void> {
  initialised ??= (async () => {
    const require = createRequire(import.meta.url);
    // The package's exports map hides the .wasm file, so find it beside the entry point.
    const entry = require.resolve('@prisma/schema-engine-wasm');
    const wasmPath = path.join(path.dirname(entry), 'schema_engine_bg.wasm');
    const bytes = await readFile(wasmPath);
    const { instance } = await wasmApi.instantiate(bytes, { './schema_engine_bg.js': bindings });
    const exports = instance.exports as unknown as { __wbindgen_start: () => void };
    (bindings as unknown as { __wbg_set_wasm: (w: unknown) => void }).__wbg_set_wasm(exports);
    exports.__wbindgen_start();
  })();
  return initialised;
}

interface ScriptAdapter {
  /** The adapter's pg.Pool. */
  client: pg.Pool;
  performIO(query: unknown): Promise<{ fields: Array<{ dataTypeID: number }> }>;
  executeScript(script: string): Promise<void>;
  onError(error: unknown): never;
}

/**
 * @prisma/adapter-pg runs a migration script by splitting it on every ";" — which cuts
 * PL/pgSQL bodies (our audit triggers) and comments apart, and applies half a migration when a
 * later statement fails. The native engine sends the script whole; so do we: Postgres runs a
 * multi-statement simple query in one implicit transaction, all or nothing.
 */
const PG_CHAR_OID = 18;
const PG_TEXT_OID = 25;

function patchAdapter<A extends object>(adapter: A): A {
  const scriptAdapter = adapter as unknown as ScriptAdapter;
  // Describing a schema reads catalog columns of type "char" (pg_constraint.contype and the
  // like), which the adapter cannot map; pg hands their values over as one-letter strings, so
  // reading them as text is exact.
  const performIO = scriptAdapter.performIO.bind(scriptAdapter);
  scriptAdapter.performIO = async (query: unknown) => {
    const result = await performIO(query);
    for (const field of result.fields) if (field.dataTypeID === PG_CHAR_OID) field.dataTypeID = PG_TEXT_OID;
    return result;
  };
  scriptAdapter.executeScript = async (script: string) => {
    try {
      await scriptAdapter.client.query(script);
    } catch (error) {
      scriptAdapter.onError(error);
    }
  };
  return adapter;
}

/** Wraps the factory's adapters; `opened` collects them so that close() can end their pools. */
function wholeScriptFactory(inner: PrismaPg, opened: Array<{ dispose(): Promise<void> }>): PrismaPg {
  const connect = inner.connect.bind(inner);
  const connectToShadowDb = inner.connectToShadowDb.bind(inner);
  inner.connect = async () => {
    const adapter = patchAdapter(await connect());
    opened.push(adapter);
    return adapter;
  };
  // The shadow adapter drops its scratch database itself when disposed; the engine does that.
  inner.connectToShadowDb = async () => patchAdapter(await connectToShadowDb());
  return inner;
}

export interface EngineHandle {
  engine: SchemaEngine;
  close(): Promise<void>;
}

/** Opens a schema engine connected to `databaseUrl`, with the given datamodel loaded. */
export async function openSchemaEngine(databaseUrl: string, datamodels: Array<[path: string, content: string]>, log: (line: string) => void = () => {}): Promise<EngineHandle> {
  await initialiseWasm();
  // The engine never disposes the adapters it opens, and their idle pg connections would keep
  // the process alive for seconds: we dispose them in close().
  const opened: Array<{ dispose(): Promise<void> }> = [];
  const factory = bindMigrationAwareSqlAdapterFactory(wholeScriptFactory(new PrismaPg({ connectionString: databaseUrl, max: 2 }), opened));
  const engine = await bindings.SchemaEngine.new({ datamodels }, (message: string) => log(message), factory);
  return {
    engine,
    async close() {
      engine.free();
      await Promise.all(opened.map((adapter) => adapter.dispose()));
    },
  };
}
