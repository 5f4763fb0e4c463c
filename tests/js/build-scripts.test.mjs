// scripts/lib.sh's configure_native on a tiny CMake project: a build tree
// configured in another folder (a moved checkout) is configured again for the
// current one, and a target added to CMakeLists.txt after configuring is built.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const lib = fileURLToPath(new URL('../../scripts/lib.sh', import.meta.url));
const bash = (cwd, script) => execFileSync('bash', ['-c', `source '${lib}'; ${script}`], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const home = (cwd) => /^CMAKE_HOME_DIRECTORY:INTERNAL=(.*)$/m.exec(readFileSync(join(cwd, 'build/native/CMakeCache.txt'), 'utf8'))[1];

test('configure_native reconfigures a moved checkout and picks up a target added after configuring', () => {
  const parent = mkdtempSync(join(tmpdir(), 'qkv-build-'));
  try {
    const first = join(parent, 'first');
    mkdirSync(first);
    writeFileSync(join(first, 'a.cc'), 'int main() { return 0; }\n');
    writeFileSync(join(first, 'CMakeLists.txt'), 'cmake_minimum_required(VERSION 3.10)\nproject(t CXX)\nadd_executable(a a.cc)\n');
    bash(first, 'configure_native build/native && cmake --build build/native >/dev/null');
    assert.equal(home(first), first);

    const moved = join(parent, 'moved');
    renameSync(first, moved);
    // Unchecked, CMake refuses the cache ("does not match the source ... used to generate cache").
    bash(moved, 'configure_native build/native && cmake --build build/native >/dev/null');
    assert.equal(home(moved), moved);

    // A target added later (as after a pull): the configured tree builds it.
    writeFileSync(join(moved, 'b.cc'), 'int main() { return 1; }\n');
    writeFileSync(join(moved, 'CMakeLists.txt'),
      'cmake_minimum_required(VERSION 3.10)\nproject(t CXX)\nadd_executable(a a.cc)\nadd_executable(b b.cc)\n');
    const later = new Date(Date.now() + 5000);
    utimesSync(join(moved, 'CMakeLists.txt'), later, later);
    bash(moved, 'configure_native build/native && cmake --build build/native --target b >/dev/null');
  } finally {
    rmSync(parent, { recursive: true, force: true });
  }
});
