#!/usr/bin/env node
// The CLI entry: registers tsx so the TypeScript sources run as they are, then hands over to the CLI.
import '../../scripts/check-node.mjs';
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
