import { strict as assert } from 'node:assert';
import {
  ethereumAddressConfidence,
  isJwt,
  isValidBitcoinAddress,
  isValidCardNumber,
  isValidBrCpf,
  isValidFiHetu,
  isValidKrRrn,
  isValidPlPesel,
  isValidCnResidentId,
  isValidEsNie,
  isValidEsNif,
  isValidIban,
  isValidInAadhaar,
  isValidItFiscalCode,
  isValidUkNhs,
  isValidUkNino,
  isValidUsSsn,
  isValidUsItin,
  isValidInPan,
  isValidUkDrivingLicence,
  isValidDeaNumber,
  isValidUsNpi,
  isValidAbaRouting,
  isValidAuAbn,
  isValidInVoter,
  isValidVin,
  isValidNlBsn,
  isValidFrNir,
  isValidSePersonnummer,
  isValidNoFodselsnummer,
  isValidDkCpr,
  isValidAuTfn,
  isValidAuMedicare,
  isValidSgNricFin,
  isValidChAhv,
  isValidMxCurp,
  isValidClRut,
  isValidBeNationalNumber,
  isValidDeTaxId,
  isValidCaSin,
  isValidTrTcKimlik,
  isValidJpMyNumber,
  isKrRrnSince2020,
  isValidZaId,
  isValidIlId,
  isValidIePps,
  isValidThTnin,
  isValidDeSvnr,
  luhnValid,
  parseDate,
  shannonEntropy,
} from '../../../src/core/privacy/validators';

