// One esbuild context per bundle. Entries that do not exist yet are skipped so that a bundle can be added
// by creating its entry file; the list below is the single place that names them.
const esbuild = require('esbuild');
const fs = require('fs');
const path = require('path');

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

/** Node bundles: extension host, CLI and child-process workers. */
const nodeBundles = [
  { name: 'extension', entry: 'src/extension/extension.ts', external: ['vscode'] },
  { name: 'cli', entry: 'src/cli/main.ts' },
  // What `bin/rml.js` runs: loads the CLI's bundle with a V8 code cache.
  { name: 'launch', entry: 'src/cli/launch.ts' },
  // `rml predict`'s model runner, apart so that the CLI's bundle carries no TensorFlow.js.
  { name: 'predictModel', entry: 'src/cli/predictModel.ts' },
  { name: 'trainWorker', entry: 'src/worker/trainWorker.ts' },
  { name: 'scanWorker', entry: 'src/worker/scanWorker.ts' },
  { name: 'scanThread', entry: 'src/worker/scanThread.ts' },
  { name: 'decodeThread', entry: 'src/worker/decodeThread.ts' },
];

/** Browser bundles: one folder per panel under webview/, each with a main.ts. */
function webviewBundles() {
  const dir = path.join(__dirname, 'webview');
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((d) => d !== 'shared' && fs.existsSync(path.join(dir, d, 'main.ts')))
    .map((d) => ({ name: d, entry: `webview/${d}/main.ts` }));
}

/** The WebAssembly backend loads its .wasm files from beside the bundle at run time. */
function copyWasm() {
  const src = path.join(__dirname, 'node_modules/@tensorflow/tfjs-backend-wasm/dist');
  const out = path.join(__dirname, 'dist');
  fs.mkdirSync(out, { recursive: true });
  for (const f of [
    'tfjs-backend-wasm.wasm',
    'tfjs-backend-wasm-simd.wasm',
    'tfjs-backend-wasm-threaded-simd.wasm',
  ]) {
    const p = path.join(src, f);
    if (fs.existsSync(p)) fs.copyFileSync(p, path.join(out, f));
  }
}

/**
 * libphonenumber-js's `matchesEntirely` builds a new `RegExp` from a metadata pattern on every call, and
 * checking one number runs it about ten times (each national number pattern and number type it tries): in a
 * CPU profile of `rml audit` on the bench's 25 MB, a fifth of the phone checks' time, most of it hashing the
 * pattern's text to find V8's compiled code again, and the objects' garbage besides. This keeps each
 * pattern's expression: the same test, as the expressions have no flags and so no state. The patterns are the
 * metadata's, a bounded set. Fails the build if the library loads without the file, so that a move of it is
 * noticed.
 */
const PHONE_REGEXPS_FILE = /[\\/]libphonenumber-js[\\/]es6[\\/]helpers[\\/]matchesEntirely\.js$/;
const phoneRegexps = {
  name: 'phone-regexps',
  setup(build) {
    let library = false;
    let replaced = false;
    build.onStart(() => {
      library = false;
      replaced = false;
    });
    build.onLoad({ filter: /[\\/]libphonenumber-js[\\/]/ }, (args) => {
      library = true;
      if (!PHONE_REGEXPS_FILE.test(args.path)) return undefined;
      replaced = true;
      return {
        loader: 'js',
        contents: `const compiled = new Map();
export default function matchesEntirely(text, regularExpressionText) {
  text = text || '';
  let re = compiled.get(regularExpressionText);
  if (re === undefined) {
    re = new RegExp('^(?:' + regularExpressionText + ')$');
    compiled.set(regularExpressionText, re);
  }
  return re.test(text);
}
`,
      };
    });
    build.onEnd(() => {
      if (library && !replaced) {
        const text =
          'libphonenumber-js was bundled without es6/helpers/matchesEntirely.js: update esbuild.js';
        console.error(`✘ [ERROR] ${text}`);
        buildProblems.push(text);
      }
    });
  },
};

/** What the checks after esbuild found wrong with the bundles; the build fails if any. */
const buildProblems = [];

/**
 * A production Node bundle that holds a character outside ASCII: V8 then keeps the whole source in two bytes
 * a character (the CLI's 1 MB bundle took 1 MB more of every process's memory). esbuild escapes strings, but
 * leaves a regular expression literal as written: write such characters as `\\u` escapes there.
 * Development bundles keep comments, which may hold any character.
 */
function checkAscii(file) {
  const text = fs.readFileSync(file, 'latin1');
  const at = text.search(/[^\x00-\x7f]/);
  if (at !== -1)
    buildProblems.push(
      `${file} holds a character outside ASCII near "${text.slice(Math.max(0, at - 40), at + 10)}"`,
    );
}

const problemMatcher = {
  name: 'problem-matcher',
  setup(build) {
    build.onEnd((result) => {
      for (const { text, location } of result.errors) {
        console.error(`✘ [ERROR] ${text}`);
        if (location) console.error(`    ${location.file}:${location.line}:${location.column}:`);
      }
    });
  },
};

async function main() {
  const contexts = [];
  for (const b of nodeBundles) {
    if (!fs.existsSync(path.join(__dirname, b.entry))) continue;
    contexts.push(
      await esbuild.context({
        entryPoints: [b.entry],
        bundle: true,
        platform: 'node',
        target: 'node20',
        format: 'cjs',
        // jsonc-parser's UMD "main" hides its requires from the bundler; its ESM build bundles cleanly.
        mainFields: ['module', 'main'],
        outfile: `dist/${b.name}.js`,
        external: [
          ...(b.external ?? []),
          // Native and optional backends are resolved at run time, never bundled.
          '@tensorflow/tfjs-node',
          '@tensorflow/tfjs-node-gpu',
          'webgpu',
        ],
        sourcemap: !production,
        minify: production,
        logLevel: 'silent',
        plugins: [phoneRegexps, problemMatcher],
      }),
    );
  }
  for (const b of webviewBundles()) {
    contexts.push(
      await esbuild.context({
        entryPoints: [b.entry],
        bundle: true,
        platform: 'browser',
        target: 'es2022',
        format: 'iife',
        outfile: `dist/webview/${b.name}.js`,
        loader: { '.css': 'text' },
        sourcemap: !production,
        minify: production,
        logLevel: 'silent',
        plugins: [problemMatcher],
      }),
    );
  }
  copyWasm();
  if (watch) {
    await Promise.all(contexts.map((c) => c.watch()));
  } else {
    const results = await Promise.allSettled(contexts.map((c) => c.rebuild()));
    await Promise.all(contexts.map((c) => c.dispose()));
    if (results.some((r) => r.status === 'rejected')) process.exit(1);
    if (production)
      for (const b of nodeBundles)
        if (fs.existsSync(path.join(__dirname, b.entry))) checkAscii(`dist/${b.name}.js`);
    if (buildProblems.length > 0) {
      for (const text of new Set(buildProblems)) console.error(`✘ [ERROR] ${text}`);
      process.exit(1);
    }
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
