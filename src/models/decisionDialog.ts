import { ITransitionRequest } from '../api/types';
import { editInDialog } from '../shared/EditDialog';
import { ModelsModel } from './modelsModel';

/**
 * Ask for a comment on approving or rejecting a request (a JupyterLab dialog), then
 * decide it. A refusal a different comment can mend (a rejection needs one) is shown in
 * the dialog, which asks again; the model keeps any other refusal beside the request.
 * Resolves once decided, refused or cancelled.
 */
export async function decideInDialog(
  model: ModelsModel,
  request: ITransitionRequest,
  approve: boolean
): Promise<void> {
  const what = `request #${request.id}: ${request.model} v${request.version} to ${request.to}`;
  await editInDialog({
    title: approve ? `Approve ${what}` : `Reject ${what}`,
    label: approve ? 'Comment (optional)' : 'Why is it rejected?',
    hint: approve
      ? `Approving moves ${request.to} to v${request.version}. The comment is kept in the model's history.`
      : "A rejection says why; the comment is kept in the model's history.",
    value: '',
    multiline: true,
    okLabel: approve ? 'Approve' : 'Reject',
    apply: comment => model.decide(request.id, approve, comment)
  });
}
