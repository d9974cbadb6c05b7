import { createProjectGraphAsync } from '@nx/devkit';
import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url).pathname;
const eslint = new ESLint({ cwd: root });

/** Lints `code` as if it were a file at `filePath` and returns the rules that fired. */
async function violations(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: `${root}${filePath}` });
  return (result?.messages ?? []).map((m) => `${m.ruleId}: ${m.message}`);
}

beforeAll(async () => {
  // The nx rule reads the cached project graph and silently skips itself without one.
  await createProjectGraphAsync({ exitOnError: false });
}, 60_000);

describe('module boundaries', () => {
  it('lets a node lib use another lib', async () => {
    expect(await violations('libs/bus/src/probe.ts', "import { RoomIdSchema } from '@parley/protocol';\nexport const x = RoomIdSchema;\n")).toEqual([]);
  });

  it('keeps the browser-safe protocol lib off node libs, node packages and node built-ins', async () => {
    const found = await violations(
      'libs/protocol/src/probe.ts',
      "import { uniqueId } from '@parley/testing';\nimport pg from 'pg';\nimport { readFileSync } from 'node:fs';\nexport const x = [uniqueId, pg, readFileSync];\n",
    );
    expect(found).toEqual([
      expect.stringMatching(/^@nx\/enforce-module-boundaries: A project tagged with "type:lib" can only depend on libs tagged with "type:lib"/),
      expect.stringMatching(/^@nx\/enforce-module-boundaries: A project tagged with "platform:browser" is not allowed to import "pg"/),
      expect.stringMatching(/^no-restricted-imports: .*browser-safe lib: no Node built-ins/),
    ]);
  });

  it('keeps zod behind a namespace import in the browser-safe libs (the z export carries every locale)', async () => {
    const named = await violations('libs/client/src/probe.ts', "import { z } from 'zod';\nexport const x = z.string();\n");
    expect(named).toEqual([expect.stringMatching(/^no-restricted-syntax: import \* as z from 'zod'/)]);
    expect(await violations('libs/client/src/probe.ts', "import * as z from 'zod';\nexport const x = z.string();\n")).toEqual([]);
  });

  it('never lets a service import another service', async () => {
    const byName = await violations('services/api/src/probe.ts', "import { buildApp } from '@parley/gateway';\nexport const x = buildApp;\n");
    expect(byName).toEqual([expect.stringMatching(/^no-restricted-imports: .*services never import each other/)]);
    const byPath = await violations('services/api/src/probe.ts', "import { buildApp } from '../../gateway/src/app.js';\nexport const x = buildApp;\n");
    expect(byPath).toEqual([expect.stringMatching(/^@nx\/enforce-module-boundaries: Projects cannot be imported by a relative or absolute path/)]);
  });

  it('keeps test helpers out of production libs', async () => {
    const found = await violations('libs/auth/src/probe.ts', "import { uniqueId } from '@parley/testing';\nexport const x = uniqueId;\n");
    expect(found).toEqual([expect.stringMatching(/can only depend on libs tagged with "type:lib"/)]);
  });
});
