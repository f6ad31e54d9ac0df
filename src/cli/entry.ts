/** Process entry: runs the CLI and exits with its code. bin/orgsync.js loads the built copy. */
import { main } from './main.js';

process.exitCode = await main(process.argv.slice(2));
