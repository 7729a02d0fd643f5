import { multiplyQuantity, parseQuantity } from '../../lib/core/quantity';

describe('multiplyQuantity', () => {
  test('multiplies exactly, keeping the suffix', () => {
    expect(multiplyQuantity('256Mi', 2)).toBe('512Mi');
    expect(multiplyQuantity('1.5Gi', 2)).toBe('3Gi');
    expect(multiplyQuantity('0.25Gi', 2)).toBe('0.5Gi');
    expect(multiplyQuantity('.5Gi', 2)).toBe('1Gi');
    expect(multiplyQuantity('1.05G', 3)).toBe('3.15G');
    expect(multiplyQuantity('500m', 2)).toBe('1000m');
    expect(multiplyQuantity('1e3', 2)).toBe('2e3');
    expect(multiplyQuantity('128', 2)).toBe('256');
  });
  test('agrees with the parsed value', () => {
    for (const value of ['1.5Gi', '0.1Mi', '3.75Ki', '7']) expect(parseQuantity(multiplyQuantity(value, 2)!)).toBeCloseTo(parseQuantity(value)! * 2);
  });
  test('gives undefined for what is not a quantity', () => {
    expect(multiplyQuantity('lots', 2)).toBeUndefined();
    expect(multiplyQuantity('1.5 Gi', 2)).toBeUndefined();
  });
});
