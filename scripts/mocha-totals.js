// Mocha reporter for `npm test`: the spec reporter's output, plus the run's counts written to
// the JSON file named by CAMHUB_MOCHA_TOTALS, so scripts/test-all.js can total every suite.
'use strict';
const fs = require('node:fs');
const Mocha = require('mocha');

class Totals extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    runner.once(Mocha.Runner.constants.EVENT_RUN_END, () => {
      const file = process.env.CAMHUB_MOCHA_TOTALS;
      if (!file) return;
      const { passes = 0, failures = 0, pending = 0 } = runner.stats || {};
      fs.writeFileSync(file, JSON.stringify({ passes, failures, pending }));
    });
  }
}

module.exports = Totals;
