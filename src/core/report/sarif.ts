/**
 * SARIF 2.1.0 for code scanning. Regions use SARIF's default column kind (UTF-16 code units), which is what
 * findings carry, so no conversion happens here.
 */
import type * as Sarif from 'sarif';
import type { Finding, Severity } from '../findings';
import { ruleHelpUri, ruleInfo } from '../ruleCatalog';

function level(s: Severity): Sarif.Result.level {
  switch (s) {
    case 'error':
      return 'error';
    case 'warning':
      return 'warning';
    default:
      return 'note';
  }
}

/** Turns an absolute or odd path into a forward-slash URI reference relative to `root` where possible. */
function artifactUri(file: string, root: string | undefined): { uri: string; uriBaseId?: string } {
  const norm = file.replace(/\\/g, '/');
  const r = root?.replace(/\\/g, '/').replace(/\/?$/, '/');
  if (r && norm.startsWith(r)) return { uri: encodeURI(norm.slice(r.length)), uriBaseId: '%SRCROOT%' };
  if (!norm.startsWith('/') && !/^[a-z]+:/i.test(norm))
    return { uri: encodeURI(norm), uriBaseId: '%SRCROOT%' };
  return { uri: encodeURI(norm.startsWith('/') ? `file://${norm}` : norm) };
}

/**
 * A rule's friendly name as SARIF recommends it, one Pascal-case identifier: "ZIP archive" -> `ZipArchive`,
 * "Personal data in a cell" -> `PersonalDataInCell`. The validator takes two capitals in a row for no Pascal
 * case (`InACell`, `KAnonymity`): articles are left out and a hyphenated word stays one (`LowKanonymity`).
 */
function pascalCase(title: string): string {
  return title
    .replace(/-/g, '')
    .split(/[^A-Za-z0-9]+/)
    .filter((w) => w && !/^(a|an|the)$/i.test(w))
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1).toLowerCase())
    .join('');
}

export interface SarifOptions {
  toolVersion: string;
  /** Paths under this folder are written relative to it (`%SRCROOT%`). */
  root?: string;
  /** Each rule's documentation in Markdown (its section of `docs/rules.md`), for the rule's `help`. */
  ruleHelp?: ReadonlyMap<string, string>;
}

/** Builds one SARIF log for the findings of any number of files. */
export function toSarif(findings: readonly Finding[], options: SarifOptions): Sarif.Log {
  const ruleIds = [...new Set(findings.map((f) => f.rule))].sort();
  const index = new Map(ruleIds.map((id, i) => [id, i]));
  const results: Sarif.Result[] = findings.map((f) => {
    const art = artifactUri(f.file ?? 'unknown', options.root);
    const region: Sarif.Region = f.location
      ? {
          startLine: f.location.line,
          startColumn: f.location.startColumn,
          endLine: f.location.endLine ?? f.location.line,
          endColumn: Math.max(f.location.endColumn, f.location.startColumn + 1),
        }
      : { startLine: 1 };
    const result: Sarif.Result = {
      ruleId: f.rule,
      ruleIndex: index.get(f.rule) ?? 0,
      level: level(f.severity),
      message: { text: f.message },
      locations: [{ physicalLocation: { artifactLocation: art, region } }],
      properties: {
        ...(f.column !== undefined ? { column: f.column } : {}),
        ...(f.entity ? { entity: f.entity } : {}),
        ...(f.row !== undefined ? { row: f.row } : {}),
        ...(f.excerpt ? { excerpt: f.excerpt } : {}),
      },
    };
    if (f.related?.length) {
      result.relatedLocations = f.related.map((r, i) => ({
        id: i + 1,
        message: { text: r.message },
        physicalLocation: {
          artifactLocation: art,
          region: {
            startLine: r.location.line,
            startColumn: r.location.startColumn,
            endLine: r.location.endLine ?? r.location.line,
            endColumn: Math.max(r.location.endColumn, r.location.startColumn + 1),
          },
        },
      }));
    }
    return result;
  });
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'Responsible ML',
            semanticVersion: options.toolVersion,
            version: options.toolVersion,
            informationUri: 'https://github.com/responsible-ml/responsible-ml',
            rules: ruleIds.map((id) => {
              const info = ruleInfo(id);
              const uri = ruleHelpUri(id);
              // GitHub code scanning requires `help` (the validator's GH2012) and shows its Markdown with
              // each alert: the rule's documentation, what it means and what to do.
              const doc = options.ruleHelp?.get(id) ?? info.description;
              return {
                id,
                name: pascalCase(info.title),
                shortDescription: { text: info.title },
                fullDescription: { text: info.description },
                help: {
                  text: `${info.description} See ${uri}`,
                  markdown: `${doc}\n\n[Documentation](${uri})`,
                },
                helpUri: uri,
              };
            }),
          },
        },
        columnKind: 'utf16CodeUnits',
        ...(options.root
          ? {
              originalUriBaseIds: {
                '%SRCROOT%': { uri: `file://${options.root.replace(/\\/g, '/').replace(/\/?$/, '/')}` },
              },
            }
          : {}),
        results,
      },
    ],
  };
}
