import { noteUpdate, parseTags, tagChanges, tagsText } from '../runs/runEdits';

describe('run edits', () => {
  it('given tags, then they are written one key=value per line, sorted by key', () => {
    expect(tagsText({ team: 'ml', owner: 'ada=lovelace' })).toBe(
      'owner=ada=lovelace\nteam=ml'
    );
    expect(tagsText({})).toBe('');
  });

  it('given lines, then each is a tag split at its first "=", blank lines skipped and ends trimmed', () => {
    expect(parseTags(' team = ml \n\nurl=a=b\r\nempty=')).toEqual({
      tags: { team: 'ml', url: 'a=b', empty: '' },
      error: null
    });
  });

  it('given a line without "=", then the error names the line and says how to write it', () => {
    expect(parseTags('team=ml\noops')).toEqual({
      tags: null,
      error: 'Line 2 (oops) has no "=": write each tag as key=value.'
    });
  });

  it('given a key twice, then the error names the second line', () => {
    expect(parseTags('a=1\na=2').error).toBe(
      'Line 2 sets the tag a again: give each key once.'
    );
  });

  it('given a blank key, then it goes to the server, which says what is wrong with it', () => {
    expect(parseTags('=1')).toEqual({ tags: { '': '1' }, error: null });
  });

  it('given tags before and after, then the changes are the new and changed values and null for removed keys', () => {
    expect(
      tagChanges(
        { keep: '1', change: 'a', drop: 'x' },
        { keep: '1', change: 'b', add: 'new' }
      )
    ).toEqual({ change: 'b', add: 'new', drop: null });
    expect(tagChanges({ same: '1' }, { same: '1' })).toEqual({});
  });

  it('given a note, then a blank one is removed and another kept as written', () => {
    expect(noteUpdate('  \n ')).toEqual({ note: null });
    expect(noteUpdate('lr too high\n')).toEqual({ note: 'lr too high\n' });
  });
});
