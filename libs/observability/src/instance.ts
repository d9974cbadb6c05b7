import { hostname } from 'node:os';

/**
 * This process's id for logs, metrics and health reports when none is configured:
 * `<service>-<host>-<pid>`, reduced to the characters an instance id allows ([A-Za-z0-9_-],
 * at most 128), so a host name like `node-1.local` cannot make health reports invalid.
 */
export function defaultInstanceId(service: string): string {
  return `${service}-${hostname()}-${process.pid}`.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 128);
}
