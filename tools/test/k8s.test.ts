import { readFileSync } from 'node:fs';
import { Deployment } from 'kubernetes-models/apps/v1';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, Namespace, Secret, Service } from 'kubernetes-models/v1';
import { parse, parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';

const dir = new URL('../../deploy/k8s/', import.meta.url);
const root = new URL('../../', import.meta.url);

interface Kustomization {
  namespace: string;
  resources: string[];
}
type Obj = { apiVersion: string; kind: string; metadata: { name: string }; [key: string]: unknown };

const kustomization = parse(readFileSync(new URL('kustomization.yaml', dir), 'utf8')) as Kustomization;
const load = (file: string): Obj[] => parseAllDocuments(readFileSync(new URL(file, dir), 'utf8')).map((d) => d.toJS() as Obj);
const objects = kustomization.resources.flatMap(load);
const secretExample = load('secret.example.yaml');

// Every kind the manifests use, validated by its OpenAPI schema; an unknown kind fails the test.
// The schemas check types and required fields but allow unknown ones (a misspelt key passes), so
// the fields that matter (probes, preStop, grace, resources, env) are asserted one by one below.
const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'v1/Namespace': Namespace,
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'networking.k8s.io/v1/Ingress': Ingress,
};

const ofKind = <T>(kind: string) => objects.filter((o) => o.kind === kind) as unknown as (Obj & T)[];
interface Container {
  name: string;
  command: string[];
  env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[];
  envFrom?: { configMapRef?: { name: string } }[];
  readinessProbe?: { httpGet?: { path: string } };
  livenessProbe?: { httpGet?: { path: string } };
  lifecycle?: { preStop?: { exec?: { command: string[] } } };
  resources?: { requests?: { cpu?: string; memory?: string } };
}
interface DeploymentShape {
  spec: {
    selector: { matchLabels: Record<string, string> };
    template: { metadata: { labels: Record<string, string> }; spec: { terminationGracePeriodSeconds: number; containers: Container[] } };
  };
}
const deployments = ofKind<DeploymentShape>('Deployment');
const common = (ofKind<{ data: Record<string, string> }>('ConfigMap').find((c) => c.metadata.name === 'parley-common')?.data ?? {}) as Record<string, string>;

/** The env names a service reads (its config.ts and the shared fields), as the compose test does. */
function configKeys(service: string): Set<string> {
  const keysIn = (path: string) => [...readFileSync(new URL(path, root), 'utf8').matchAll(/^\s{2,4}([A-Z][A-Z0-9_]+):/gm)].map((m) => m[1]!);
  return new Set([...keysIn(`services/${service}/src/config.ts`), ...keysIn('libs/config/src/service.ts')]);
}

describe('deploy/k8s', () => {
  it.each([...objects, ...secretExample].map((o) => [`${o.kind}/${o.metadata.name}`, o]))('%s is valid against the Kubernetes schema', (_name, object) => {
    const Model = MODELS[`${object.apiVersion}/${object.kind}`];
    expect(Model, `${object.apiVersion} ${object.kind} has no model here`).toBeDefined();
    expect(() => new Model!(object as never).validate()).not.toThrow();
  });

  it('has a Deployment, a Service and a PodDisruptionBudget per service, each selecting the pods', () => {
    for (const service of ['api', 'gateway', 'presence']) {
      const deployment = deployments.find((d) => d.metadata.name === service);
      expect(deployment, service).toBeDefined();
      const labels = deployment!.spec.template.metadata.labels;
      const selects = (selector: Record<string, string>) => Object.entries(selector).every(([k, v]) => labels[k] === v);
      expect(selects(deployment!.spec.selector.matchLabels)).toBe(true);
      const service_ = ofKind<{ spec: { selector: Record<string, string> } }>('Service').find((s) => s.metadata.name === service);
      expect(selects(service_!.spec.selector), `Service ${service}`).toBe(true);
      const pdb = ofKind<{ spec: { selector: { matchLabels: Record<string, string> } } }>('PodDisruptionBudget').find((p) => p.metadata.name === service);
      expect(selects(pdb!.spec.selector.matchLabels), `PDB ${service}`).toBe(true);
    }
  });

  it.each(deployments.map((d) => [d.metadata.name, d]))('%s: probes, grace above the drain, resources, only settings it reads', (name, deployment) => {
    const pod = deployment.spec.template.spec;
    const [container] = pod.containers;
    expect(container!.command).toEqual(['node', `services/${name}/dist/main.js`]);
    expect(container!.readinessProbe?.httpGet?.path).toBe('/readyz');
    expect(container!.livenessProbe?.httpGet?.path).toBe('/livez');
    expect(container!.resources?.requests?.cpu).toBeDefined();
    expect(container!.resources?.requests?.memory).toBeDefined();

    const preStop = container!.lifecycle?.preStop?.exec?.command;
    const pauseSeconds = preStop?.[0] === 'sleep' ? Number(preStop[1]) : 0;
    const graceMs = Number(common['SHUTDOWN_GRACE_MS']);
    expect(graceMs).toBeGreaterThan(0);
    expect(pod.terminationGracePeriodSeconds * 1000).toBeGreaterThan(pauseSeconds * 1000 + graceMs);

    const known = configKeys(name);
    const names = [...Object.keys(common), ...(container!.env ?? []).map((e) => e.name)];
    expect(names.filter((key) => !known.has(key))).toEqual([]);
    // Credentials only from the Secret, and only keys the example Secret has.
    const secretKeys = Object.keys((secretExample[0] as unknown as { stringData: Record<string, string> }).stringData);
    for (const env of container!.env ?? []) {
      if (/URL$|SECRET/.test(env.name) && env.name !== 'PUBLIC_WS_URL') {
        expect(env.valueFrom?.secretKeyRef, env.name).toMatchObject({ name: 'parley-secrets', key: env.name });
        expect(secretKeys).toContain(env.name);
      }
    }
  });

  it('pauses the gateway before its drain, so it leaves the Service first', () => {
    const gateway = deployments.find((d) => d.metadata.name === 'gateway')!;
    const preStop = gateway.spec.template.spec.containers[0]!.lifecycle?.preStop?.exec?.command;
    expect(preStop?.[0]).toBe('sleep');
    expect(Number(preStop?.[1])).toBeGreaterThanOrEqual(5);
  });

  it('refuses what the schema forbids (the check is live)', () => {
    const broken = structuredClone(deployments[0]!) as unknown as { spec: { replicas: unknown } };
    broken.spec.replicas = 'two';
    expect(() => new Deployment(broken as never).validate()).toThrow();
  });
});
