import { waitForDialog } from '@jupyterlab/testing';
import { act, fireEvent, render, screen, within } from '@testing-library/react';
import React from 'react';

import { ModelsModel } from '../models/modelsModel';
import { ModelsSection } from '../models/ModelsSection';
import { CommandIDs } from '../shared/commands';
import { FakeModelsClient, pendingRequest, report } from './modelsFixtures';

async function renderSection(client = new FakeModelsClient()) {
  const model = new ModelsModel(client);
  const commands = { execute: jest.fn(async () => undefined) };
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
