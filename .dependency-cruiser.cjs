/**
 * The layers of enfed, checked by `npm run check:layers` (part of `npm test`):
 *   cli/  on top: composes everything (commands, the demo)
 *   node/, hub/  the two roles: each may use core/, never each other or cli/
 *   core/  shared machinery: never a role or the CLI
 * and no import circles anywhere. Tests and benchmarks may use any layer.
 */
module.exports = {
  forbidden: [
    {
      name: 'no-unresolvable',
      severity: 'error',
      comment: 'A relative import that resolves to nothing would hide a layer violation from these rules.',
      from: {},
      to: { couldNotResolve: true, path: '^[.]' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'An import circle hides which module is the lower one.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'core-is-the-bottom',
      severity: 'error',
      comment: 'core/ is shared by node and hub; it must not depend on a role or on the CLI.',
      from: { path: '^core/' },
      to: { path: '^(node|hub|cli|test|bench)/' },
    },
    {
      name: 'node-is-a-role',
      severity: 'error',
      comment: 'node/ may use core/ only: not the hub, not the CLI.',
      from: { path: '^node/' },
      to: { path: '^(hub|cli|test|bench)/' },
    },
    {
      name: 'hub-is-a-role',
      severity: 'error',
      comment: 'hub/ may use core/ only: not a node, not the CLI.',
      from: { path: '^hub/' },
      to: { path: '^(node|cli|test|bench)/' },
    },
    {
      name: 'migrations-stand-alone',
      severity: 'error',
      comment: 'Migrations are plain SQL steps; they must not depend on code that changes after them.',
      from: { path: '^migrations/' },
      to: { path: '^(core|node|hub|cli)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.json'] },
  },
};
