import * as NEW from './src/core/privacy/detectors';
const t = '1 '.repeat(50_000);
const s = Date.now(); const m = NEW.detectEntities(t); console.log(Date.now() - s, 'ms', m.length);
const u = '0 1 0 0 1 1 0 1 0 0 1 0 1 1 0 0 0 1 0 1 1 0 1 0';
let s2 = Date.now(); for (let i = 0; i < 2000; i++) NEW.detectEntities(u + ' ' + (i % 10)); console.log('2000 one-hot cells', Date.now() - s2, 'ms');
