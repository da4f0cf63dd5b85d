/**
 * Loaded by mocha before the behaviour and reliability suites. Accounts keep tokens, login
 * back-offs and camera names under the system's temporary folder (nodes/common/store.ts); a run
 * gets a temporary folder of its own, so nothing an earlier run on the machine saved there
 * changes what a test sees. Child processes (npm start, other Node-RED versions) inherit it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

process.env.TMPDIR = fs.mkdtempSync(path.join(os.tmpdir(), 'camhub-test-run-'));
