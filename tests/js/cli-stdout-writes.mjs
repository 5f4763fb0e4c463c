// Runs the qkv CLI's main() (dist/cli/main.js) on the command line's arguments, recording each
// process.stdout.write as it happens, so a test sees how the output was written (in pieces as it was
// decoded, or whole) and not only what: after the run, one last stderr line is the JSON { code, writes }.
import { main } from '../../dist/cli/main.js';

const writes = [];
const write = process.stdout.write.bind(process.stdout);
process.stdout.write = (chunk, ...rest) => {
  writes.push(String(chunk));
  return write(chunk, ...rest);
};
const code = await main(process.argv.slice(2));
process.stderr.write(`\n${JSON.stringify({ code, writes })}\n`);
