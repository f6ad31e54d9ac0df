#!/usr/bin/env node
// The orgsync command: the compiled CLI (`npm ci` builds it through the `prepare` script).
import '../dist/src/cli/entry.js';
