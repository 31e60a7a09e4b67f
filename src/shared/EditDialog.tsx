import { Dialog, ReactWidget } from '@jupyterlab/apputils';
import React, { useState } from 'react';

import { ErrorMessage, messageOf } from './ErrorMessage';

/** Options of {@link editInDialog}. */
export interface IEditDialogOptions<T> {
  /** The dialog's title, e.g. `Rename run train`. */
  title: string;
  /** The field's label. */
  label: string;
  /** The text to edit. */
  value: string;
  /** A text area (Enter makes a new line) instead of a one-line field. */
  multiline?: boolean;
  /** A hint under the field. */
  hint?: string;
  /** The accept button's label, e.g. `Rename`. */
  okLabel: string;
  /**
   * Apply the text. A rejection's message (the server's, or the edit's own) is shown in
   * the dialog, which asks again with the text as typed.
   */
  apply(value: string): Promise<T>;
}

/** Properties of {@link EditForm}. */
interface IEditFormProps {
  label: string;
  value: string;
  multiline: boolean;
  hint: string | null;
  error: string | null;
  onChange(value: string): void;
}

/** The dialog's body: the field, a hint and why the last try was refused. */
function EditForm({
  label,
  value,
  multiline,
  hint,
  error,
  onChange
}: IEditFormProps): JSX.Element {
  const [text, setText] = useState(value);
  const change = (next: string) => {
    setText(next);
    onChange(next);
  };
  return (
    <div className="jp-MlopsEditDialog">
      <label className="jp-MlopsEditDialog-label">
        <span>{label}</span>
        {multiline ? (
          <textarea
            className="jp-mod-styled jp-MlopsEditDialog-field"
            rows={6}
            value={text}
            spellCheck={false}
            aria-invalid={error !== null}
            onChange={event => change(event.target.value)}
          />
        ) : (
          <input
            type="text"
            className="jp-mod-styled jp-MlopsEditDialog-field"
            value={text}
            spellCheck={false}
            aria-invalid={error !== null}
            onChange={event => change(event.target.value)}
          />
        )}
      </label>
      {hint !== null && <p className="jp-MlopsEditDialog-hint">{hint}</p>}
      <ErrorMessage message={error} />
    </div>
  );
}

/** The dialog body widget: its value is the text as typed. */
class EditBody extends ReactWidget implements Dialog.IBodyWidget<string> {
  constructor(private readonly _props: Omit<IEditFormProps, 'onChange'>) {
    super();
    this._value = _props.value;
  }

  getValue(): string {
    return this._value;
  }

  protected render(): JSX.Element {
    return (
      <EditForm {...this._props} onChange={value => (this._value = value)} />
    );
  }

  private _value: string;
}

/**
 * Ask for a text in a JupyterLab dialog and apply it; a refusal is shown in the dialog,
 * which stays until the text is accepted or the dialog cancelled. Resolves with what
 * `apply` answered, or null when cancelled.
 */
export async function editInDialog<T>(
  options: IEditDialogOptions<T>
): Promise<T | null> {
  let value = options.value;
  let error: string | null = null;
  for (;;) {
    const result = await new Dialog<string>({
      title: options.title,
      body: new EditBody({
        label: options.label,
        value,
        multiline: options.multiline ?? false,
        hint: options.hint ?? null,
        error
      }),
      buttons: [
        Dialog.cancelButton(),
        Dialog.okButton({ label: options.okLabel })
      ],
      focusNodeSelector: options.multiline ? 'textarea' : 'input'
    }).launch();
    if (!result.button.accept || result.value === null) {
      return null;
    }
    value = result.value;
    try {
      return await options.apply(value);
    } catch (reason) {
      error = messageOf(reason);
    }
  }
}
