#!/usr/bin/env node
'use strict';
// The CLI, through its launcher (`src/cli/launch.ts`), which loads the bundle with a code cache.
require('../dist/launch.js');
