import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { datasetFormat, readHead, sanitizedName } from './datasetFiles';
import { log } from './log';

export type SanitizeKind = 'mask' | 'pseudonymise' | 'generalise' | 'drop';

export interface SanitizeArgs {
  uri: vscode.Uri;
  column: string;
  kind: SanitizeKind;
  /** Open the written copy in an editor (default true). */
  open?: boolean;
}

/**
 * The per-workspace pseudonymisation key (HMAC-SHA256), created on first use and kept in SecretStorage, never
 * in settings or files: the same value maps to the same pseudonym across runs in this workspace only.
 */
export async function pseudonymKey(context: vscode.ExtensionContext): Promise<Buffer> {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.toString() ?? 'no-folder';
  const name = `responsibleMl.pseudonymKey:${folder}`;
  let hex = await context.secrets.get(name);
  if (!hex || !/^[0-9a-f]{64}$/.test(hex)) {
    hex = randomBytes(32).toString('hex');
    await context.secrets.store(name, hex);
  }
  return Buffer.from(hex, 'hex');
}

/**
 * Writes `<name>.sanitized.<ext>` beside the original with one column transformed, streaming from disk, into a
 * temporary file renamed when complete. The original is only read. Saves nothing of an unsaved editor: the
 * copy is made from the file on disk, so a dirty original is refused with an explanation.
 */
export async function writeSanitizedCopy(
  context: vscode.ExtensionContext,
  args: SanitizeArgs,
): Promise<vscode.Uri> {
  const src = args.uri.fsPath;
  const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === args.uri.toString());
  if (open?.isDirty)
    throw new Error(`Save ${path.basename(src)} first: the sanitized copy is made from the file on disk.`);
  const head = readHead(src);
  const format = datasetFormat(src, head);
  if (!format) throw new Error(`${path.basename(src)} is not a CSV, TSV, JSON or JSON Lines dataset.`);
  const dest = sanitizedName(src);
  const tmp = `${dest}.${process.pid}.${Date.now()}.tmp`;
  const out = fs.createWriteStream(tmp, { flags: 'wx' });
  const key = args.kind === 'pseudonymise' ? await pseudonymKey(context) : undefined;
  try {
    const { sanitizeTable } = await import('../core/privacy/transforms.js');
    await sanitizeTable(
      fs.createReadStream(src, { highWaterMark: 1 << 20 }),
      { format, transforms: [{ column: args.column, kind: args.kind }], ...(key ? { key } : {}) },
      (chunk: string | Uint8Array) =>
        new Promise<void>((resolve, reject) => {
          out.write(chunk, (err) => (err ? reject(err) : resolve()));
        }),
    );
    await new Promise<void>((resolve, reject) =>
      out.end((err?: Error | null) => (err ? reject(err) : resolve())),
    );
    fs.renameSync(tmp, dest);
  } catch (e) {
    out.destroy();
    fs.rmSync(tmp, { force: true });
    throw e;
  }
  log().info(`Wrote ${path.basename(dest)} (${args.kind} ${args.column})`);
  const destUri = vscode.Uri.file(dest);
  if (args.open !== false) await vscode.window.showTextDocument(destUri, { preview: false });
  return destUri;
}
