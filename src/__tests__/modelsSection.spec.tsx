import { waitForDialog } from '@jupyterlab/testing';
import { act, fireEvent, render, screen, within } from '@testing-library/react';
import React from 'react';

import { ModelsModel } from '../models/modelsModel';
import { ModelsSection } from '../models/ModelsSection';
import { CommandIDs } from '../shared/commands';
import { FakeModelsClient, pendingRequest, report } from './modelsFixtures';

async function renderSection(
  client = new FakeModelsClient(),
  commands: {
    execute: jest.Mock;
    hasCommand?: (id: string) => boolean;
  } = { execute: jest.fn(async () => undefined) }
) {
  const model = new ModelsModel(client);
  let container: HTMLElement = document.body;
  await act(async () => {
    ({ container } = render(
      <ModelsSection model={model} commands={commands} />
    ));
    await model.load();
  });
  return { client, model, commands, container };
}

async function open(container: HTMLElement, name: string): Promise<void> {
  await act(async () => {
    fireEvent.click(
      container.querySelector(`[data-model="${name}"]`) as HTMLElement
    );
  });
}

const request = (container: HTMLElement, id: number): HTMLElement =>
  container.querySelector(`[data-request-id="${id}"]`) as HTMLElement;

const recommendationCard = (container: HTMLElement, id: number): HTMLElement =>
  container.querySelector(`[data-recommendation-id="${id}"]`) as HTMLElement;

/** The open dialog's field, once its body has rendered. */
async function dialogField(): Promise<HTMLTextAreaElement> {
  await waitForDialog();
  for (let tries = 0; tries < 100; tries++) {
    const field = document.querySelector<HTMLTextAreaElement>(
      '.jp-Dialog textarea'
    );
    if (field) {
      return field;
    }
    await act(() => new Promise(resolve => setTimeout(resolve, 10)));
  }
  throw new Error('the dialog has no comment field');
}

/** Press a request's button, which opens a dialog. */
async function press(card: HTMLElement, name: string): Promise<void> {
  await act(async () => {
    fireEvent.click(within(card).getByRole('button', { name }));
    await new Promise(resolve => setTimeout(resolve, 20));
  });
}

/** Type a comment into the open dialog and press its accept button. */
async function answerDialog(comment: string): Promise<void> {
  const field = await dialogField();
  fireEvent.change(field, { target: { value: comment } });
  await act(async () => {
    (
      document.querySelector('.jp-Dialog .jp-mod-accept') as HTMLElement
    ).click();
    await new Promise(resolve => setTimeout(resolve, 20));
  });
}

/** Wait until `check` holds (the model reloads after a decision). */
async function until(check: () => boolean): Promise<void> {
  for (let tries = 0; tries < 100 && !check(); tries++) {
    await act(() => new Promise(resolve => setTimeout(resolve, 10)));
  }
  expect(check()).toBe(true);
}

