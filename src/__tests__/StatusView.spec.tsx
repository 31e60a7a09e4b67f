import { act, fireEvent, render, screen } from '@testing-library/react';
import React from 'react';

import { IStatus } from '../api/types';
import { StatusView } from '../panel/StatusView';

const status: IStatus = {
  version: '0.1.0',
  store: {
    kind: 'sqlite',
    url: 'sqlite:////home/ada/project/.mlops/mlops.sqlite',
    artifacts: '/home/ada/project/.mlops/artifacts',
    source: 'found /home/ada/project/.mlops'
  },
  counts: {
    experiments: 2,
    runs: 12,
    runs_complete: true,
    datasets: 0,
    models: 0
  }
};

async function renderWith(getStatus: () => Promise<IStatus>) {
  const source = { getStatus: jest.fn(getStatus) };
  await act(async () => {
    render(<StatusView source={source} />);
  });
  return source;
}

describe('StatusView', () => {
  it('given a status, then it shows the version, the store and the counts', async () => {
    await renderWith(async () => status);
    expect(screen.getByText('0.1.0')).toBeTruthy();
    expect(screen.getByText('sqlite')).toBeTruthy();
    expect(
      screen.getByText('sqlite:////home/ada/project/.mlops/mlops.sqlite')
    ).toBeTruthy();
    expect(screen.getByText('12')).toBeTruthy();
  });

  it('given more runs than the count goes to, then the runs count ends with a +', async () => {
    await renderWith(async () => ({
      ...status,
      counts: { ...status.counts, runs: 100000, runs_complete: false }
    }));
    expect(document.querySelector('[data-field="runs"]')?.textContent).toBe(
      '100,000+'
    );
  });

  it('given a value with markup, then it is rendered as text, never as HTML', async () => {
    const hostile = {
      ...status,
      store: { ...status.store, url: '<img src=x onerror=alert(1)>' }
    };
    const { container } = { container: document.body };
    await renderWith(async () => hostile);
    expect(screen.getByText('<img src=x onerror=alert(1)>')).toBeTruthy();
    expect(container.querySelector('img')).toBeNull();
  });

  it('given a failing server, then its message is shown, and Refresh recovers', async () => {
    let fail = true;
    const source = await renderWith(async () => {
      if (fail) {
        throw new Error('cannot reach the store at sqlite:///x');
      }
      return status;
    });
    expect(screen.getByRole('alert').textContent).toBe(
      'cannot reach the store at sqlite:///x'
    );
    fail = false;
    await act(async () => {
      fireEvent.click(screen.getByLabelText('Refresh the store status'));
    });
    expect(source.getStatus).toHaveBeenCalledTimes(2);
    expect(screen.queryByRole('alert')).toBeNull();
    expect(screen.getByText('0.1.0')).toBeTruthy();
  });

  it('given a panel still painting its first rows, when inactive, then it asks nothing until active', async () => {
    const source = { getStatus: jest.fn(async () => status) };
    let rerender: (ui: React.ReactElement) => void = () => undefined;
    await act(async () => {
      ({ rerender } = render(<StatusView source={source} active={false} />));
    });
    expect(source.getStatus).not.toHaveBeenCalled();
    expect(screen.getByText('Store')).toBeTruthy();

    await act(async () => {
      rerender(<StatusView source={source} active={true} />);
    });
    expect(source.getStatus).toHaveBeenCalledTimes(1);
    expect(screen.getByText('sqlite store · mlops.sqlite')).toBeTruthy();
  });
});
