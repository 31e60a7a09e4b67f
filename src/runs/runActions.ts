/**
 * Deleting a run with an Undo: the run is deleted softly at once, and a notification
 * offers to restore it.
 */
import { Notification } from '@jupyterlab/apputils';

import { IRunDetail } from '../api/types';
import { messageOf } from '../shared/ErrorMessage';

/** What deleting and restoring ask of the API client. */
export interface IRunDeleteClient {
  deleteRun(runId: string): Promise<IRunDetail>;
  restoreRun(runId: string): Promise<IRunDetail>;
}

/** How long the Undo stays offered, in milliseconds. */
export const UNDO_MS = 10000;

/**
 * Delete a run (it leaves the lists and can be restored) and offer Undo in a
 * notification. Rejects with the server's message when the delete fails.
 */
export async function deleteWithUndo(
  client: IRunDeleteClient,
  runId: string
): Promise<IRunDetail> {
  const run = await client.deleteRun(runId);
  const id = Notification.info(`Run ${run.name} deleted.`, {
    autoClose: UNDO_MS,
    actions: [
      {
        label: 'Undo',
        caption: `Restore run ${run.name}`,
        callback: () => {
          Notification.dismiss(id);
          void restoreNotified(client, runId);
        }
      }
    ]
  });
  return run;
}

/**
 * Restore a deleted run; a failure is shown as a notification with the server's message.
 * Resolves with the run, or null when it failed.
 */
export async function restoreNotified(
  client: Pick<IRunDeleteClient, 'restoreRun'>,
  runId: string
): Promise<IRunDetail | null> {
  try {
    return await client.restoreRun(runId);
  } catch (reason) {
    Notification.error(`The run could not be restored: ${messageOf(reason)}`, {
      autoClose: false
    });
    return null;
  }
}
