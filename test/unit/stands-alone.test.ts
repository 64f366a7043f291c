import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import test from 'ava';

/**
 * The repository must stand alone: a fresh clone with nothing beside it builds, tests and reads its own docs.
 * So no tracked file may read, import or link a path outside the repository. The patterns are assembled at run
 * time so that this file does not match itself.
 */

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Texts that name the reference material kept beside the repository during development. */
const OUTSIDE_TEXTS = [['..', 'shared'].join('/'), ['', 'shared', 'vectors'].join('/')];

/** Files whose relative imports and `new URL(…, import.meta.url)` are checked. */
const CODE_FILE = /\.(?:[cm]?ts|[cm]?js)$/;

/** `from '…'`, `import '…'`, `import('…')`, `require('…')` with a relative specifier. */
const RELATIVE_IMPORT = /(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*)(['"])(\.{1,2}(?:\/[^'"]*)?)\1/g;
/** `new URL('…', import.meta.url)`. */
const URL_FROM_MODULE = /new\s+URL\(\s*(['"`])([^'"`]*)\1\s*,\s*import\.meta\.url\s*\)/g;
/** Inline Markdown links and images: `](target)` or `](<target> "title")`. */
const MARKDOWN_LINK = /\]\(\s*(<[^>]*>|[^)\s]+)(?:\s+(?:"[^"]*"|'[^']*'|\([^)]*\)))?\s*\)/g;
/** Reference-style link definitions: `[id]: target`. */
const MARKDOWN_DEFINITION = /^ {0,3}\[[^\]]+\]:\s*(<[^>]*>|\S+)/gm;
/** A target with a scheme (https:, mailto:, …) points at the web, not at a file. */
const HAS_SCHEME = /^[a-z][a-z0-9+.-]*:/i;

/** One reference that leaves the repository, as `file:line: what`. */
type Finding = string;

function lineOf(text: string, index: number): number {
  return text.slice(0, index).split('\n').length;
}

function isInside(root: string, target: string): boolean {
  const relative = path.relative(root, target);
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

/** Blanks out fenced code blocks and inline code spans (keeping line numbers), where `](…)` is not a link. */
function withoutCode(markdown: string): string {
  const blank = (s: string) => s.replace(/[^\n]/g, ' ');
  return markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, blank).replace(/`[^`\n]*`/g, blank);
}

/**
 * What in one file reaches outside `root`. `file` is relative to `root`; `exists` tells whether a path in the
 * repository exists (Markdown links must lead to a file or folder that is there).
 */
function outsideReferences(root: string, file: string, text: string, exists: (absolute: string) => boolean): Finding[] {
  const findings: Finding[] = [];
  const where = (index: number) => `${file}:${lineOf(text, index)}`;
  const dir = path.dirname(path.join(root, file));

  for (const outside of OUTSIDE_TEXTS) {
    for (let i = text.indexOf(outside); i >= 0; i = text.indexOf(outside, i + 1)) {
      findings.push(`${where(i)}: mentions ${outside}`);
    }
  }

  if (CODE_FILE.test(file)) {
    for (const m of text.matchAll(RELATIVE_IMPORT)) {
      const target = path.resolve(dir, m[2]!);
      if (!isInside(root, target)) findings.push(`${where(m.index!)}: imports ${m[2]} (outside the repository)`);
    }
    const moduleUrl = pathToFileURL(path.join(root, file));
    for (const m of text.matchAll(URL_FROM_MODULE)) {
      const url = new URL(m[2]!, moduleUrl);
      if (url.protocol === 'file:' && !isInside(root, fileURLToPath(url))) {
        findings.push(`${where(m.index!)}: new URL(${m[2]}) resolves outside the repository`);
      }
    }
  }

  if (file.endsWith('.md')) {
    const prose = withoutCode(text);
    for (const m of [...prose.matchAll(MARKDOWN_LINK), ...prose.matchAll(MARKDOWN_DEFINITION)]) {
      const raw = m[1]!.replace(/^<|>$/g, '');
      if (raw === '' || raw.startsWith('#') || HAS_SCHEME.test(raw)) continue;
      const pathPart = decodeURIComponent(raw.replace(/[?#].*$/, ''));
      if (path.isAbsolute(pathPart)) {
        findings.push(`${where(m.index!)}: links the absolute path ${raw}`);
        continue;
      }
      const target = path.resolve(dir, pathPart);
      if (!isInside(root, target)) findings.push(`${where(m.index!)}: links ${raw} (outside the repository)`);
      else if (!exists(target)) findings.push(`${where(m.index!)}: links ${raw}, which does not exist`);
    }
  }
  return findings;
}

/** Every tracked file, relative to the root. */
function trackedFiles(): string[] {
  return execFileSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8' })
    .split('\0')
    .filter((f) => f !== '');
}

/** A file's text, or undefined for binary files (a NUL byte) and tracked files deleted from the work tree. */
function readText(file: string): string | undefined {
  const absolute = path.join(ROOT, file);
  if (!existsSync(absolute)) return undefined;
  const bytes = readFileSync(absolute);
  if (bytes.subarray(0, 8000).includes(0)) return undefined;
  return bytes.toString('utf8');
}

test('no tracked file reads, imports or links a path outside the repository', (t) => {
  const files = trackedFiles();
  t.true(files.includes('package.json'), 'git ls-files lists the repository');
  const findings: Finding[] = [];
  let scanned = 0;
  for (const file of files) {
    const text = readText(file);
    if (text === undefined) continue;
    scanned += 1;
    findings.push(...outsideReferences(ROOT, file, text, existsSync));
  }
  t.true(scanned > 100, `only ${scanned} text files scanned`);
  t.deepEqual(findings, []);
});

// The detector itself, on made-up files, so that the scan above cannot pass by finding nothing.
const FAKE_ROOT = path.resolve('/repo');
const fakeExists = (absolute: string) =>
  ['/repo/docs', '/repo/docs/a.md', '/repo/README.md'].includes(absolute.split(path.sep).join('/'));

test('the detector finds mentions of the reference folders beside the repository', (t) => {
  const beside = ['..', 'shared', 'spec', 'x.md'].join('/');
  const vectors = ['', 'work', 'shared', 'vectors', 'a.json'].join('/');
  const found = outsideReferences(FAKE_ROOT, 'notes.txt', `see ${beside}\nand ${vectors}`, fakeExists);
  t.is(found.length, 2);
  t.regex(found[0]!, /^notes\.txt:1: /);
  t.regex(found[1]!, /^notes\.txt:2: /);
});

test('the detector finds imports and module URLs that leave the repository, and only those', (t) => {
  // UP stands for '..', so that the real scan does not find these lines in this file.
  const code = [
    `import { a } from 'UP/UP/UP/elsewhere/a';`,
    `export * from "UP/UP/UP/outside";`,
    `const b = await import('UP/UP/UP/b.js');`,
    `const c = require('UP/UP/UP/c');`,
    `const d = new URL('UP/UP/UP/d/', import.meta.url);`,
    `import { ok } from 'UP/core/ok';`,
    `import './side-effect';`,
    `const e = new URL('UP/proto/x.proto', import.meta.url);`,
    `import pkg from 'some-package';`,
  ]
    .join('\n')
    .replaceAll('UP', '..');
  const found = outsideReferences(FAKE_ROOT, 'test/unit/x.test.ts', code, fakeExists);
  t.deepEqual(
    found.map((f) => f.split(':')[1]),
    ['1', '2', '3', '4', '5'],
  );
  t.deepEqual(outsideReferences(FAKE_ROOT, 'README.md', code, fakeExists), [], 'imports are checked in code only');
});

test('the detector finds Markdown links that leave the repository or lead nowhere', (t) => {
  const markdown = [
    '[out](../../x.md) [abs](/etc/passwd) [missing](docs/b.md)',
    '[ok](docs/a.md#part) [dir](docs) [web](https://example.org/x) [anchor](#top) [img](<docs/a.md> "t")',
    '[def]: ../elsewhere.md',
    '```',
    '[in a code block](../../ignored.md)',
    '```',
    'and `[inline code](../../ignored.md)`',
  ].join('\n');
  const found = outsideReferences(FAKE_ROOT, 'README.md', markdown, fakeExists);
  t.is(found.length, 4, found.join('\n'));
  t.regex(found[0]!, /links \.\.\/\.\.\/x\.md \(outside/);
  t.regex(found[1]!, /absolute path \/etc\/passwd/);
  t.regex(found[2]!, /docs\/b\.md, which does not exist/);
  t.regex(found[3]!, /^README\.md:3: links \.\.\/elsewhere\.md/);
});
