import { freePort } from '@parley/testing';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withInterval } from './dashboard.js';

const BINARY = '/usr/bin/prometheus';

export interface Answer {
  readonly expr: string;
  /** The result's values that are numbers (NaN, from a quantile over no observations, is not data). */
  readonly values: string[];
}

export interface Prometheus {
  readonly url: string;
  /**
   * Runs every expression (Grafana's `$__rate_interval` replaced by `interval`) until each returns
   * data or `timeoutMs` passes; the last answers either way.
   */
  answerAll(exprs: string[], options: { interval: string; timeoutMs: number }): Promise<Answer[]>;
  stop(): Promise<void>;
}

/**
 * Debian's Prometheus on a free loopback port, scraping `targets` (base URLs) every second, with
 * its data in a temporary directory removed by `stop()`. Undefined when it is not installed.
 */
export async function startPrometheus(targets: string[]): Promise<Prometheus | undefined> {
  if (!existsSync(BINARY)) return undefined;
  const dir = await mkdtemp(join(tmpdir(), 'parley-prometheus-'));
  const port = await freePort();
  const config = {
    global: { scrape_interval: '1s', evaluation_interval: '1s' },
    scrape_configs: [{ job_name: 'parley', static_configs: [{ targets: targets.map((t) => new URL(t).host) }] }],
  };
  // JSON is YAML: no YAML writer needed.
  await writeFile(join(dir, 'prometheus.yml'), JSON.stringify(config));
  const child = spawn(
    BINARY,
    [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`],
    { stdio: 'ignore' },
  );
  const url = `http://127.0.0.1:${port}`;
  const query = async (expr: string): Promise<string[]> => {
    const res = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(expr)}`).catch(() => undefined);
    if (!res?.ok) return [];
    const body = (await res.json()) as { data: { result: { value: [number, string] }[] } };
    return body.data.result.map((r) => r.value[1]).filter((v) => !Number.isNaN(Number(v)));
  };
  return {
    url,
    async answerAll(exprs, { interval, timeoutMs }) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const answers = await Promise.all(exprs.map(async (expr) => ({ expr, values: await query(withInterval(expr, interval)) })));
        if (answers.every((a) => a.values.length > 0) || Date.now() > deadline) return answers;
        await new Promise((r) => setTimeout(r, 1_000));
      }
    },
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await once(child, 'exit');
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
