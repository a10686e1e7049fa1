import { describe, expect, it } from 'vitest';
import { indexedPart, patternTrigrams } from './search-part.js';

describe('the part of a search term the trigram index looks up', () => {
  // Shares measured on the benchmark's table of 1,000,000 users (a 1 % sample).
  const bench = new Map([
    ['use', 1],
    ['ser', 1],
    ['er0', 1],
    ['big', 0.98],
    ['exa', 1],
    ['r05', 0.11],
    ['050', 0.028],
    ['000', 0.022],
    ['500', 0.007],
    ['son', 0.17],
  ]);

  it('takes the trigrams pg_trgm takes from a %part% pattern: inside runs of letters and digits, unpadded', () => {
    expect(patternTrigrams('ina@exam')).toEqual(['ina', 'exa', 'xam']);
    expect(patternTrigrams('ab')).toEqual([]);
    expect(patternTrigrams('müller')).toEqual(['mül', 'üll', 'lle', 'ler']);
  });

  it('leaves out the trigrams nearly every row holds, keeping a part that still matches few rows', () => {
    // Measured there: the whole term 24.7 ms, `0500000` 0.8 ms, `500000` 2.4 ms, `5000` 10.9 ms.
    expect(indexedPart('user0500000', bench)).toBe('0500000');
    // A term with one frequent trigram among rare ones skips just that one.
    const part = indexedPart('johnson', bench);
    expect('johnson').toContain(part);
    expect(patternTrigrams(part)).not.toContain('son');
  });

  it('looks up the whole term without a sample, or when none of its trigrams is frequent', () => {
    expect(indexedPart('user0500000', new Map())).toBe('user0500000');
    expect(indexedPart('wilhelmina', bench)).toBe('wilhelmina');
  });

  it('keeps a term that is one frequent trigram, and never picks a part without a trigram', () => {
    expect(indexedPart('son', bench)).toBe('son');
    const part = indexedPart('anna@big.example', bench);
    expect(patternTrigrams(part).length).toBeGreaterThan(0);
    expect('anna@big.example').toContain(part);
    expect(patternTrigrams(part)).not.toContain('exa');
  });
});
