/**
 * receiverWords: what is left of a receiver's error text once everything we sent (and what
 * looks like personal data whoever it belongs to) is masked. Each case is a way a receiver's
 * echo got past exact-substring masking.
 */
import { describe, expect, it } from 'vitest';
import { receiverWords } from './answers.js';

const SURNAME = 'Ærø-Hansen-Jørgensen-Rasmussen';

describe('receiverWords', () => {
  it('quotes no JSON body that has no message field, parsed or not', () => {
    const django = '{"errors": [{"field": "surname", "value": "\\u00c6r\\u00f8-Hansen"}]}';
    expect(receiverWords(django, ['Ærø-Hansen'])).toBe('');
    expect(receiverWords('{"surname": "Ærø-Hansen", "ok": fal', ['x'])).toBe('');
    expect(receiverWords('[{"value": "Ærø-Hansen"}]', [])).toBe('');
    expect(receiverWords('{"detail": "surname too long"}', ['Ærø-Hansen'])).toBe('surname too long');
  });

  it('masks escaped echoes: JSON \\u escapes, HTML entities, percent-encoding', () => {
    expect(receiverWords('bad surname "\\u00c6r\\u00f8-Hansen"', ['Ærø-Hansen'])).toBe(
      'bad surname "[value]"',
    );
    expect(receiverWords('bad surname &#198;r&#xf8;-Hansen', ['Ærø-Hansen'])).toBe('bad surname [value]');
    expect(receiverWords('bad surname %C3%86r%C3%B8-Hansen', ['Ærø-Hansen'])).toBe('bad surname [value]');
  });

  it('masks truncated, cut and re-cased echoes', () => {
    expect(receiverWords('too long: Ærø-Hansen-Jørgensen-Ras...', [SURNAME])).toBe('too long: [value]...');
    expect(receiverWords('too long: ...sen-Jørgensen-Rasmussen', [SURNAME])).toBe('too long: ...[value]');
    expect(receiverWords('SURNAME ÆRØ-HANSEN-JØRGENSEN-RASMUSSEN REFUSED', [SURNAME])).toBe(
      'SURNAME [value] REFUSED',
    );
    // One part of a value quoted on its own.
    expect(receiverWords('surname Hansen is taken', ['Anne Ærø-Hansen'])).toBe('surname [value] is taken');
  });

  it('masks numbers and booleans sent, and short values as whole words', () => {
    expect(receiverWords('salary 45250 above the limit', [45250])).toBe('salary [value] above the limit');
    expect(receiverWords('fte 0.8 not allowed', [0.8])).toBe('fte [value] not allowed');
    expect(receiverWords('manager must not be true here', [true])).toBe('manager must not be [value] here');
    expect(receiverWords('given name Bo is too short; see body', ['Bo'])).toBe(
      'given name [value] is too short; see body',
    );
  });

  it('masks e-mail addresses and long digit runs (CPR-like) whoever they belong to', () => {
    expect(receiverWords('jens.olsen@kommune.dk already holds it', [])).toBe('[e-mail] already holds it');
    expect(receiverWords('CPR 0101701111 / 010170-1111 / id 12345678', [])).toBe(
      'CPR [number] / [number] / id [number]',
    );
    expect(receiverWords('error 4711 in line 12', [])).toBe('error 4711 in line 12');
  });

  it('masks credentials, whole or in part', () => {
    const token = 'bearer-tok-8d2e61aa77';
    expect(receiverWords(`token ${token.slice(0, 12)}... refused`, [token])).toBe('token [value]... refused');
  });

  it('drops HTML pages and control characters, and cuts long text', () => {
    expect(receiverWords('<html><body>502</body></html>', [])).toBe('');
    expect(receiverWords('a\u0007b\nc', [])).toBe('a b c');
    expect(receiverWords('x'.repeat(300), [])).toBe(`${'x'.repeat(200)}...`);
  });
});
