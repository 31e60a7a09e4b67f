import { IRecommendation, ITransitionRequest } from '../api/types';
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

/** What accepting a recommendation does, in the dialog's hint. */
function acceptHint(recommendation: IRecommendation): string {
  if (recommendation.action === 'keep') {
    return `Accepting keeps v${recommendation.version}: nothing runs.`;
  }
  return `Accepting retrains v${recommendation.version}: a job of the pipeline that trained it starts, or, when no job trained it, the version is tagged retrain=requested.`;
}

/**
 * Ask for a comment on accepting a retraining recommendation, or for the reason to
 * dismiss it (the same dialog as a request's decision), then decide it. The server's
 * refusal of a missing reason is shown in the dialog, which asks again.
 */
export async function decideRecommendationInDialog(
  model: ModelsModel,
  recommendation: IRecommendation,
  accept: boolean
): Promise<void> {
  const what = `recommendation #${recommendation.id}: ${recommendation.action} ${recommendation.model} v${recommendation.version}`;
  await editInDialog({
    title: accept ? `Accept ${what}` : `Dismiss ${what}`,
    label: accept ? 'Comment (optional)' : 'Why is it dismissed?',
    hint: accept
      ? `${acceptHint(recommendation)} The comment is kept in the model's history.`
      : "A dismissal says why (e.g. the shift is seasonal); the reason is kept in the model's history.",
    value: '',
    multiline: true,
    okLabel: accept ? 'Accept' : 'Dismiss',
    apply: text => model.decideRecommendation(recommendation.id, accept, text)
  });
}