describe('ModelsSection', () => {
  afterEach(() => {
    document.querySelectorAll('.jp-Dialog').forEach(dialog => dialog.remove());
  });

  it('given registered models, then each shows its latest version, its aliases and how many requests wait', async () => {
    const { container } = await renderSection();
    const churn = container.querySelector('[data-model="churn"]')!;
    expect(churn.textContent).toContain('churn');
    expect(churn.textContent).toContain('v2');
    expect(churn.textContent).toContain('champion: v1');
    expect(churn.textContent).toContain('staging: v2');
    expect(churn.textContent).toContain('1 pending');
    expect(churn.querySelector('[data-alias="champion"]')!.classList).toContain(
      'jp-mod-protected'
    );
    const fraud = container.querySelector('[data-model="fraud"]')!;
    expect(fraud.textContent).toContain('no versions');
    expect(fraud.textContent).not.toContain('pending');
    expect(screen.getByText('Protected: champion, production')).toBeTruthy();
  });

  it('given no registered model, then the section says how to register one', async () => {
    const client = new FakeModelsClient();
    client.listModels.mockResolvedValueOnce({
      models: [],
      protected_aliases: [],
      allow_self_approval: false
    });
    await renderSection(client);
    expect(screen.getByRole('note').textContent).toContain('--register');
  });

  it('given a model opened, then its pending request shows the check report: condition, outcome, decision, estimates with intervals, sample sizes and budget', async () => {
    const { container } = await renderSection();
    await open(container, 'churn');
    const card = request(container, 3);
    expect(card.textContent).toContain('#3 v2 → champion');
    expect(card.textContent).toContain('now v1');
    expect(card.textContent).toContain('asked by ada');
    expect(card.textContent).toContain('churn/test@v1');
    const reportView = within(card).getByLabelText('Check report');
    expect(reportView.textContent).toContain('n - o > 0.02 +/- 0.05');
    expect(
      reportView.querySelector('.jp-MlopsModels-outcome.jp-mod-pass')
    ).toBeTruthy();
    expect(reportView.textContent).toContain('outcome pass');
    expect(reportView.textContent).toContain('decision pass');
    expect(reportView.textContent).toContain('reliability 0.99');
    expect(reportView.textContent).toContain('2,000 used, 1,560 needed');
    const clause = within(reportView).getByRole('listitem');
    expect(clause.textContent).toContain('clause pass');
    expect(clause.textContent).toContain(
      'estimate 0.125 in [0.075, 0.175], needs 1,560 examples (hoeffding)'
    );
    expect(reportView.textContent).toContain('n = 0.9, o = 0.775');
    expect(reportView.textContent).toContain('3 of 4 checks left');
    // The reason is the user's text, shown as text.
    expect(card.textContent).toContain('better recall <b>on</b> churners');
    expect(card.querySelector('b')).toBeNull();
  });

  it("given a request whose new model's predict failed, then its report shows the error", async () => {
    const client = new FakeModelsClient();
    client.pending = [
      pendingRequest({
        report: {
          ...report,
          outcome: 'fail',
          decision: 'fail',
          clauses: [],
          estimates: {},
          error: 'ValueError: X has 3 features, but the model expects 4',
          failed_model: 'new'
        }
      })
    ];
    const { container } = await renderSection(client);
    await open(container, 'churn');
    const alert = within(request(container, 3)).getByRole('alert');
    expect(alert.textContent).toBe(
      "The new model's predict failed: ValueError: X has 3 features, but the model expects 4"
    );
  });

  it('given a model opened, then its versions link to their run, their training data and their lineage', async () => {
    const { container, commands } = await renderSection();
    await open(container, 'churn');
    const v2 = container.querySelector('[data-model-version="2"]')!;
    expect(v2.querySelector('[data-alias="staging"]')).toBeTruthy();
    fireEvent.click(within(v2 as HTMLElement).getByText(/^run/));
    expect(commands.execute).toHaveBeenLastCalledWith(CommandIDs.openRun, {
      runId: '2a2b3c4d5e6f708192a3b4c5d6e7f809'
    });
    fireEvent.click(
      within(v2 as HTMLElement).getByText('trained on data/train.csv@v2')
    );
    expect(commands.execute).toHaveBeenLastCalledWith(
      CommandIDs.showDatasetVersion,
      { dataset: 'data/train.csv', versionId: 42 }
    );
    fireEvent.click(
      within(v2 as HTMLElement).getByRole('button', {
        name: 'Lineage of v2 of churn'
      })
    );
    expect(commands.execute).toHaveBeenLastCalledWith(CommandIDs.openLineage, {
      kind: 'model_version',
      nodeId: '12'
    });
  });

  it('given the history, then it lists who did what, newest first, with the comments', async () => {
    const { container } = await renderSection();
    await open(container, 'churn');
    const events = within(screen.getByRole('list', { name: 'History' }))
      .getAllByRole('listitem')
      .map(item => item.textContent);
    expect(events[0]).toContain('rejected request #2: champion to v2');
    expect(events[0]).toContain('bob');
    expect(events[0]).toContain('recall too low');
    expect(events[1]).toContain('moved champion to v1 by request #1');
    expect(events[2]).toContain('registered v1');
  });

  it('given a pending request, when approved with a comment, then the alias moves and the decision is in the history', async () => {
    const { container, client } = await renderSection();
    await open(container, 'churn');
    await press(request(container, 3), 'Approve');
    await answerDialog('beats v1 on the held-out set');
    await until(() => request(container, 3) === null);
    expect(client.approveTransitionRequest).toHaveBeenCalledWith(
      3,
      'beats v1 on the held-out set'
    );
    const churn = container.querySelector('[data-model="churn"]')!;
    expect(churn.textContent).toContain('champion: v2');
    expect(churn.textContent).not.toContain('pending');
    const latest = within(
      screen.getByRole('list', { name: 'History' })
    ).getAllByRole('listitem')[0].textContent!;
    expect(latest).toContain('approved request #3: champion to v2');
    expect(latest).toContain('beats v1 on the held-out set');
    expect(screen.getByText('No request waits for a decision.')).toBeTruthy();
  });

  it('given a rejection without a comment, then the dialog shows the server asking why and a comment then rejects it', async () => {
    const { container, client } = await renderSection();
    await open(container, 'churn');
    client.refuse = {
      status: 400,
      message: 'a rejection needs a comment saying why'
    };
    await press(request(container, 3), 'Reject');
    await answerDialog('');
    await dialogField();
    await until(
      () =>
        document.querySelector('.jp-Dialog [role="alert"]')?.textContent ===
        'a rejection needs a comment saying why'
    );
    await answerDialog('worse on churners');
    await until(() => request(container, 3) === null);
    expect(client.rejectTransitionRequest).toHaveBeenLastCalledWith(
      3,
      'worse on churners'
    );
    expect(document.querySelector('.jp-Dialog')).toBeNull();
  });

  it("given approving one's own request is refused, then the server's message shows beside the request, which still waits", async () => {
    const { container, client } = await renderSection();
    await open(container, 'churn');
    const message =
      'request 3 is yours (ada): on this store another person must approve it';
    client.refuse = { status: 403, message };
    await press(request(container, 3), 'Approve');
    await answerDialog('');
    await until(() => document.querySelector('.jp-Dialog') === null);
    const card = request(container, 3);
    expect(within(card).getByRole('alert').textContent).toBe(message);
    expect(
      within(card)
        .getByRole('button', { name: 'Approve' })
        .getAttribute('aria-describedby')
    ).toBe('jp-MlopsModels-requestError-3');
    expect(
      container.querySelector('[data-model="churn"]')!.textContent
    ).toContain('champion: v1');
  });
});

