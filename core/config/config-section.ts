import { z } from 'zod';
import { ConfigError } from './env';
import { redactUrl } from './redact';

/** A check across variables: a problem text, or undefined when they agree. */
export interface ConfigRule<C> {
  /** The variables it reads; it is skipped when one of them is itself invalid (already reported). */
  reads: readonly (keyof C & string)[];
  check(config: C): string | undefined;
}

/**
 * The environment variables of one module (common settings, a component): a zod shape whose keys are variable
 * names, and the rules across them (which may read variables of other sections too).
 */
export interface ConfigSection<S extends z.ZodRawShape> {
  shape: S;
  rules: readonly ConfigRule<never>[];
}

/** The parsed configuration of a section. */
export type ConfigOf<T> = T extends ConfigSection<infer S> ? z.infer<z.ZodObject<S>> : never;

/** Declares a section. */
export function configSection<S extends z.ZodRawShape>(
  shape: S,
  rules: readonly ConfigRule<never>[] = [],
): ConfigSection<S> {
  return { shape, rules };
}

/** A rule over the variables `C` it names in `reads` (of this section or any other it is combined with). */
export function configRule<C>(
  reads: readonly (keyof C & string)[],
  check: (config: C) => string | undefined,
): ConfigRule<never> {
  return { reads, check } as unknown as ConfigRule<never>;
}

type UnionToIntersection<U> = (U extends unknown ? (u: U) => void : never) extends (i: infer I) => void ? I : never;

/** The configuration of several sections together. */
export type ConfigOfAll<T extends readonly ConfigSection<z.ZodRawShape>[]> = UnionToIntersection<ConfigOf<T[number]>>;

/** Variable names whose values are never echoed in a problem. */
function isSecretName(name: string): boolean {
  return /SECRET|PASSWORD|TOKEN|PRIVATE|KEY$|_PIN$|^KEK|CONNECTION_STRING/i.test(name);
}

/** How a given value is shown in a problem: secrets hidden, credentials inside URLs masked. */
function shown(name: string, value: string | undefined): string {
  if (value === undefined) return 'not set';
  if (isSecretName(name)) return 'value hidden';
  return `got "${redactUrl(value)}"`;
}

/**
 * Parses `env` for every section at once: each variable on its own (an empty variable counts as unset, so its
 * default applies), then every rule whose variables all parsed. Every problem is collected and thrown together
 * in one ConfigError, so an operator fixes them in one pass; nothing has been opened yet when it throws.
 */
export function parseSections<T extends readonly ConfigSection<z.ZodRawShape>[]>(
  sections: T,
  env: NodeJS.ProcessEnv,
  extraRules: readonly ConfigRule<never>[] = [],
): ConfigOfAll<T> {
  const values: Record<string, unknown> = {};
  const invalid = new Set<string>();
  const problems: string[] = [];
  for (const section of sections) {
    for (const [name, type] of Object.entries(section.shape)) {
      const raw = env[name] === '' ? undefined : env[name];
      const result = (type as z.ZodTypeAny).safeParse(raw);
      if (result.success) {
        values[name] = result.data;
      } else {
        invalid.add(name);
        for (const issue of result.error.issues) problems.push(`${name}: ${issue.message} (${shown(name, raw)})`);
      }
    }
  }
  const rules = [...sections.flatMap((s) => s.rules), ...extraRules];
  for (const rule of rules as unknown as readonly ConfigRule<Record<string, unknown>>[]) {
    if (rule.reads.some((name) => invalid.has(name))) continue;
    const problem = rule.check(values);
    if (problem !== undefined) problems.push(problem);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return values as ConfigOfAll<T>;
}

/** ENFED_COMPONENTS may only name components of the role (a typo would otherwise start nothing of it). */
export function componentsRule(role: string, names: readonly string[]): ConfigRule<never> {
  return configRule<{ ENFED_COMPONENTS: string[] }>(['ENFED_COMPONENTS'], (c) => {
    const unknown = c.ENFED_COMPONENTS.filter((n) => !names.includes(n));
    return unknown.length > 0
      ? `ENFED_COMPONENTS: ${unknown.map((n) => `"${n}"`).join(', ')} is not a ${role} component (${names.join(', ')})`
      : undefined;
  });
}
