/**
 * Writes a synthetic CSV with the column mix of a real customer table: ids, names, emails, phones, free text
 * with sporadic personal data, numbers and categories. Deterministic (seeded), so runs compare.
 */
import * as fs from 'fs';
import { seededRandom } from '../../src/core/random';

const first = [
  'James',
  'Mary',
  'Robert',
  'Patricia',
  'John',
  'Jennifer',
  'Michael',
  'Linda',
  'David',
  'Elizabeth',
  'Wei',
  'Fatima',
  'Carlos',
  'Aisha',
  'Olga',
  'Hiroshi',
];
const last = [
  'Smith',
  'Johnson',
  'Williams',
  'Brown',
  'Jones',
  'Garcia',
  'Miller',
  'Davis',
  'Martinez',
  'Lopez',
  'Chen',
  'Khan',
  'Novak',
  'Tanaka',
];
const occupations = [
  'Engineer',
  'Teacher',
  'Nurse',
  'Clerk',
  'Sales',
  'Driver',
  'Manager',
  'Analyst',
  'Chef',
  'Artist',
];
const words =
  'the customer asked about delivery and wanted a refund for the order because it arrived late please call back tomorrow'.split(
    ' ',
  );

export interface GenerateOptions {
  /**
   * Appends a model's output to every row: `approved` (the true outcome, 0/1), `approved_pred` (the model's
   * decision) and `approved_score` (its probability, six decimals). The outcome depends on income and,
   * unfairly, on sex, and the model is imperfect, so a prediction audit has disparities to find. Drawn from
   * a second generator, so the other columns are those of the plain file.
   */
  predictions?: boolean;
  /**
   * The same rows as JSON Lines (`jsonl`) or as a JSON array of objects, one per line (`json`): numbers as
   * JSON numbers (ages, incomes with the CSV's digits), the rest as strings, the notes without their CSV quotes.
   */
  format?: 'csv' | 'json' | 'jsonl';
}

export function generateCsv(
  file: string,
  targetBytes: number,
  seed = 42,
  options: GenerateOptions = {},
): number {
  const r = seededRandom(seed);
  const m = seededRandom(seed + 1);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
  const fd = fs.openSync(file, 'w');
  const format = options.format ?? 'csv';
  const header =
    format === 'jsonl'
      ? ''
      : format === 'json'
        ? '[\n'
        : 'customer_id,first_name,last_name,email,phone,age,sex,zip,occupation,annual_income,signup_date,notes' +
          (options.predictions ? ',approved,approved_pred,approved_score\n' : '\n');
  fs.writeSync(fd, header);
  let bytes = header.length;
  let rows = 0;
  const batch: string[] = [];
  while (bytes < targetBytes) {
    const fn = pick(first);
    const ln = pick(last);
    const id = `C${(100000 + rows).toString()}`;
    const email = `${fn.toLowerCase()}.${ln.toLowerCase()}${Math.floor(r() * 1000)}@example.com`;
    const phone = `+1 415 555 ${String(Math.floor(r() * 10000)).padStart(4, '0')}`;
    const age = 18 + Math.floor(r() * 70);
    const sex = r() < 0.5 ? 'Female' : 'Male';
    const zip = String(10000 + Math.floor(r() * 89999));
    const income = (20000 + r() * 150000).toFixed(2);
    const date = `20${10 + Math.floor(r() * 15)}-${String(1 + Math.floor(r() * 12)).padStart(2, '0')}-${String(1 + Math.floor(r() * 28)).padStart(2, '0')}`;
    const n = 4 + Math.floor(r() * 12);
    const note: string[] = [];
    for (let i = 0; i < n; i++) note.push(pick(words));
    if (r() < 0.02) note.push(`contact ${email}`);
    if (r() < 0.01) note.push(`or ${phone}`);
    const thanks = r() < 0.3;
    const notes = thanks ? `"${note.join(' ')}, thanks"` : note.join(' ');
    let model: [number, number, string] | undefined;
    if (options.predictions) {
      const logit = (Number(income) - 90000) / 30000 + (sex === 'Male' ? 0.6 : -0.2) + (age - 50) / 40;
      const approved = m() < 1 / (1 + Math.exp(-logit)) ? 1 : 0;
      // The model sees income and age through noise, and sex more strongly than the truth does.
      const seen = logit + (sex === 'Male' ? 0.3 : -0.3) + (m() - 0.5) * 2.5;
      const score = 1 / (1 + Math.exp(-seen));
      model = [approved, score >= 0.5 ? 1 : 0, score.toFixed(6)];
    }
    const occupation = pick(occupations);
    let line: string;
    if (format === 'csv') {
      const tail = model ? `,${model.join(',')}` : '';
      line = `${id},${fn},${ln},${email},${phone},${age},${sex},${zip},${occupation},${income},${date},${notes}${tail}\n`;
    } else {
      const q = JSON.stringify;
      const text = thanks ? `${note.join(' ')}, thanks` : note.join(' ');
      const tail = model
        ? `,"approved":${model[0]},"approved_pred":${model[1]},"approved_score":${model[2]}`
        : '';
      const object =
        `{"customer_id":${q(id)},"first_name":${q(fn)},"last_name":${q(ln)},"email":${q(email)},` +
        `"phone":${q(phone)},"age":${age},"sex":${q(sex)},"zip":${q(zip)},"occupation":${q(occupation)},` +
        `"annual_income":${income},"signup_date":${q(date)},"notes":${q(text)}${tail}}`;
      line = format === 'jsonl' ? `${object}\n` : `${rows > 0 ? ',\n' : ''}${object}`;
    }
    batch.push(line);
    bytes += Buffer.byteLength(line);
    rows++;
    if (batch.length >= 5000) {
      fs.writeSync(fd, batch.join(''));
      batch.length = 0;
    }
  }
  if (batch.length) fs.writeSync(fd, batch.join(''));
  if (format === 'json') fs.writeSync(fd, '\n]\n');
  fs.closeSync(fd);
  return rows;
}

