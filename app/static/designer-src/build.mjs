// Builds app/static/vendor/ligat-designer/ (run by `make designer-assets`; not needed at run time).
// .bpmnlintrc is compiled into a module of its rules here, as bpmnlint's bundler plugins do.
import * as esbuild from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const compileConfig = require('bpmnlint/lib/support/compile-config');
const here = path.dirname(fileURLToPath(import.meta.url));
const out = path.resolve(here, '../vendor/ligat-designer');

const bpmnlintrc = {
  name: 'bpmnlintrc',
  setup(build) {
    build.onResolve({ filter: /\.bpmnlintrc$/ }, (args) => ({
      path: path.resolve(args.resolveDir, args.path), namespace: 'bpmnlintrc',
    }));
    build.onLoad({ filter: /.*/, namespace: 'bpmnlintrc' }, async (args) => ({
      contents: await compileConfig(JSON.parse(fs.readFileSync(args.path, 'utf8'))),
      resolveDir: here,
      loader: 'js',
    }));
  },
};

fs.rmSync(out, { recursive: true, force: true });
const result = await esbuild.build({
  entryPoints: { 'ligat-designer': path.join(here, 'src/index.js'), 'ligat-designer.css': path.join(here, 'src/designer.css') },
  outdir: out,
  entryNames: '[name]',
  bundle: true,
  minify: process.env.LIGAT_DEBUG !== '1',
  format: 'iife',
  target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
  define: { 'process.env.NODE_ENV': '"production"' },
  loader: { '.woff': 'file', '.woff2': 'file', '.ttf': 'file', '.eot': 'file', '.svg': 'file' },
  assetNames: 'assets/[name]-[hash]',
  legalComments: 'linked',
  metafile: true,
  plugins: [bpmnlintrc],
  logLevel: 'info',
});
// esbuild names the CSS entry ligat-designer.css.css: give it its plain name.
fs.renameSync(path.join(out, 'ligat-designer.css.css'), path.join(out, 'ligat-designer.css'));
const legal = path.join(out, 'ligat-designer.css.css.LEGAL.txt');
if (fs.existsSync(legal)) fs.renameSync(legal, path.join(out, 'ligat-designer.css.LEGAL.txt'));

// The licence of every npm package whose code or styles ended up in the bundle.
const packages = new Set();
for (const input of Object.keys(result.metafile.inputs)) {
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
  if (match) packages.add(match[1]);
}
const licences = path.join(out, 'licenses');
fs.mkdirSync(licences, { recursive: true });
const listed = [];
for (const name of [...packages].sort()) {
  const dir = path.join(here, 'node_modules', name);
  const { version, license } = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
  const file = fs.readdirSync(dir).find((f) => /^(licen[cs]e|copying)/i.test(f));
  if (file) fs.copyFileSync(path.join(dir, file), path.join(licences, `${name.replace('/', '__')}.txt`));
  listed.push(`${name}@${version} ${license || ''}${file ? '' : ' (no licence file in the package)'}`);
}
fs.writeFileSync(path.join(out, 'PACKAGES.txt'), `${listed.join('\n')}\n`);
