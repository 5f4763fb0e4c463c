// Types of dist/vendor/jinja.js: a copy of @huggingface/jinja's ES module
// (MIT) that scripts/build.sh puts into dist/, so the package has no runtime
// dependency and an unbundled page can load it (browsers cannot resolve a bare
// '@huggingface/jinja' specifier without an import map).
export { Template } from '@huggingface/jinja';