describe('ModelsSection: retraining recommendations', () => {
  afterEach(() => {
    document.querySelectorAll('.jp-Dialog').forEach(dialog => dialog.remove());
  });

  it('given a pending recommendation, then the model list counts it beside the pending requests', async () => {
    const { container } = await renderSection();
    const churn = container.querySelector('[data-model="churn"]')!;
    expect(churn.textContent).toContain('1 pending');
    expect(churn.textContent).toContain('1 recommendation');
    expect(
      container.querySelector('[data-model="fraud"]')!.textContent
    ).not.toContain('recommendation');
  });

  it('given a model opened, then its recommendations show pending first: action, the data compared, the reasons as text and the drifted columns with their figures', async () => {
    const { container, commands } = await renderSection();
    await open(container, 'churn');
    const items = within(
      screen.getByRole('list', { name: 'Retraining recommendations' })
    ).getAllByRole('listitem', { name: /^Recommendation/ });
    expect(
      items.map(item => item.getAttribute('data-recommendation-id'))
    ).toEqual(['4', '2']);
    const card = recommendationCard(container, 4);
    expect(card.querySelector('[data-action]')!.textContent).toBe('retrain');
    expect(card.querySelector('[data-status]')!.textContent).toBe('pending');
    expect(card.textContent).toContain('#4 v2');
    expect(card.textContent).toContain('new training data');
    expect(card.textContent).toContain('data/train.csv@v2→data/train.csv@v3');
    expect(card.textContent).toContain('1,000 → 1,200 rows');
    const reasons = within(card)
      .getAllByRole('listitem')
      .filter(item => item.closest('[aria-label="Reasons"]'))
      .map(item => item.textContent);
    expect(reasons[0]).toContain('column a drifted: PSI 0.842 >= 0.2');
    // The reasons are shown as text, never as markup.
    expect(reasons[1]).toBe(
      'column <i>c</i> is new (the model was not trained on it)'
    );
    expect(card.querySelector('i')).toBeNull();
    const drifted = within(card).getByRole('table', {
      name: 'Drifted columns'
    });
    expect(
      drifted.querySelector('[data-drifted-column="a"]')!.textContent
    ).toBe('aPSI 0.842, KS 0.410 (p 1.20e-30)');
    expect(drifted.querySelector('[data-drifted-column="b"]')).toBeNull();
    expect(within(card).getByRole('button', { name: 'Accept' })).toBeTruthy();
    expect(within(card).getByRole('button', { name: 'Dismiss' })).toBeTruthy();
    fireEvent.click(within(card).getByText('data/train.csv@v3'));
    expect(commands.execute).toHaveBeenLastCalledWith(
      CommandIDs.showDatasetVersion,
      { dataset: 'data/train.csv', versionId: 43 }
    );
  });

  it('given a decided recommendation and a Jobs tab, then it shows who decided, why and its job as a link to the Jobs tab', async () => {
    const commands = {
      execute: jest.fn(async () => undefined),
      hasCommand: (id: string) => id === 'mlops-jlab:show-job'
    };
    const { container } = await renderSection(undefined, commands);
    await open(container, 'churn');
    const card = recommendationCard(container, 2);
    expect(card.querySelector('[data-status]')!.textContent).toBe('accepted');
    expect(card.textContent).toContain('accepted by bob');
    expect(card.textContent).toContain('retrain on <b>March</b> data');
    expect(card.querySelector('b')).toBeNull();
    expect(card.textContent).toContain(
      'retraining job 9f8e7d6c5b4a39281706f5e4d3c2b1a0 of pipeline train v3 started'
    );
    expect(within(card).queryByRole('button', { name: 'Accept' })).toBeNull();
    fireEvent.click(
      within(card).getByRole('button', { name: /Show job 9f8e7d6c/ })
    );
    expect(commands.execute).toHaveBeenLastCalledWith('mlops-jlab:show-job', {
      jobId: '9f8e7d6c5b4a39281706f5e4d3c2b1a0'
    });
  });

  it('given no Jobs tab, then the retraining job is its id as text', async () => {
    const { container } = await renderSection();
    await open(container, 'churn');
    const card = recommendationCard(container, 2);
    expect(within(card).queryByRole('button', { name: /Show job/ })).toBeNull();
    expect(card.textContent).toContain('job 9f8e7d6c5b4a39281706f5e4d3c2b1a0');
  });

  it('given a pending recommendation, when accepted with a comment, then it shows accepted by the user with what it did, and the list no longer counts it', async () => {
    const { container, client } = await renderSection();
    await open(container, 'churn');
    await press(recommendationCard(container, 4), 'Accept');
    expect(document.querySelector('.jp-Dialog')!.textContent).toContain(
      'Accept recommendation #4: retrain churn v2'
    );
    await answerDialog('the new data is the new normal');
    await until(
      () =>
        recommendationCard(container, 4)?.querySelector('[data-status]')
          ?.textContent === 'accepted'
    );
    expect(client.acceptRecommendation).toHaveBeenCalledWith(
      4,
      'the new data is the new normal'
    );
    const card = recommendationCard(container, 4);
    expect(card.textContent).toContain('accepted by carol');
    expect(card.textContent).toContain('the new data is the new normal');
    expect(card.textContent).toContain(
      'retraining requested: v2 is tagged retrain'
    );
    expect(
      container.querySelector('[data-model="churn"]')!.textContent
    ).not.toContain('recommendation');
    expect(document.querySelector('.jp-Dialog')).toBeNull();
  });

  it('given a dismissal without a reason, then the dialog shows the server asking why, and a reason then dismisses it', async () => {
    const { container, client } = await renderSection();
    await open(container, 'churn');
    await press(recommendationCard(container, 4), 'Dismiss');
    await answerDialog('');
    await dialogField();
    await until(
      () =>
        document.querySelector('.jp-Dialog [role="alert"]')?.textContent ===
        "dismissing a recommendation needs a reason saying why (e.g. 'the shift is seasonal')"
    );
    expect(
      recommendationCard(container, 4).querySelector('[data-status]')!
        .textContent
    ).toBe('pending');
    await answerDialog('the shift is seasonal');
    await until(
      () =>
        recommendationCard(container, 4)?.querySelector('[data-status]')
          ?.textContent === 'dismissed'
    );
    expect(client.dismissRecommendation).toHaveBeenLastCalledWith(
      4,
      'the shift is seasonal'
    );
    const card = recommendationCard(container, 4);
    expect(card.textContent).toContain('dismissed by carol');
    expect(card.textContent).toContain('the shift is seasonal');
    expect(document.querySelector('.jp-Dialog')).toBeNull();
  });

  it('given a recommendation decided meanwhile, then the refusal shows beside it, which still offers the buttons', async () => {
    const { container, client } = await renderSection();
    await open(container, 'churn');
    const message =
      'recommendation 4 was already accepted by bob; it cannot be accepted: a decision is final';
    client.refuse = { status: 409, message };
    await press(recommendationCard(container, 4), 'Accept');
    await answerDialog('');
    await until(() => document.querySelector('.jp-Dialog') === null);
    const card = recommendationCard(container, 4);
    expect(within(card).getByRole('alert').textContent).toBe(message);
    expect(
      within(card)
        .getByRole('button', { name: 'Accept' })
        .getAttribute('aria-describedby')
    ).toBe('jp-MlopsModels-recommendationError-4');
  });
});
