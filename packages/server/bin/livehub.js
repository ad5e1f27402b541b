#!/usr/bin/env node
// Committed launcher: the compiled CLI in dist/ does not exist yet when npm links bins at install.
import '../dist/cli.js';
