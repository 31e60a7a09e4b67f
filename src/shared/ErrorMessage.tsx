import React from 'react';

/** Properties of {@link ErrorMessage}. */
export interface IErrorMessageProps {
  /** What went wrong, as the server or the action said it; null when nothing did. */
  message: string | null;
  /** The alert's DOM id, for a control that names it in `aria-describedby`. */
  id?: string;
}

/**
 * A failed request or action, shown as its readable message (as text) in an alert that
 * reads in the light and dark themes; nothing when there is no message.
 */
export function ErrorMessage({
  message,
  id
}: IErrorMessageProps): JSX.Element | null {
  if (message === null) {
    return null;
  }
  return (
    <div className="jp-MlopsPanel-error" role="alert" id={id}>
      {message}
    </div>
  );
}

/** A failure's readable message: an error's own, else the failure as text. */
export function messageOf(reason: unknown): string {
  return reason instanceof Error && reason.message
    ? reason.message
    : String(reason);
}
