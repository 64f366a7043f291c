import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Deployment } from 'kubernetes-models/apps/v1';
import { Job } from 'kubernetes-models/batch/v1';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, Service, ServiceAccount } from 'kubernetes-models/v1';
import { parseAllDocuments } from 'yaml';

/** deploy/kubernetes in this repository. */
export const KUBERNETES_DIR = fileURLToPath(new URL('../../deploy/kubernetes/', import.meta.url));

/** One rendered Kubernetes object, as plain data. */
export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  [field: string]: unknown;
}

/**
 * Renders a kustomization with `kubectl kustomize` (KUBECTL, else `kubectl` on PATH; scripts/ensure-test-services.sh
 * installs Debian's kubernetes-client when there is none). Rejects with kustomize's own message on a broken one.
 */
export async function renderKustomization(dir: string): Promise<Manifest[]> {
  const kubectl = process.env.KUBECTL ?? 'kubectl';
  const { stdout } = await promisify(execFile)(kubectl, ['kustomize', dir], { maxBuffer: 16 * 1024 * 1024 });
  return parseAllDocuments(stdout)
    .map((doc) => {
      if (doc.errors.length > 0) throw new Error(`kustomize printed bad YAML: ${doc.errors[0]?.message}`);
      return doc.toJS() as Manifest | null;
    })
    .filter((m): m is Manifest => m !== null);
}

/**
 * The kinds enfed ships, each with the model of kubernetes-models (tommy351/kubernetes-models-ts), whose
 * `validate()` checks an object against the JSON schema generated from Kubernetes' OpenAPI definitions (v1.27+):
 * types, required fields, enums, formats. Any other kind is refused, so a new kind is added here knowingly.
 */
const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'apps/v1/Deployment': Deployment,
  'batch/v1/Job': Job,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'v1/ConfigMap': ConfigMap,
  'v1/Service': Service,
  'v1/ServiceAccount': ServiceAccount,
};

/** Schema problems of one object (empty when it is valid). */
export function schemaProblems(manifest: Manifest): string[] {
  const id = `${manifest.apiVersion}/${manifest.kind}`;
  const Model = MODELS[id];
  if (!Model) return [`${id} ${manifest.metadata?.name}: no schema for this kind`];
  try {
    new Model(manifest as never).validate();
    return [];
  } catch (err) {
    return [`${id} ${manifest.metadata?.name}: ${(err as Error).message}`];
  }
}
