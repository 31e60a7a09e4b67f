import {
  initialValue,
  parseValue,
  readForm,
  readSweep,
  splitList
} from '../pipelines/parameters';
import { makeVersion } from './jobsFixtures';

const schema = makeVersion().parameters;

describe('the parameter form', () => {
  it.each([
    ['int', '12', 12],
    ['int', ' -3 ', -3],
    ['float', '0.01', 0.01],
    ['float', '1e-3', 0.001],
    ['float', '2', 2],
    ['bool', 'yes', true],
    ['bool', 'False', false],
    ['str', ' spaced ', ' spaced '],
    ['list', '[1, 2]', [1, 2]],
    ['list', "['a', 'b']", ['a', 'b']],
    ['list', '(1, 2)', [1, 2]],
    ['dict', '{"depth": 3}', { depth: 3 }],
    ['dict', "{'on': True}", { on: true }],
    ['any', 'None', null],
    ['any', 'word', 'word']
  ])(
    'given a %s field holding %j, then it is read as %j',
    (type, text, value) => {
      expect(parseValue(type, text)).toEqual({ ok: true, value });
    }
  );

  it.each([
    ['int', '1.5', 'takes a whole number, such as 3'],
    ['int', '', 'takes a whole number, such as 3'],
    ['float', 'fast', 'takes a number, such as 0.01 or 1e-3'],
    ['float', 'Infinity', 'takes a number, such as 0.01 or 1e-3'],
    ['bool', 'maybe', 'takes true or false'],
    ['list', '3', 'takes a list, such as [1, 2, 3] or ["a", "b"]'],
    ['dict', '[1]', 'takes a dict, such as {"depth": 3}'],
    ['any', '  ', 'takes a value; write null for none']
  ])(
    'given a %s field holding %j, then it says what to fix: %s',
    (type, text, error) => {
      expect(parseValue(type, text)).toEqual({ ok: false, error });
    }
  );

  it("given a schema, then the fields start from the notebook's defaults, or a job's values", () => {
    expect(schema.map(p => initialValue(p))).toEqual([
      '0.1',
      '3',
      true,
      'rf',
      '[8,4]'
    ]);
    expect(initialValue(schema[0], { lr: 0.5 })).toBe('0.5');
    expect(initialValue(schema[2], { scale: false })).toBe(false);
  });

  it('given fields edited, then only the changed parameters are sent, typed; a bad one is explained and blocks', () => {
    const initial = Object.fromEntries(
      schema.map(p => [p.name, initialValue(p)])
    );
    const edited = { ...initial, lr: '0.5', scale: false };
    expect(readForm(schema, edited, initial)).toEqual({
      values: { lr: 0.5, scale: false },
      errors: {}
    });

    const bad = { ...edited, depth: 'deep' };
    expect(readForm(schema, bad, initial).errors).toEqual({
      depth: 'takes a whole number, such as 3'
    });
  });

  it('given lists of values, then a sweep grid of every combination is read, and a bad value is named', () => {
    expect(splitList('1, [2, 3], "a, b" ,')).toEqual(['1', '[2, 3]', '"a, b"']);
    const sweep = readSweep(schema, {
      lr: '0.1, 0.01',
      depth: '2,4,8',
      model: "rf, 'svm'"
    });
    expect(sweep.grid).toEqual({
      lr: [0.1, 0.01],
      depth: [2, 4, 8],
      model: ['rf', 'svm']
    });
    expect(sweep.combinations).toBe(12);
    expect(sweep.errors).toEqual({});

    const bad = readSweep(schema, { depth: '2, 2.5' });
    expect(bad.errors).toEqual({
      depth: '"2.5" takes a whole number, such as 3'
    });
    expect(readSweep(schema, {}).combinations).toBe(0);
  });
});
