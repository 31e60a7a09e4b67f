import {
  formatBytes,
  formatChange,
  formatCount,
  formatCountChange,
  formatDate,
  formatDuration,
  formatNumber,
  formatPercent,
  formatRelative,
  formatStatistic,
  formatTime
} from '../shared/format';

describe('formatNumber', () => {
  it('given integers, then they are whole with digit grouping', () => {
    expect(formatNumber(0)).toBe('0');
    expect(formatNumber(7)).toBe('7');
    expect(formatNumber(1200)).toBe('1,200');
    expect(formatNumber(-2_000_000)).toBe('-2,000,000');
  });

  it('given fractions, then they have five significant digits and no trailing zeros', () => {
    expect(formatNumber(0.9512345678)).toBe('0.95123');
    expect(formatNumber(0.3)).toBe('0.3');
    expect(formatNumber(4.3)).toBe('4.3');
    expect(formatNumber(39.7225)).toBe('39.723');
    expect(formatNumber(7.2275)).toBe('7.2275');
    expect(formatNumber(0.00012)).toBe('0.00012');
    expect(formatNumber(24954.57)).toBe('24,955');
  });

  it('given very small or very large values, then they are in exponent notation', () => {
    expect(formatNumber(1.74e-58)).toBe('1.74e-58');
    expect(formatNumber(0.000012345678)).toBe('1.2346e-5');
    expect(formatNumber(1.5e12 + 0.5)).toBe('1.5e+12');
    expect(formatNumber(1e20)).toBe('1e+20');
  });

  it('given nothing or no finite number, then it says so', () => {
    expect(formatNumber(null)).toBe('');
    expect(formatNumber(undefined)).toBe('');
    expect(formatNumber(NaN)).toBe('NaN');
    expect(formatNumber(-Infinity)).toBe('-Infinity');
  });
});

describe('formatBytes', () => {
  it('given sizes, then they are in powers of 1024 with B, KB, MB, GB', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1023)).toBe('1,023 B');
    expect(formatBytes(1024)).toBe('1.0 KB');
    expect(formatBytes(1536)).toBe('1.5 KB');
    expect(formatBytes(20 * 1024)).toBe('20 KB');
    expect(formatBytes(5_000_000)).toBe('4.8 MB');
    expect(formatBytes(3 * 1024 ** 3)).toBe('3.0 GB');
    expect(formatBytes(2 * 1024 ** 5)).toBe('2,048 TB');
  });
});

describe('counts, shares and changes', () => {
  it('given counts, then they are grouped', () => {
    expect(formatCount(10_000)).toBe('10,000');
  });

  it('given shares, then they are percentages to one decimal, and a tiny share is not 0%', () => {
    expect(formatPercent(0)).toBe('0%');
    expect(formatPercent(0.02)).toBe('2%');
    expect(formatPercent(0.0222)).toBe('2.2%');
    expect(formatPercent(0.15)).toBe('15%');
    expect(formatPercent(0.0004)).toBe('<0.1%');
    expect(formatPercent(1)).toBe('100%');
  });

  it('given changes, then they are signed, with their relative size for counts', () => {
    expect(formatChange(300)).toBe('+300');
    expect(formatChange(-1.5)).toBe('\u22121.5');
    expect(formatChange(0)).toBe('no change');
    expect(formatChange(null)).toBe('');
    expect(formatCountChange(2000, 2300, 300)).toBe('+300, +15%');
    expect(formatCountChange(0, 5, 5)).toBe('+5');
    expect(formatCountChange(null, 5, null)).toBe('');
  });

  it('given statistics, then they have three decimals, tiny p-values an exponent', () => {
    expect(formatStatistic(0.4448)).toBe('0.445');
    expect(formatStatistic(478.5)).toBe('478.5');
    expect(formatStatistic(2.98e-102)).toBe('2.98e-102');
    expect(formatStatistic(0)).toBe('0.000');
    expect(formatStatistic(null)).toBe('\u2014');
  });
});

describe('durations and times', () => {
  it('given seconds, then the duration reads in its largest two units', () => {
    expect(formatDuration(0.25)).toBe('250 ms');
    expect(formatDuration(4.2)).toBe('4.2 s');
    expect(formatDuration(4)).toBe('4 s');
    expect(formatDuration(12.4)).toBe('12 s');
    expect(formatDuration(59.6)).toBe('1 min 0 s');
    expect(formatDuration(185)).toBe('3 min 5 s');
    expect(formatDuration(2 * 3600 + 4 * 60 + 30)).toBe('2 h 4 min');
    expect(formatDuration(2 * 86400 + 3 * 3600)).toBe('2 d 3 h');
    expect(formatDuration(null)).toBe('');
  });

  it('given a time, then it is the full local date and time to the second', () => {
    const text = formatTime(Date.UTC(2024, 0, 2, 10, 0, 5));
    expect(text).toContain('2024');
    expect(text).toMatch(/\d:\d\d:05/);
    expect(formatTime(null)).toBe('');
  });

  it('given recent times, then they read as an age; older ones as a date', () => {
    const now = new Date(2024, 5, 15, 12, 0, 0).getTime();
    expect(formatRelative(now - 2_000, now)).toBe('just now');
    expect(formatRelative(now - 12_000, now)).toBe('12s ago');
    expect(formatRelative(now - 5 * 60_000, now)).toBe('5m ago');
    expect(formatRelative(now - 3 * 3_600_000, now)).toBe('3h ago');
    expect(formatRelative(now - 2 * 86_400_000, now)).toBe('2d ago');
    expect(formatRelative(new Date(2024, 2, 3).getTime(), now)).toBe(
      formatDate(new Date(2024, 2, 3).getTime(), now)
    );
    expect(formatDate(new Date(2023, 2, 3).getTime(), now)).toBe('2023-03-03');
  });
});
