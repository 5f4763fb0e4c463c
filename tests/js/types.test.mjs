// The published types as an application sees them: tests/types/consumer.ts
// imports 'qkv' by name (dist/index.d.ts through package.json's "exports")
// and uses every public export, compiled by `tsc --noEmit -p tests/types`
// under strict settings. Needs dist/ (scripts/build.sh).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const repo = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const tsc = join(repo, 'node_modules', 'typescript', 'bin', 'tsc');
const consumerPath = join(repo, 'tests', 'types', 'consumer.ts');

function compile(project) {
  const r = spawnSync(process.execPath, [tsc, '--noEmit', '--pretty', 'false', '-p', project], {
    cwd: repo, encoding: 'utf8',
  });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

test('the strict consumer compiles against dist/*.d.ts', () => {
  const { status, output } = compile(join(repo, 'tests', 'types'));
  assert.equal(status, 0, `tsc --noEmit -p tests/types failed:\n${output}`);
});

test("the consumer imports every export of dist/index.d.ts, and only those", () => {
  // What the package exports, as the compiler sees dist/index.d.ts.
  const program = ts.createProgram([join(repo, 'dist', 'index.d.ts')], { noEmit: true, types: [] });
  const checker = program.getTypeChecker();
  const index = program.getSourceFile(join(repo, 'dist', 'index.d.ts'));
  assert.ok(index, 'dist/index.d.ts missing: run scripts/build.sh');
  const exported = checker.getExportsOfModule(checker.getSymbolAtLocation(index)).map((s) => s.getName()).sort();
  assert.ok(exported.length > 40, `only ${exported.length} exports found in dist/index.d.ts`);

  // What the consumer imports from 'qkv' (noUnusedLocals makes each import a use).
  const consumer = ts.createSourceFile(consumerPath, readFileSync(consumerPath, 'utf8'), ts.ScriptTarget.ES2022);
  const imported = [];
  for (const statement of consumer.statements) {
    if (!ts.isImportDeclaration(statement) || statement.moduleSpecifier.text !== 'qkv') continue;
    for (const element of statement.importClause?.namedBindings?.elements ?? []) {
      imported.push((element.propertyName ?? element.name).text);
    }
  }
  assert.deepEqual(imported.slice().sort(), exported);
});

test('a type error in the consumer fails the compile, naming each error', () => {
  mkdirSync(join(repo, 'build'), { recursive: true });
  const dir = mkdtempSync(join(repo, 'build', 'types-')); // inside the package, so 'qkv' still resolves
  try {
    const planted = [
      // A dtype the published union does not have.
      ["await loadModel('m', { dtype: 'q3' });", 'TS2322'],
      // An untyped parameter: noImplicitAny is on.
      ['export function untyped(x) { return x; }', 'TS7006'],
      // An export that does not exist.
      ["export { loadModle } from 'qkv';", 'TS2724'],
    ];
    const lines = readFileSync(consumerPath, 'utf8').split('\n');
    const first = lines.length + 1;
    lines.push('export async function planted(): Promise<void> {', `  ${planted[0][0]}`, '}', planted[1][0], planted[2][0]);
    writeFileSync(join(dir, 'consumer.ts'), lines.join('\n'));
    writeFileSync(join(dir, 'tsconfig.json'),
      JSON.stringify({ extends: '../../tests/types/tsconfig.json', files: ['consumer.ts'] }));

    const { status, output } = compile(dir);
    assert.notEqual(status, 0, `tsc accepted the planted errors:\n${output}`);
    const errors = [...output.matchAll(/consumer\.ts\((\d+),\d+\): error (TS\d+)/g)].map((m) => [Number(m[1]), m[2]]);
    assert.deepEqual(errors, [[first + 1, 'TS2322'], [first + 3, 'TS7006'], [first + 4, 'TS2724']], output);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
