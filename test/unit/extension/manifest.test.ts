import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { COMMAND_IDS, INTERNAL_COMMANDS } from '../../../src/extension/commandIds';
import { readSettings, SETTINGS } from '../../../src/extension/settings';

const root = path.resolve(__dirname, '..', '..', '..');
interface Manifest {
  main: string;
  icon?: string;
  activationEvents: string[];
  capabilities: { untrustedWorkspaces: { supported: string; description?: string } };
  contributes: {
    commands: { command: string; title: string; category?: string }[];
    menus: { commandPalette: { command: string; when: string }[] };
    configuration: {
      properties: Record<
        string,
        { type: string; default: unknown; markdownDescription?: string; enum?: string[]; minimum?: number }
      >;
    };
    jsonValidation: { fileMatch: string; url: string }[];
    viewsContainers: { activitybar: { icon: string }[] };
    taskDefinitions: { type: string }[];
  };
}
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as Manifest;

describe('package.json manifest', () => {
  it('contributes exactly the commands the command table registers, all in the Responsible ML category', () => {
    const contributed = pkg.contributes.commands.map((c) => c.command).sort();
    assert.deepStrictEqual(contributed, [...COMMAND_IDS].sort());
    for (const c of pkg.contributes.commands) assert.strictEqual(c.category, 'Responsible ML', c.command);
    assert.strictEqual(new Set(contributed).size, contributed.length, 'duplicate command ids');
  });

  it('hides the commands that need arguments from the palette', () => {
    const hidden = new Set(
      pkg.contributes.menus.commandPalette.filter((m) => m.when === 'false').map((m) => m.command),
    );
    for (const id of INTERNAL_COMMANDS) assert.ok(hidden.has(id), `${id} is not hidden`);
  });

  it('declares settings exactly as settings.ts reads them (names, types, defaults, enums)', () => {
    const props = pkg.contributes.configuration.properties;
    assert.deepStrictEqual(Object.keys(props).sort(), SETTINGS.map((s) => `responsibleMl.${s.key}`).sort());
    for (const s of SETTINGS) {
      const p = props[`responsibleMl.${s.key}`];
      assert.ok(p, s.key);
      assert.strictEqual(p.type, s.type, s.key);
      assert.deepStrictEqual(p.default, s.default, s.key);
      assert.deepStrictEqual(p.enum, s.enum, s.key);
      assert.strictEqual(p.minimum, s.minimum, s.key);
      assert.ok(p.markdownDescription && p.markdownDescription.length > 20, `${s.key} is undocumented`);
    }
  });

  it('settings reader falls back to defaults for missing or ill-typed values', () => {
    const values: Record<string, unknown> = {
      'diagnostics.debounceMs': 50,
      'scan.maxFileSizeMB': 'big',
      'training.backend': 'tpu',
    };
    const s = readSettings({ get: <T>(k: string) => values[k] as T | undefined });
    assert.strictEqual(s.debounceMs, 50);
    assert.strictEqual(s.scanMaxFileSizeMB, 500);
    assert.strictEqual(s.trainingBackend, 'config');
    assert.strictEqual(s.diagnosticsEnabled, true);
  });

  it('points at files that exist: schemas, icons', () => {
    for (const v of pkg.contributes.jsonValidation) assert.ok(fs.existsSync(path.join(root, v.url)), v.url);
    for (const c of pkg.contributes.viewsContainers.activitybar)
      assert.ok(fs.existsSync(path.join(root, c.icon)), c.icon);
    if (pkg.icon) assert.ok(fs.existsSync(path.join(root, pkg.icon)), pkg.icon);
  });

  it('supports untrusted workspaces in limited mode and activates on datasets, configs and the task type', () => {
    assert.strictEqual(pkg.capabilities.untrustedWorkspaces.supported, 'limited');
    assert.ok(pkg.capabilities.untrustedWorkspaces.description);
    for (const e of [
      'onLanguage:csv',
      'onLanguage:tsv',
      'onLanguage:jsonl',
      'workspaceContains:**/*.train.json',
      'workspaceContains:**/responsible-ml.json',
      'onTaskType:rml',
    ]) {
      assert.ok(pkg.activationEvents.includes(e), e);
    }
    assert.deepStrictEqual(
      pkg.contributes.taskDefinitions.map((t) => t.type),
      ['rml'],
    );
  });
});
