import { mkdtemp, rm, symlink, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import type { IDeployment } from 'kubernetes-models/apps/v1';
import type { IJob } from 'kubernetes-models/batch/v1';
import type { INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import type { IPodDisruptionBudget } from 'kubernetes-models/policy/v1';
import type { IConfigMap, IContainer, IPodSpec } from 'kubernetes-models/v1';
import { parseHubConfig } from '../../../hub/hub.config';
import { hubComponents } from '../../../hub/main';
import { parseNodeConfig } from '../../../node/node.config';
import { nodeComponents } from '../../../node/main';
import { generateTestCerts, type TestCerts } from '../../helpers/federation-certs';
import { KUBERNETES_DIR, renderKustomization, schemaProblems, type Manifest } from '../../helpers/kubernetes-manifests';

/** The names of a role's components that run by default (the opt-in ones, a state's stack, are added by hand). */
const byDefault = (components: readonly { name: string; optIn?: boolean }[]) =>
  components.filter((c) => !c.optIn).map((c) => c.name);

/** What each overlay must run: every component of the role that is not opt-in. */
const ROLES = {
  node: { components: byDefault(nodeComponents()), parse: parseNodeConfig },
  hub: { components: byDefault(hubComponents()), parse: parseHubConfig },
} as const;
type Role = keyof typeof ROLES;

const rendered = new Map<Role, Promise<Manifest[]>>();
const render = (role: Role) => {
  if (!rendered.has(role)) rendered.set(role, renderKustomization(join(KUBERNETES_DIR, 'overlays', role)));
  return rendered.get(role) as Promise<Manifest[]>;
};
const ofKind = <T>(manifests: Manifest[], kind: string) => manifests.filter((m) => m.kind === kind) as unknown as T[];
const containerOf = (spec: IPodSpec | undefined): IContainer => spec?.containers[0] as IContainer;
const selects = (selector: Record<string, string> | undefined, labels: Record<string, string> | undefined) =>
  selector !== undefined && Object.entries(selector).every(([k, v]) => labels?.[k] === v);

let certs: TestCerts;
test.before(async () => {
  certs = await generateTestCerts(['node-a']);
});
test.after.always(async () => {
  await certs?.destroy();
});

for (const role of Object.keys(ROLES) as Role[]) {
  const { components } = ROLES[role];

  test(`${role} overlay: kustomize renders it and every object passes its Kubernetes schema`, async (t) => {
    const manifests = await render(role);
    t.deepEqual(manifests.flatMap(schemaProblems), []);
    t.true(manifests.every((m) => m.metadata.namespace === `enfed-${role}`));
  });

  test(`${role} overlay: one Deployment per component, replicated, probed, resourced, disruption-budgeted`, async (t) => {
    const manifests = await render(role);
    const deployments = ofKind<IDeployment>(manifests, 'Deployment');
    const budgets = ofKind<IPodDisruptionBudget>(manifests, 'PodDisruptionBudget');
    t.deepEqual(deployments.map((d) => d.metadata?.name).sort(), components.map((c) => `enfed-${c}`).sort());
    for (const d of deployments) {
      const name = d.metadata?.name;
      const container = containerOf(d.spec?.template.spec);
      const env = Object.fromEntries((container.env ?? []).map((e) => [e.name, e.value]));
      t.is(`enfed-${env.ENFED_COMPONENTS}`, name ?? '', `${name} runs its own component`);
      t.true((d.spec?.replicas ?? 1) >= 2, `${name} has replicas`);
      t.true(selects(d.spec?.selector.matchLabels, d.spec?.template.metadata?.labels), `${name} selects its pods`);
      t.like(container.readinessProbe, { httpGet: { path: '/readyz', port: 'http' } }, name);
      t.like(container.livenessProbe, { httpGet: { path: '/healthz', port: 'http' } }, name);
      t.true(
        container.ports?.some((p) => p.name === 'http' && p.containerPort === 8080),
        `${name} names port http`,
      );
      for (const kind of ['requests', 'limits'] as const) {
        t.truthy(container.resources?.[kind]?.cpu, `${name} ${kind} cpu`);
        t.truthy(container.resources?.[kind]?.memory, `${name} ${kind} memory`);
      }
      t.is(container.securityContext?.readOnlyRootFilesystem, true, `${name} read-only root`);
      t.is(d.spec?.template.spec?.securityContext?.runAsNonRoot, true, `${name} not root`);
      const labels = d.spec?.template.metadata?.labels;
      const budget = budgets.filter((b) => selects(b.spec?.selector?.matchLabels, labels));
      t.is(budget.length, 1, `${name} has one PodDisruptionBudget`);
    }
    const policies = ofKind<INetworkPolicy>(manifests, 'NetworkPolicy');
    for (const d of deployments) {
      const covered = policies.some((p) => selects(p.spec?.podSelector.matchLabels, d.spec?.template.metadata?.labels));
      t.true(covered, `${d.metadata?.name} is under a NetworkPolicy`);
    }
    t.true(policies.every((p) => p.spec?.policyTypes?.includes('Ingress') && p.spec.policyTypes.includes('Egress')));
  });

  test(`${role} overlay: secrets are referenced, never baked; a Job migrates, servers do not`, async (t) => {
    const manifests = await render(role);
    t.deepEqual(ofKind<Manifest>(manifests, 'Secret'), [], 'no Secret is rendered from the repository');
    const config = ofKind<IConfigMap>(manifests, 'ConfigMap').find((c) => c.metadata?.name === 'enfed-config');
    t.is(config?.data?.MIGRATE_ON_START, 'false');
    for (const name of ['DATABASE_URL', 'REDIS_URL', 'S3_SECRET_ACCESS_KEY', 'AZURE_STORAGE_KEY', 'TLS_KEY_PATH']) {
      t.false(name in (config?.data ?? {}), `${name} is not in the ConfigMap`);
    }
    const jobs = ofKind<IJob>(manifests, 'Job');
    t.deepEqual(
      jobs.map((j) => containerOf(j.spec?.template.spec).args),
      [['migrate']],
    );
    for (const pod of [
      ...jobs.map((j) => j.spec?.template.spec),
      ...ofKind<IDeployment>(manifests, 'Deployment').map((d) => d.spec?.template.spec),
    ]) {
      const container = containerOf(pod);
      t.true(container.envFrom?.some((e) => e.secretRef?.name === 'enfed-secrets'));
      t.false(pod?.automountServiceAccountToken ?? true, 'no Kubernetes API token in enfed pods');
    }
  });

  test(`${role} overlay: each Deployment's environment is a valid ${role} configuration`, async (t) => {
    const manifests = await render(role);
    const data = ofKind<IConfigMap>(manifests, 'ConfigMap').find((c) => c.metadata?.name === 'enfed-config')?.data;
    const tlsDir = await mkdtemp(join(tmpdir(), 'enfed-k8s-tls-'));
    t.teardown(() => rm(tlsDir, { recursive: true, force: true }));
    // What the enfed-tls Secret holds (kubernetes.io/tls keys plus ca.crt), where the pod mounts it.
    await symlink(certs.certPath('node-a'), join(tlsDir, 'tls.crt'));
    await symlink(certs.keyPath('node-a'), join(tlsDir, 'tls.key'));
    await symlink(certs.caPath, join(tlsDir, 'ca.crt'));
    for (const d of ofKind<IDeployment>(manifests, 'Deployment')) {
      const pod = d.spec?.template.spec;
      const container = containerOf(pod);
      const mounts = Object.fromEntries(
        (container.volumeMounts ?? []).map((m) => [m.mountPath, pod?.volumes?.find((v) => v.name === m.name)]),
      );
      const env: Record<string, string> = {
        ...data,
        // Stand-ins for the enfed-secrets Secret the operator creates.
        DATABASE_URL: 'postgres://enfed:secret@db.internal:5432/enfed',
        REDIS_URL: 'redis://:secret@redis.internal:6379',
        S3_ACCESS_KEY_ID: 'id',
        S3_SECRET_ACCESS_KEY: 'secret',
      };
      for (const e of container.env ?? []) {
        if (e.value !== undefined) env[e.name] = e.value;
        else if (e.valueFrom?.configMapKeyRef) env[e.name] = data?.[e.valueFrom.configMapKeyRef.key] as string;
        else if (e.valueFrom?.fieldRef) env[e.name] = 'enfed-pod-7d9f';
      }
      for (const [name, value] of Object.entries(env)) {
        const mount = Object.keys(mounts).find((path) => value.startsWith(`${path}/`));
        if (!mount) continue;
        t.truthy(mounts[mount]?.secret?.secretName, `${name} points into a mounted Secret`);
        env[name] = join(tlsDir, value.slice(mount.length));
      }
      t.is(env.ENFED_ROLE, role);
      t.deepEqual(container.args, ['$(ENFED_ROLE)']);
      const config = ROLES[role].parse(env);
      t.deepEqual(config.ENFED_COMPONENTS, [d.metadata?.name?.replace(/^enfed-/, '')]);
      t.false(config.MIGRATE_ON_START);
    }
  });
}

test('a broken manifest is caught: schema violations and kustomize errors', async (t) => {
  const manifests = await render('node');
  const deployment = structuredClone(manifests.find((m) => m.kind === 'Deployment')) as unknown as IDeployment;
  (deployment.spec as unknown as { replicas: unknown }).replicas = 'two';
  t.regex(schemaProblems(deployment as unknown as Manifest).join('\n'), /replicas must be integer/);
  const nameless = structuredClone(manifests.find((m) => m.kind === 'Deployment')) as unknown as IDeployment;
  delete (containerOf(nameless.spec?.template.spec) as Partial<IContainer>).name;
  t.regex(schemaProblems(nameless as unknown as Manifest).join('\n'), /containers\/0 must have required property name/);
  t.regex(schemaProblems({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x' } }).join(), /no schema for this kind/);

  // An overlay whose patch names a Deployment that does not exist: kustomize refuses to render it.
  const dir = await mkdtemp(join(tmpdir(), 'enfed-k8s-broken-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await mkdir(join(dir, 'overlay'));
  await writeFile(
    join(dir, 'overlay', 'kustomization.yaml'),
    `bases:\n  - ${join(KUBERNETES_DIR, 'overlays', 'node')}\npatchesStrategicMerge:\n  - patch.yaml\n`,
  );
  await writeFile(
    join(dir, 'overlay', 'patch.yaml'),
    'apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: enfed-pubilsh }\nspec: { replicas: 3 }\n',
  );
  await t.throwsAsync(renderKustomization(join(dir, 'overlay')));
});
