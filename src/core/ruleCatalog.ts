/**
 * Short descriptions of every rule, for SARIF's `tool.driver.rules`, hovers and `docs/rules.md`. A rule that a
 * detector emits but that is missing here still works; it just has no description.
 */
export interface RuleInfo {
  id: string;
  title: string;
  description: string;
}

export const RULE_DOCS_URL = 'https://github.com/responsible-ml/responsible-ml/blob/main/docs/rules.md';

const rules: RuleInfo[] = [
  { id: 'data/empty-file', title: 'Empty file', description: 'The file has no content to read.' },
  {
    id: 'data/binary-file',
    title: 'Binary file',
    description: 'The file is not text (a workbook, a Parquet file, an archive, ...); it was not read.',
  },
  {
    id: 'data/compressed-damaged',
    title: 'Damaged compressed file',
    description:
      "A gzip, Zstandard, xz or bzip2 file, or a ZIP or tar archive, is cut short or damaged; only the rows before the fault were read. Bytes after a gzip file's data that are not gzip data are passed over, every row before them read.",
  },
  {
    id: 'data/zip-archive',
    title: 'ZIP archive',
    description:
      "A table of a ZIP archive, audited on its own; the archive's other tables and files are named.",
  },
  {
    id: 'data/tar-archive',
    title: 'tar archive',
    description:
      "A table of a tar archive (plain or compressed), audited on its own; the archive's other tables and files are named.",
  },
  {
    id: 'data/ragged-row',
    title: 'Ragged row',
    description: 'A row has more or fewer fields than the header.',
  },
  {
    id: 'data/unclosed-quote',
    title: 'Unclosed quote',
    description: 'A quoted field is not closed on its line; it was read up to the end of that line.',
  },
  {
    id: 'data/long-record',
    title: 'Record too long',
    description:
      'A CSV record or a JSON Lines line does not end within 16,777,216 characters: the record was cut there, the line skipped.',
  },
  {
    id: 'data/too-many-columns',
    title: 'Too many columns',
    description: 'The file has more columns than are read (16,384 by default); the others are not audited.',
  },
  {
    id: 'data/invalid-encoding',
    title: 'Invalid encoding',
    description: 'Bytes that are not valid UTF-8 were replaced while reading.',
  },
  {
    id: 'data/stray-quote',
    title: 'Stray quote',
    description: 'Text follows the closing quote of a field; it is kept as part of the value.',
  },
  {
    id: 'data/json-object',
    title: 'JSON object',
    description: 'The JSON file is an object; its records were read from the array of objects inside it.',
  },
  {
    id: 'data/late-key',
    title: 'Key first seen late',
    description:
      'A JSON key first appears after the columns were fixed from the first 1,000 records; its values are not read.',
  },
  {
    id: 'data/too-many-problems',
    title: 'Too many problems',
    description: 'More reader problems than the cap; the rest are counted, not listed.',
  },
  {
    id: 'data/utf16',
    title: 'UTF-16 file',
    description: 'The file is UTF-16; most data tools expect UTF-8.',
  },
  {
    id: 'data/windows-1252',
    title: 'Windows-1252 file',
    description: 'The file is Windows-1252 (Latin-1), not UTF-8; it was read as such.',
  },
  {
    id: 'data/invalid-json',
    title: 'Invalid JSON',
    description: 'The JSON or JSON Lines text could not be parsed.',
  },
  { id: 'data/header', title: 'Header problem', description: 'A header name is empty or repeated.' },
  {
    id: 'quality/missing-values',
    title: 'Missing values',
    description: 'A column has missing cells (empty, NA, null, ? or a policy token).',
  },
  {
    id: 'quality/duplicate-rows',
    title: 'Duplicate rows',
    description: 'Rows that repeat an earlier row exactly.',
  },
  {
    id: 'quality/constant-column',
    title: 'Constant column',
    description: 'A column holds a single value and carries no information.',
  },
  { id: 'quality/mixed-types', title: 'Mixed types', description: 'A column mixes numbers, dates and text.' },
  {
    id: 'quality/identifier-column',
    title: 'Identifier column',
    description:
      'A column whose values are (nearly) all distinct identifiers; it singles out records and should not be a feature.',
  },
  {
    id: 'privacy/pii-column',
    title: 'Personal data column',
    description:
      'Most values of a column are personal data of one kind (email, phone, a national id such as a US SSN, Spanish DNI, Italian codice fiscale, UK National Insurance or NHS number, Aadhaar, CPF, PESEL, French NIR, Dutch BSN, a Nordic personal number, a passport or driving licence number, a DEA, bank account or routing number, an Australian Business Number, an Indian voter card, a medical record number, an NPI, a VIN, a Medicare Beneficiary Identifier, an IMEI, a MAC address, a licence plate or precise coordinates, ...).',
  },
  {
    id: 'privacy/pii-cell',
    title: 'Personal data in a cell',
    description: 'Personal data inside free text or a mixed column.',
  },
  {
    id: 'privacy/secret',
    title: 'Secret',
    description: 'An access key, private key, token or other credential.',
  },
  {
    id: 'privacy/quasi-identifier',
    title: 'Quasi-identifier',
    description: 'A column that, combined with others, can single people out (age, postal code, ...).',
  },
  {
    id: 'privacy/k-anonymity',
    title: 'Low k-anonymity',
    description: 'Some combinations of quasi-identifiers are shared by fewer than k records.',
  },
  {
    id: 'privacy/singling-out',
    title: 'Singling out',
    description: 'A small set of quasi-identifiers makes many records unique.',
  },
  {
    id: 'privacy/protected-attribute',
    title: 'Protected attribute',
    description: 'A column records a characteristic protected from discrimination (sex, race, age, ...).',
  },
  {
    id: 'fairness/disparate-impact',
    title: 'Disparate impact',
    description: "A group's positive rate is below the four-fifths of the reference group's.",
  },
  {
    id: 'fairness/small-group',
    title: 'Small group',
    description: 'A group is too small for its rate to be meaningful.',
  },
  {
    id: 'fairness/group-imbalance',
    title: 'Under-represented group',
    description: 'A group makes up a small share of the labelled rows (under 5% by default).',
  },
  {
    id: 'fairness/reference-group',
    title: 'Reference group not found',
    description:
      "The policy's reference group has no labelled rows; the most favoured group is used instead.",
  },
  {
    id: 'fairness/missing-column',
    title: 'Missing column',
    description:
      'A column named for the fairness audit (label, prediction, score, group) is not in the file.',
  },
  {
    id: 'fairness/label-values',
    title: 'Outcome values',
    description:
      'The label or prediction values cannot be mapped to a positive and a negative outcome; name the positive values.',
  },
  {
    id: 'fairness/proxy',
    title: 'Proxy column',
    description: 'A column strongly associated with a protected attribute can stand in for it.',
  },
  {
    id: 'fairness/label-leakage',
    title: 'Label leakage',
    description: 'A single column almost determines the label.',
  },
  { id: 'fairness/label-imbalance', title: 'Label imbalance', description: 'One outcome is rare.' },
  {
    id: 'fairness/threshold',
    title: 'Fairness threshold crossed',
    description: 'A disparity between groups exceeds the policy threshold.',
  },
  { id: 'policy/syntax', title: 'Policy syntax', description: 'The policy file is not valid JSON.' },
  { id: 'policy/schema', title: 'Policy schema', description: 'The policy file does not match its schema.' },
  {
    id: 'train-config/syntax',
    title: 'Config syntax',
    description: 'The training config is not valid JSON.',
  },
  {
    id: 'train-config/schema',
    title: 'Config schema',
    description: 'The training config does not match its schema.',
  },
  {
    id: 'train-config/consistency',
    title: 'Config consistency',
    description: 'Settings of the training config contradict each other.',
  },
  {
    id: 'train-config/missing-file',
    title: 'Missing data file',
    description:
      'A data file named in the training config does not exist, is not in the archive its path goes into, or is an archive of several tables without saying which.',
  },
  {
    id: 'train-config/missing-column',
    title: 'Missing column',
    description: 'A column named in the training config is not in the data.',
  },
  {
    id: 'train-config/privacy-gate',
    title: 'Pre-training privacy gate',
    description: 'A direct identifier would be a feature; it is excluded unless the config allows it.',
  },
];

const byId = new Map(rules.map((r) => [r.id, r]));

export function ruleInfo(id: string): RuleInfo {
  return byId.get(id) ?? { id, title: id, description: id };
}

export function allRules(): readonly RuleInfo[] {
  return rules;
}

/** Anchor in docs/rules.md: `privacy/pii-column` -> `#privacy-pii-column`. */
export function ruleHelpUri(id: string): string {
  return `${RULE_DOCS_URL}#${id.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}`;
}