describe('privacy validators', () => {
  it('Luhn: accepts published test numbers, rejects one changed digit, empty and non-digits', () => {
    assert.ok(luhnValid('79927398713'));
    assert.ok(!luhnValid('79927398710'));
    assert.ok(luhnValid('4111111111111111'));
    assert.ok(!luhnValid('4111111111111112'));
    assert.ok(!luhnValid(''));
    assert.ok(!luhnValid('4111a11111111111'));
  });

  it('card numbers need a real issuer range and length besides Luhn', () => {
    for (const n of [
      '4111111111111111',
      '5555555555554444',
      '378282246310005',
      '6011111111111117',
      '3530111333300000',
      '2223003122003222',
      '30569309025904',
    ]) {
      assert.ok(isValidCardNumber(n), n);
    }
    // Luhn-valid but no issuer starts with 1 or 9; all zeros; wrong length for Amex; too short.
    assert.ok(luhnValid('1234567812345670'));
    assert.ok(!isValidCardNumber('1234567812345670'));
    assert.ok(!isValidCardNumber('0000000000000000'));
    assert.ok(!isValidCardNumber('3782822463100051'));
    assert.ok(!isValidCardNumber('411111111111'));
    assert.ok(!isValidCardNumber('4111111111111112'));
  });

  it('IBAN: mod 97 and the country length', () => {
    for (const iban of [
      'DE89370400440532013000',
      'GB82WEST12345698765432',
      'FR1420041010050500013M02606',
      'NL91ABNA0417164300',
      'CH9300762011623852957',
    ]) {
      assert.ok(isValidIban(iban), iban);
    }
    assert.ok(!isValidIban('DE89370400440532013001'), 'check digits');
    assert.ok(!isValidIban('DE8937040044053201300'), 'length');
    assert.ok(!isValidIban('XX89370400440532013000'), 'country');
    assert.ok(!isValidIban('GB82 WEST 1234 5698 7654 32'), 'spaces are removed by the caller');
  });

  it('SSN: area 000/666/9xx, group 00, serial 0000 and published examples are rejected', () => {
    assert.ok(isValidUsSsn('536221234'));
    assert.ok(isValidUsSsn('001010001'));
    for (const bad of [
      '000123456',
      '666123456',
      '912345678',
      '123004567',
      '123450000',
      '078051120',
      '219099999',
      '111111111',
      '53622123',
      '5362212345',
    ]) {
      assert.ok(!isValidUsSsn(bad), bad);
    }
  });

  it('PRC resident ID: GB 11643 check character, birth date and province', () => {
    assert.ok(isValidCnResidentId('11010519491231002X'));
    assert.ok(isValidCnResidentId('11010519491231002x'));
    assert.ok(!isValidCnResidentId('110105194912310021'), 'check character');
    assert.ok(!isValidCnResidentId('11010519491331002X'), 'month 13');
    assert.ok(!isValidCnResidentId('99010519491231002X'), 'province 99');
    assert.ok(!isValidCnResidentId('1101051949123100'), 'length');
  });

  it('Spanish DNI and NIE: the check letter of the number modulo 23', () => {
    for (const v of ['12345678Z', '12345678z', '11111111H', '00000001R']) assert.ok(isValidEsNif(v), v);
    for (const v of ['12345678A', '1234567Z', '123456789Z', '00000000T', 'X1234567L'])
      assert.ok(!isValidEsNif(v), v);
    for (const v of ['X1234567L', 'Y1234567X', 'z1234567r']) assert.ok(isValidEsNie(v), v);
    for (const v of ['X1234567A', 'W1234567L', '12345678Z']) assert.ok(!isValidEsNie(v), v);
  });

  it('Italian codice fiscale: month letter, day, check letter; letters for digits (omocodia)', () => {
    for (const v of ['RSSMRA85T10A562S', 'rssmra85t10a562s', 'RSSMRA85T10A56NH'])
      assert.ok(isValidItFiscalCode(v), v);
    // A wrong check letter, a month letter that is none, day 32, one character short.
    for (const v of ['RSSMRA85T10A562T', 'RSSMRA85Z10A562S', 'RSSMRA85T32A562S', 'RSSMRA85T10A562'])
      assert.ok(!isValidItFiscalCode(v), v);
  });

  it('UK National Insurance number: allocated prefixes, suffix A to D', () => {
    assert.ok(isValidUkNino('AB123456C'));
    assert.ok(isValidUkNino('ab123456c'));
    assert.ok(!isValidUkNino('AB123456'));
    assert.ok(isValidUkNino('AB123456', false));
    // D, F, I, Q, U, V never first; O never second; BG, GB, NK, KN, TN, NT, ZZ never; E is no suffix.
    for (const v of ['DA123456A', 'QQ123456C', 'AO123456A', 'GB123456A', 'ZZ123456A', 'AB123456E'])
      assert.ok(!isValidUkNino(v), v);
  });

  it('NHS number: mod 11 with weights 10 to 2; a remainder of 1 is never issued', () => {
    // The NHS's published example, and the range it keeps for tests (999 000 0000 on).
    for (const v of ['9434765919', '9990000018', '9990000026']) assert.ok(isValidUkNhs(v), v);
    for (const v of ['9434765918', '9990000019', '943476591', '0000000000']) assert.ok(!isValidUkNhs(v), v);
    // 999 000 000x: weighted, its nine digits sum to 9*10 + 9*9 + 9*8 = 243, 1 modulo 11: check digit 10.
    for (let d = 0; d <= 9; d++) assert.ok(!isValidUkNhs(`999000000${d}`), `999000000${d}`);
  });

  it('Aadhaar: Verhoeff, and never a first digit 0 or 1', () => {
    for (const v of ['234123412346', '499118665246', '222233334444']) assert.ok(isValidInAadhaar(v), v);
    for (const v of ['234123412345', '134123412346', '23412341234', '222222222222'])
      assert.ok(!isValidInAadhaar(v), v);
  });

  it('Brazilian CPF: two mod 11 check digits; repeated digits are never issued', () => {
    for (const v of ['52998224725', '11144477735', '12345678909']) assert.ok(isValidBrCpf(v), v);
    for (const v of ['52998224726', '52998224715', '11111111111', '5299822472'])
      assert.ok(!isValidBrCpf(v), v);
  });

  it('PESEL, Finnish identity code, Korean registration number: dates and check characters', () => {
    for (const v of ['44051401359', '02070803628']) assert.ok(isValidPlPesel(v), v);
    for (const v of ['44051401358', '00000000000', '4405140135']) assert.ok(!isValidPlPesel(v), v);
    for (const v of ['131052-308T', '010101-123N']) assert.ok(isValidFiHetu(v), v);
    // A wrong check character; a birth in 2052 (the century sign A); no sign at all.
    for (const v of ['131052-308U', '131052A308T', '131052308T']) assert.ok(!isValidFiHetu(v), v);
    assert.ok(isValidKrRrn('9710139019902'));
    for (const v of ['9710139019903', '971013-9019902', '971313901990']) assert.ok(!isValidKrRrn(v), v);
  });

  it('US ITIN: area 9xx and the groups the IRS issues; never an SSN', () => {
    for (const v of ['912701234', '900501234', '999991234', '912941234']) assert.ok(isValidUsItin(v), v);
    // Groups 00 to 49, 66 to 69, 89 and 93 are not issued; an area other than 9xx is an SSN's.
    for (const v of ['912491234', '912661234', '912891234', '912931234', '812701234', '91270123'])
      assert.ok(!isValidUsItin(v), v);
    for (const v of ['912701234', '900501234']) assert.ok(!isValidUsSsn(v), v);
  });

  it("Indian PAN: five letters, four digits, a letter; the fourth letter a holder's kind", () => {
    for (const v of ['ABCPE1234F', 'AAACB1234F', 'AAAHB1234F']) assert.ok(isValidInPan(v), v);
    for (const v of ['ABCXE1234F', 'abcpe1234f', 'ABCPE12345', 'ABCP1234F']) assert.ok(!isValidInPan(v), v);
    for (const v of [
      'MORGA753116SM9IJ',
      'MORGA753116SM9IJ 35',
      'MORGA753116SM9IJ35',
      'LEE99753116J99AB',
      'JONES702299HA3DX',
    ])
      assert.ok(isValidUkDrivingLicence(v), v);
    for (const v of [
      'MORGA713116SM9IJ',
      'MORGA750031SM9IJ',
      'MORGA702301SM9IJ',
      'MORGA711311SM9IJ',
      'MO9GA753116SM9IJ',
      '9ORGA753116SM9IJ',
      'MORGA753116SM9IJ 3',
    ])
      assert.ok(!isValidUkDrivingLicence(v), v);
    // DEA: (1 + 3 + 5) + 2 * (2 + 4 + 6) = 33, check digit 3; a business's 9 for the family name's letter.
    for (const v of ['AB1234563', 'BJ6125341', 'F91234563', 'MS1234563']) assert.ok(isValidDeaNumber(v), v);
    for (const v of ['AB1234564', 'IB1234563', 'ab1234563', 'A11234563', 'AB123456', 'AB12345630'])
      assert.ok(!isValidDeaNumber(v), v);
    // ABA routing numbers: a Federal Reserve district's prefix, weights 3, 7, 1 to a multiple of 10.
    for (const v of ['021000021', '011000015', '122105155', '322271627', '061000104'])
      assert.ok(isValidAbaRouting(v), v);
    // The check; a prefix no district has (13, 40, 99); all zeros; too short, too long.
    for (const v of [
      '021000022',
      '131000021',
      '400000001',
      '990000006',
      '000000000',
      '02100002',
      '0210000210',
    ])
      assert.ok(!isValidAbaRouting(v), v);
    // ABNs: the first digit less one, weights 10, 1, 3, 5, ..., 19, a multiple of 89 (the ATO's 51 824 753 556).
    for (const v of ['51824753556', '53004085616', '83914571673']) assert.ok(isValidAuAbn(v), v);
    for (const v of ['51824753557', '01824753556', '5182475355', '518247535566', '51 824 753 556'])
      assert.ok(!isValidAuAbn(v), v);
    // Indian voter cards: three capitals, seven digits, the last a Luhn digit.
    for (const v of ['ABC1234566', 'XGN0184523']) assert.ok(isValidInVoter(v), v);
    for (const v of ['ABC1234567', 'AB1234566', 'abc1234566', 'ABCD1234566', 'ABC123456'])
      assert.ok(!isValidInVoter(v), v);
    // NPI: Luhn over 80840 and the ten digits (CMS's example 1234567893).
    for (const v of ['1234567893', '1245319599', '2000000002']) assert.ok(isValidUsNpi(v), v);
    for (const v of ['1234567890', '3234567893', '123456789', '12345678930']) assert.ok(!isValidUsNpi(v), v);
    // VINs: North America's check digit (3; X for 10), a European maker's without one.
    for (const v of ['1HGCM82633A004352', '1M8GDM9AXKP042788']) assert.ok(isValidVin(v, true), v);
    assert.ok(isValidVin('WVWZZZ1JZXW000001', false) && !isValidVin('WVWZZZ1JZXW000001', true));
    for (const v of [
      '1HGCM82633A004353',
      '1HGCM82633A00435',
      'IHGCM82633A004352',
      '11111111111111111',
      'ABCDEFGHJKLMNPRST',
    ])
      assert.ok(!isValidVin(v, true), v);
    assert.ok(!isValidVin('1HGCM82633O004352', false), 'an O');
  });

  it('Dutch BSN: the 11-test; one repeated digit is none', () => {
    for (const v of ['111222333', '123456782']) assert.ok(isValidNlBsn(v), v);
    for (const v of ['123456789', '000000000', '12345678', '1234567820']) assert.ok(!isValidNlBsn(v), v);
  });

  it('French NIR: sex digit, month, department (2A, 2B), key modulo 97', () => {
    for (const v of ['184127645108946', '295109912611193']) assert.ok(isValidFrNir(v), v);
    // A key off by one, a sex digit 5, a month 13, 14 characters.
    for (const v of ['184127645108947', '584127645108946', '184137645108946', '18412764510894'])
      assert.ok(!isValidFrNir(v), v);
    // Corsica: 2A counts as 19 in the key, 2B as 18 (97 - (1841219451089 mod 97) is 33).
    assert.ok(isValidFrNir('18412' + '2A' + '45108933'));
    assert.ok(!isValidFrNir('18412' + '2A' + '45108946'));
  });

  it('Swedish personnummer: a date (or a day plus 60), a sign or none, Luhn', () => {
    for (const v of ['880320-0016', '8803200016', '19880320-0016', '198803200016', '880320+0016'])
      assert.ok(isValidSePersonnummer(v), v);
    for (const v of ['880320-0017', '881320-0016', '880332-0016', '88032000161'])
      assert.ok(!isValidSePersonnummer(v), v);
  });

  it('Norwegian fodselsnummer, Danish CPR: birth dates; two mod 11 checks for Norway', () => {
    assert.ok(isValidNoFodselsnummer('15108695088'));
    for (const v of ['15108695077', '32108695088', '1510869508']) assert.ok(!isValidNoFodselsnummer(v), v);
    for (const v of ['2110625629', '0101011234']) assert.ok(isValidDkCpr(v), v);
    for (const v of ['3210625629', '2113625629', '211062562']) assert.ok(!isValidDkCpr(v), v);
  });

  it('Australian TFN (weighted mod 11) and Medicare number (weighted mod 10, an issue number)', () => {
    for (const v of ['123456782', '876543210']) assert.ok(isValidAuTfn(v), v);
    for (const v of ['123456789', '000000000', '1234567']) assert.ok(!isValidAuTfn(v), v);
    assert.ok(isValidAuMedicare('2123456701'));
    // With the individual reference number (1 to 9) of the person on the card.
    assert.ok(isValidAuMedicare('21234567012'));
    // A wrong check digit, issue number 0, a first digit 7, a reference number 0.
    for (const v of ['2123456711', '2123456700', '7123456701', '212345670', '21234567010', '21234567112'])
      assert.ok(!isValidAuMedicare(v), v);
  });

  it('Singapore NRIC/FIN: the check letter of each prefix', () => {
    for (const v of ['S1234567D', 'T1234567J', 'F1234567N', 'G1234567X', 'M1234567K', 'S0000001I'])
      assert.ok(isValidSgNricFin(v), v);
    for (const v of ['S1234567A', 'T1234567D', 'X1234567D', 's1234567d', 'S123456D'])
      assert.ok(!isValidSgNricFin(v), v);
  });

  it('Swiss AHV, Mexican CURP, Chilean RUT, Belgian national number: their check characters', () => {
    assert.ok(isValidChAhv('7569217076985'));
    for (const v of ['7569217076984', '7579217076985', '756921707698']) assert.ok(!isValidChAhv(v), v);
    for (const v of ['BOXW310820HNERXN09', 'HEGG560427MVZRRL04']) assert.ok(isValidMxCurp(v), v);
    for (const v of ['BOXW310820HNERXN08', 'BOXW311320HNERXN09', 'boxw310820hnerxn09'])
      assert.ok(!isValidMxCurp(v), v);
    for (const v of ['123456785', '12345674', '76086428' + '5']) assert.ok(isValidClRut(v), v);
    for (const v of ['123456784', '12345678K', '12.345.678-5']) assert.ok(!isValidClRut(v), v);
    assert.ok(isValidBeNationalNumber('85073003328'));
    for (const v of ['85073003329', '8507300332']) assert.ok(!isValidBeNationalNumber(v), v);
  });

  it('German tax id, Canadian SIN, Turkish identity number: their check digits', () => {
    assert.ok(isValidDeTaxId('36574261809'));
    for (const v of ['36574261808', '06574261809', '3657426180']) assert.ok(!isValidDeTaxId(v), v);
    assert.ok(isValidCaSin('046454286'));
    for (const v of ['046454287', '000000000', '04645428']) assert.ok(!isValidCaSin(v), v);
    assert.ok(isValidTrTcKimlik('17291716060'));
    for (const v of ['17291716050', '07291716060']) assert.ok(!isValidTrTcKimlik(v), v);
  });

  it('South African, Israeli, Irish, Thai and German social numbers: their dates and check characters', () => {
    // stdnum's own examples, and each with one thing wrong.
    assert.ok(isValidZaId('7503305044089'));
    // Luhn; month 13; citizenship 2; too short.
    for (const v of ['8503305044089', '7513305044085', '7503305044289', '750330504408'])
      assert.ok(!isValidZaId(v), v);
    assert.ok(isValidIlId('039337423'));
    for (const v of ['039337422', '000000000', '39337423']) assert.ok(!isValidIlId(v), v);
    for (const v of ['6433435F', '6433435FT', '6433435FW', '6433435OA', '6433435IH'])
      assert.ok(isValidIePps(v), v);
    // The check letter; a second letter that is none of A, H, W, T, X; a second letter the check counts.
    for (const v of ['6433435E', '6433435FB', '6433435VH', '6433435f']) assert.ok(!isValidIePps(v), v);
    for (const v of ['3100600445635', '1112034563562']) assert.ok(isValidThTnin(v), v);
    // The check; a first digit of 0 or 9.
    for (const v of ['1101700230705', '0101700230705', '9112034563562']) assert.ok(!isValidThTnin(v), v);
    assert.ok(isValidDeSvnr('15070649C103'));
    // Area 01; month 13; the check; no letter.
    for (const v of ['01070649C103', '15071349C103', '15070649C102', '150706499103'])
      assert.ok(!isValidDeSvnr(v), v);
  });

  it('Korean numbers issued since October 2020: the date and the digit of sex and century only', () => {
    // 4: a woman born in the 2000s; 9: the 1800s; 1: the 1900s (29 February 1900 was no day).
    for (const v of ['2102034123456', '9710139000000', '0002294123456']) assert.ok(isKrRrnSince2020(v), v);
    for (const v of ['2102304123456', '0102294123456', '0002291123456', '210203412345'])
      assert.ok(!isKrRrnSince2020(v), v);
  });

  it('Japanese My Number: weights 2 to 7 and 2 to 6 from the right, mod 11', () => {
    // 1*2 + 0*3 + 9*4 + 8*5 + 7*6 + 6*7 + 5*2 + 4*3 + 3*4 + 2*5 + 1*6 = 212; 212 mod 11 = 3; 11 - 3 = 8.
    assert.ok(isValidJpMyNumber('123456789018'));
    // Remainders 0 and 1 give a check digit 0.
    const withCheck = (eleven: string) => {
      for (let c = 0; c <= 9; c++) if (isValidJpMyNumber(`${eleven}${c}`)) return c;
      return -1;
    };
    for (const eleven of ['10000000000', '20000000001', '98765432109', '31415926535']) {
      let sum = 0;
      for (let n = 1; n <= 11; n++) sum += Number(eleven[11 - n]) * (n <= 6 ? n + 1 : n - 5);
      assert.equal(withCheck(eleven), sum % 11 <= 1 ? 0 : 11 - (sum % 11), eleven);
    }
    for (const v of ['123456789017', '000000000000', '12345678901']) assert.ok(!isValidJpMyNumber(v), v);
  });

  it('Bitcoin: base58check P2PKH/P2SH, bech32 v0 and bech32m v1, checksums enforced', () => {
    for (const a of [
      '1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa',
      '3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy',
      'bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq',
      'bc1p5d7rjq7g6rdk2yhzks9smlaqtedr4dekq08ge8ztwac72sfr9rusxg3297',
    ]) {
      assert.ok(isValidBitcoinAddress(a), a);
    }
    assert.ok(!isValidBitcoinAddress('1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb'));
    assert.ok(!isValidBitcoinAddress('bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdr'));
    assert.ok(!isValidBitcoinAddress('bc1qar0srrr7xfkvy5l643lydnw9re59gtzzWf5mdq'), 'mixed case');
  });

  it('Ethereum: EIP-55 mixed case verified with keccak-256; single case has no checksum', () => {
    for (const a of [
      '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed',
      '0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359',
      '0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB',
    ]) {
      assert.equal(ethereumAddressConfidence(a), 0.95, a);
    }
    assert.equal(ethereumAddressConfidence('0x5aaeb6053F3E94C9b9A09f33669435E7Ef1BeAed'), 0);
    assert.equal(ethereumAddressConfidence('0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed'), 0.6);
    assert.equal(ethereumAddressConfidence('0x5aaeb6053f3e94c9b9a09f33669435e7ef1bea'), 0);
  });

  it('JWT: the header must decode to JSON with alg', () => {
    assert.ok(
      isJwt(
        'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U',
      ),
    );
    const noAlg = Buffer.from('{"typ":"JWT"}').toString('base64url');
    assert.ok(!isJwt(`${noAlg}.eyJzdWIiOiIxIn0.sig`));
    assert.ok(!isJwt('a.b'));
    assert.ok(!isJwt('eyJhbGciOi.eyJzdWIiOiIxIn0.sig'), 'header is not JSON');
  });

  it('Shannon entropy in bits per character', () => {
    assert.equal(shannonEntropy(''), 0);
    assert.equal(shannonEntropy('aaaa'), 0);
    assert.equal(shannonEntropy('abab'), 1);
    assert.equal(shannonEntropy('abcdefgh'), 3);
  });

  it('parses the common date formats and rejects impossible dates', () => {
    assert.deepEqual(parseDate('1985-03-07'), { year: 1985, month: 3, day: 7 });
    assert.deepEqual(parseDate('1985-03-07T10:00:00Z'), { year: 1985, month: 3, day: 7 });
    assert.deepEqual(parseDate('03/07/1985'), { year: 1985, month: 3, day: 7 });
    assert.deepEqual(parseDate('25/12/1985'), { year: 1985, month: 12, day: 25 });
    assert.deepEqual(parseDate('07.03.1985'), { year: 1985, month: 3, day: 7 });
    assert.deepEqual(parseDate('19850307'), { year: 1985, month: 3, day: 7 });
    assert.deepEqual(parseDate('Mar 7, 1985'), { year: 1985, month: 3, day: 7 });
    assert.deepEqual(parseDate('7 March 1985'), { year: 1985, month: 3, day: 7 });
    assert.equal(parseDate('1985-02-29'), null);
    assert.deepEqual(parseDate('2000-02-29'), { year: 2000, month: 2, day: 29 });
    assert.equal(parseDate('1900-02-29'), null);
    assert.equal(parseDate('07/03/85'), null);
    assert.equal(parseDate('hello'), null);
  });
});
