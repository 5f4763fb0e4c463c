// web/src/wasm-module.ts mirrors the Embind classes by hand; this test reads
// its interfaces with the TypeScript compiler and compares them with the
// methods of the live classes of the built module (dist/wasm), both ways, so
// a method added, renamed or dropped on either side fails here rather than
// at a user's first call.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import ts from 'typescript';
import { wasmModule } from './hostile-files.mjs';

const source = readFileSync(new URL('../../web/src/wasm-module.ts', import.meta.url), 'utf8');
const file = ts.createSourceFile('wasm-module.ts', source, ts.ScriptTarget.Latest, true);

/** Member names of an interface, and of the object type literals of its properties. */
function interfaceMembers(name) {
  const decl = file.statements.find((s) => ts.isInterfaceDeclaration(s) && s.name.text === name);
  assert.ok(decl, `interface ${name} in wasm-module.ts`);
  const members = new Map();
  for (const m of decl.members) {
    const key = m.name.getText(file);
    members.set(key, ts.isPropertySignature(m) && m.type && ts.isTypeLiteralNode(m.type) ? m.type.members.map((n) => n.name.getText(file)) : null);
  }
  return members;
}

/** Methods Embind registered on a class: own prototype members, without the constructor. */
function liveMethods(cls) {
  return Object.getOwnPropertyNames(cls.prototype).filter((n) => n !== 'constructor').sort();
}

/** Static functions Embind registered on a class (class_function). */
function liveStatics(cls) {
  return Object.getOwnPropertyNames(cls).filter((n) => typeof cls[n] === 'function' && !['length', 'name', 'prototype'].includes(n)).sort();
}

const classes = [
  ['ModelLoader', 'LoaderHandle'],
  ['Model', 'ModelHandle'],
  ['Session', 'SessionHandle'],
  ['Seq2SeqSession', 'Seq2SeqSessionHandle'],
  ['Sha256Hasher', 'Sha256Handle'],
];

test('every Embind class method is mirrored in wasm-module.ts, and every mirrored method exists', async () => {
  const m = await wasmModule();
  for (const [live, mirror] of classes) {
    assert.equal(typeof m[live], 'function', `Module.${live}`);
    // delete() comes from Embind's ClassHandle, declared once on the Handle interface.
    const mirrored = [...interfaceMembers(mirror).keys()].sort();
    assert.deepEqual(liveMethods(m[live]), mirrored, `${live} (live) vs ${mirror} (wasm-module.ts)`);
    assert.equal(typeof m[live].prototype.delete, 'function', `${live}.prototype.delete`);
  }
});

test("the module's functions and class statics in QkvWasmModule exist on the live module", async () => {
  const m = await wasmModule();
  for (const [name, statics] of interfaceMembers('QkvWasmModule')) {
    assert.ok(name in m, `Module.${name} is mirrored but missing`);
    if (statics !== null) assert.deepEqual(liveStatics(m[name]), [...statics].sort(), `${name}'s class functions`);
  }
});

test('the check can fail: a method the mirror lacks is found', async () => {
  const m = await wasmModule();
  const mirrored = [...interfaceMembers('SessionHandle').keys()].filter((n) => n !== 'sample').sort();
  assert.notDeepEqual(liveMethods(m.Session), mirrored);
});
