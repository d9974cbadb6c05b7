import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = resolve(import.meta.dirname, '../src');

/** Every relative import and re-export, type-only ones included: a type cycle still ties files together. */
const IMPORT = /^\s*(?:import|export)\b[^'"]*?\bfrom\s*['"](\.{1,2}\/[^'"]+)['"]/gm;
const SIDE_EFFECT = /^\s*import\s*['"](\.{1,2}\/[^'"]+)['"]/gm;
const DYNAMIC = /\bimport\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

/** File → the files it imports, as paths relative to src/ (`.js` specifiers name their `.ts` source). */
function importGraph(files: ReadonlyMap<string, string>): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const [file, text] of files) {
    const targets = new Set<string>();
    for (const pattern of [IMPORT, SIDE_EFFECT, DYNAMIC]) {
      for (const match of text.matchAll(pattern)) targets.add(join(dirname(file), match[1]!).replace(/\.js$/, '.ts'));
    }
    graph.set(file, [...targets]);
  }
  return graph;
}

/** The strongly connected components with more than one file, or a file importing itself (Tarjan). */
function cycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (node: string): void => {
    index.set(node, index.size);
    low.set(node, index.get(node)!);
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!graph.has(next)) continue;
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node)!, index.get(next)!));
      }
    }
    if (low.get(node) !== index.get(node)) return;
    const component: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.push(member);
    } while (member !== node);
    if (component.length > 1 || graph.get(node)!.includes(node)) found.push(component.sort());
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return found;
}

function gatewayGraph(): Map<string, string[]> {
  const files = new Map(sourceFiles(SRC).map((path) => [relative(SRC, path), readFileSync(path, 'utf8')]));
  return importGraph(files);
}

describe('the gateway import graph', () => {
  it('has no cycle, type-only imports included', () => {
    expect(cycles(gatewayGraph())).toEqual([]);
  });

  it('has no handler importing another handler (shared work belongs to the module they call)', () => {
    const crossings = [...gatewayGraph()]
      .filter(([file]) => file.startsWith('ws/handlers/'))
      .flatMap(([file, targets]) => targets.filter((t) => t.startsWith('ws/handlers/')).map((t) => `${file} → ${t}`));
    expect(crossings).toEqual([]);
  });

  it('sees the imports a cycle is made of (so an empty answer above means something)', () => {
    const files = new Map([
      ['a.ts', "import type { B } from './b.js';\nexport type A = B;"],
      ['b.ts', "import {\n  c,\n} from './sub/c.js';\nexport const b = c;"],
      ['sub/c.ts', "export { a } from '../a.js';\nimport '../d.js';"],
      ['d.ts', "export const d = await import('./e.js');"],
      ['e.ts', "import { x } from '@parley/protocol';\nexport const e = x;"],
    ]);
    const graph = importGraph(files);
    expect(graph.get('sub/c.ts')).toEqual(['a.ts', 'd.ts']);
    expect(cycles(graph)).toEqual([['a.ts', 'b.ts', 'sub/c.ts']]);
    files.set('e.ts', "import type { A } from './a.js';");
    expect(cycles(importGraph(files))).toEqual([['a.ts', 'b.ts', 'd.ts', 'e.ts', 'sub/c.ts']]);
  });
});
