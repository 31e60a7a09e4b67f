import { describeEvent, eventComment } from '../models/historyText';
import { datasetOf } from '../models/ModelVersions';

const event = (
  kind: string,
  version: number | null,
  details: Record<string, unknown>
) => ({ id: 1, kind, version, actor: 'ada', created_at: 0, details });

describe('model history text', () => {
  it('given each kind of event, then it reads as what happened', () => {
    expect(describeEvent(event('registered', 3, { version: 3 }))).toBe(
      'registered v3'
    );
    expect(
      describeEvent(
        event('alias_set', 3, { alias: 'staging', version: 3, previous: 2 })
      )
    ).toBe('moved staging to v3 (was v2)');
    expect(
      describeEvent(
        event('alias_removed', null, { alias: 'staging', version: 3 })
      )
    ).toBe('removed staging (was v3)');
    expect(
      describeEvent(
        event('request_created', 3, {
          request_id: 7,
          to: 'champion',
          status: 'failed',
          outcome: 'fail'
        })
      )
    ).toBe('asked to move champion to v3 (request #7, check fail, failed)');
    expect(
      describeEvent(
        event('request_approved', 3, { request_id: 7, to: 'champion' })
      )
    ).toBe('approved request #7: champion to v3');
    expect(
      describeEvent(
        event('recommendation_made', 3, {
          recommendation_id: 4,
          action: 'retrain',
          dataset: 'train.csv@v2',
          drifted_columns: ['a', 'b']
        })
      )
    ).toBe('recommendation #4 (retrain) for v3 on train.csv@v2, drifted: a, b');
    expect(
      describeEvent(
        event('recommendation_accepted', 3, {
          recommendation_id: 4,
          action: 'retrain',
          outcome: 'retraining requested: v3 is tagged retrain'
        })
      )
    ).toBe(
      'accepted recommendation #4 (retrain) for v3: retraining requested: v3 is tagged retrain'
    );
    expect(
      describeEvent(
        event('recommendation_dismissed', 3, {
          recommendation_id: 4,
          action: 'keep',
          comment: 'seasonal'
        })
      )
    ).toBe('dismissed recommendation #4 (keep) for v3');
    expect(describeEvent(event('renamed', 3, {}))).toBe('renamed v3');
  });

  it('given a comment or a reason, then it is the event comment', () => {
    expect(eventComment(event('request_rejected', 3, { comment: 'no' }))).toBe(
      'no'
    );
    expect(eventComment(event('request_created', 3, { reason: 'why' }))).toBe(
      'why'
    );
    expect(eventComment(event('registered', 3, {}))).toBeNull();
  });

  it('given a dataset version label, then its dataset is the part before @v', () => {
    expect(datasetOf('data/x@v2.csv@v12')).toBe('data/x@v2.csv');
    expect(datasetOf('wine')).toBe('wine');
  });
});