/**
 * A corpus of documents, one a row: `id`, `author` and `text`, a quoted document of about `docChars`
 * characters of prose (sentences that start with a capital, some numbers), one in 2,000 words an e-mail
 * address or a phone number, and a doubled quote or a line break now and then. Long values are what the
 * audit's columns keep as stand-ins and what its privacy detectors read whole; the rows are few. Rows are
 * added until the file reaches `targetBytes`.
 */
export function generateDocumentsCsv(file: string, targetBytes: number, docChars: number, seed = 42): number {
  const r = seededRandom(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const fd = fs.openSync(file, 'w');
  const header = 'id,author,text\n';
  fs.writeSync(fd, header);
  let bytes = header.length;
  let rows = 0;
  while (bytes < targetBytes) {
    const parts: string[] = [];
    let chars = 0;
    let sentence = 0;
    while (chars < docChars) {
      let word: string = pick(words);
      const roll = r();
      if (roll < 0.0005) word = `${pick(first).toLowerCase()}.${pick(last).toLowerCase()}${rows}@example.com`;
      else if (roll < 0.001) word = `(415) 555-${String(1000 + Math.floor(r() * 9000))}`;
      else if (roll < 0.01) word = String(Math.floor(r() * 1000));
      else if (roll < 0.011) word = '""quoted""';
      if (sentence === 0) word = word[0]!.toUpperCase() + word.slice(1);
      sentence++;
      if (sentence > 8 + r() * 12) {
        word += r() < 0.05 ? '.\n' : '.';
        sentence = 0;
      }
      parts.push(word);
      chars += word.length + 1;
    }
    const line = `${rows},${pick(first)} ${pick(last)},"${parts.join(' ')}"\n`;
    fs.writeSync(fd, line);
    bytes += Buffer.byteLength(line);
    rows++;
  }
  fs.closeSync(fd);
  return rows;
}

const ruFirst = [
  'Иван',
  'Мария',
  'Сергей',
  'Анна',
  'Дмитрий',
  'Ольга',
  'Алексей',
  'Наталья',
  'Андрей',
  'Елена',
];
const ruLast = [
  'Петров',
  'Иванова',
  'Смирнов',
  'Кузнецова',
  'Попов',
  'Соколова',
  'Волков',
  'Морозова',
  'Новиков',
];
const ruWords =
  'заказ клиент доставка оплата возврат товар склад договор звонок письмо счет скидка менеджер адрес курьер'.split(
    ' ',
  );

const zhSurnames = '王李张刘陈杨黄赵吴周'.split('');
const zhGiven = '伟芳娜敏静丽强磊洋艳勇军杰娟涛'.split('');
const zhTitles = ['先生', '女士', '老师', '经理'];
const zhWords =
  '订单 客户 配送 付款 退货 商品 仓库 合同 电话 邮件 发票 折扣 地址 快递 询问 确认 安排 今天 明天 已经'.split(
    ' ',
  );

/** How {@link generateNotesCsv} writes a language's notes. */
interface NotesLanguage {
  words: readonly string[];
  /** A person as the language's notes name one. */
  name: (pick: <T>(xs: readonly T[]) => T, r: () => number) => string;
  city: string;
  /** Between words, and at a sentence's end. */
  space: string;
  stop: string;
  capitalise: boolean;
}

const NOTES: Record<'ru' | 'zh', NotesLanguage> = {
  // Cyrillic, where names are searched through the lexicon's romanised keys.
  ru: {
    words: ruWords,
    name: (pick) => `${pick(ruFirst)} ${pick(ruLast)}`,
    city: 'Москва',
    space: ' ',
    stop: '.',
    capitalise: true,
  },
  // Chinese, no spaces, a family name and one or two characters before a title (`张伟先生`).
  zh: {
    words: zhWords,
    name: (pick, r) =>
      `${pick(zhSurnames)}${pick(zhGiven)}${r() < 0.5 ? pick(zhGiven) : ''}${pick(zhTitles)}`,
    city: '北京',
    space: '',
    stop: '。',
    capitalise: false,
  },
};

/**
 * Notes in Russian or Chinese, one a row: `id` and `notes`, one to four sentences of everyday words, a person
 * in one sentence of five and a city in one of ten. Rows are added until the file reaches `targetBytes`.
 */
export function generateNotesCsv(
  file: string,
  targetBytes: number,
  language: 'ru' | 'zh',
  seed = 42,
): number {
  const r = seededRandom(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const l = NOTES[language];
  const sentence = (): string => {
    const n = 6 + Math.floor(r() * 10);
    const w: string[] = [];
    for (let i = 0; i < n; i++) w.push(pick(l.words));
    let s = w.join(l.space);
    if (l.capitalise) s = s[0]!.toUpperCase() + s.slice(1);
    if (r() < 0.2) s += `${l.space || ''}${l.name(pick, r)}`;
    if (r() < 0.1) s += `${l.space}${l.city}`;
    return `${s}${l.stop}`;
  };
  const fd = fs.openSync(file, 'w');
  const header = 'id,notes\n';
  fs.writeSync(fd, header);
  let bytes = header.length;
  let rows = 0;
  while (bytes < targetBytes) {
    const k = 1 + Math.floor(r() * 4);
    const text: string[] = [];
    for (let i = 0; i < k; i++) text.push(sentence());
    const line = `${rows},"${text.join(l.space)}"\n`;
    fs.writeSync(fd, line);
    bytes += Buffer.byteLength(line);
    rows++;
  }
  fs.closeSync(fd);
  return rows;
}

/**
 * A wide table, as gene expression matrices and one-hot encoded feature tables are: `sample_id`, `age`, `sex`
 * and `outcome`, then `columns` features `f0001`, ..., of which every tenth is a 0/1 indicator and the rest
 * measurements with four decimals (nearly every value distinct within its column, up to about 100,000 rows:
 * each has up to a million possible values). Rows are added until the file reaches `targetBytes`, so a larger
 * file has more rows, not more columns.
 */
export function generateWideCsv(file: string, targetBytes: number, columns: number, seed = 42): number {
  const r = seededRandom(seed);
  const fd = fs.openSync(file, 'w');
  const names = Array.from({ length: columns }, (_, j) => `f${String(j + 1).padStart(4, '0')}`);
  const header = `sample_id,age,sex,outcome,${names.join(',')}\n`;
  fs.writeSync(fd, header);
  let bytes = header.length;
  let rows = 0;
  // Each feature's own level and spread, so that columns differ.
  const level = Array.from({ length: columns }, () => 1 + r() * 100);
  const cells: string[] = new Array<string>(columns);
  while (bytes < targetBytes) {
    for (let j = 0; j < columns; j++) {
      // A sum of three uniforms: roughly normal around the feature's level.
      const x = level[j]! * (0.5 + (r() + r() + r()) / 3);
      cells[j] = j % 10 === 9 ? (r() < 0.3 ? '1' : '0') : x.toFixed(4);
    }
    const line =
      `S${100000 + rows},${18 + Math.floor(r() * 70)},${r() < 0.5 ? 'Female' : 'Male'},${r() < 0.4 ? 1 : 0},` +
      `${cells.join(',')}\n`;
    fs.writeSync(fd, line);
    bytes += line.length;
    rows++;
  }
  fs.closeSync(fd);
  return rows;
}
