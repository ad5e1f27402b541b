// The `livehub` command line (bin/livehub.js imports this file). Each command is a file in cli/.
import { main } from './cli/main.js';

const code = await main(process.argv.slice(2));
// A command that is done sets the exit code and lets stdout drain; `serve` and `tail` keep the process alive meanwhile.
if (code !== 0) process.exitCode = code;
