import { readFileSync } from 'node:fs';

/** One query of deploy/grafana/dashboards/parley.json. */
export interface DashboardQuery {
  readonly panel: string;
  readonly expr: string;
}

interface Panel {
  title: string;
  targets?: { expr: string }[];
  panels?: Panel[];
}

const DASHBOARD = new URL('../../deploy/grafana/dashboards/parley.json', import.meta.url);

/** Every PromQL expression the dashboard runs, with its panel's title. */
export function dashboardQueries(): DashboardQuery[] {
  const { panels } = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { panels: Panel[] };
  const walk = (list: Panel[]): DashboardQuery[] =>
    list.flatMap((p) => [...(p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })), ...walk(p.panels ?? [])]);
  return walk(panels);
}

/** The series names an expression reads (ours, and Node's default metrics). */
export const seriesIn = (expr: string): string[] => [...new Set(expr.match(/\b(?:parley|process|nodejs)_[a-z0-9_]+\b/g) ?? [])];

/** The labels an expression groups or filters by (`le` included: it belongs to histograms). */
export const labelsIn = (expr: string): string[] => {
  const grouped = [...expr.matchAll(/\b(?:by|without)\s*\(([^)]*)\)/g)].flatMap((m) => m[1]!.split(',').map((l) => l.trim()));
  const matched = [...expr.matchAll(/\{([^}]*)\}/g)].flatMap((m) => [...m[1]!.matchAll(/([a-z_]+)\s*[=!~]/g)].map((l) => l[1]!));
  return [...new Set([...grouped, ...matched].filter(Boolean))];
};

/** Grafana's interval variable, as Prometheus must see it when the dashboard's queries run outside Grafana. */
export const withInterval = (expr: string, interval: string): string => expr.replaceAll('$__rate_interval', interval);

/** A scrape, parsed: declared families with their type, and every sample's name and label names. */
export interface Exposition {
  readonly types: Map<string, string>;
  readonly labels: Map<string, Set<string>>;
}

export function parseExposition(texts: string[]): Exposition {
  const types = new Map<string, string>();
  const labels = new Map<string, Set<string>>();
  for (const line of texts.join('\n').split('\n')) {
    const declared = /^# TYPE (\S+) (\S+)/.exec(line);
    if (declared) types.set(declared[1]!, declared[2]!);
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? /.exec(line);
    if (!sample) continue;
    const names = labels.get(sample[1]!) ?? new Set<string>();
    for (const m of (sample[2] ?? '').matchAll(/([a-zA-Z_]+)="/g)) names.add(m[1]!);
    labels.set(sample[1]!, names);
  }
  return { types, labels };
}

/** Why a queried series is not what the services expose, or undefined when it is. */
export function missing(series: string, exposition: Exposition): string | undefined {
  if (exposition.types.has(series)) return undefined;
  const family = series.replace(/_(bucket|sum|count)$/, '');
  const type = exposition.types.get(family);
  if (family !== series && (type === 'histogram' || (type === 'summary' && !series.endsWith('_bucket')))) return undefined;
  return type === undefined ? `${series}: no such metric` : `${series}: ${family} is a ${type}`;
}
