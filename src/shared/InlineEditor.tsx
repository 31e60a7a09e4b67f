import React, { useEffect, useRef, useState } from 'react';

import { ErrorMessage, messageOf } from './ErrorMessage';

/** Properties of {@link InlineEditor}. */
export interface IInlineEditorProps {
  /** The field's accessible name. */
  label: string;
  /** The text to start from. */
  value: string;
  /** A text area (Enter makes a new line; Ctrl/Cmd+Enter saves) instead of one line. */
  multiline?: boolean;
  /** A hint under the field. */
  hint?: string;
  /** The save button's label. */
  saveLabel?: string;
  /**
   * Save the text; a rejection's message (the server's) is shown under the field, which
   * keeps the text as typed.
   */
  onSave(value: string): Promise<unknown>;
  /** Leave the editor without saving (Cancel, Escape). */
  onCancel(): void;
}

/**
 * A field with Save and Cancel that edits in place: Enter (Ctrl/Cmd+Enter in a text area)
 * saves, Escape cancels, and a refused save says why under the field.
 */
export function InlineEditor({
  label,
  value,
  multiline = false,
  hint,
  saveLabel = 'Save',
  onSave,
  onCancel
}: IInlineEditorProps): JSX.Element {
  const [text, setText] = useState(value);
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const field = useRef<HTMLInputElement & HTMLTextAreaElement>(null);
  const mounted = useRef(true);

  useEffect(() => {
    field.current?.focus();
    field.current?.select();
    return () => {
      mounted.current = false;
    };
  }, []);

  const save = async () => {
    if (saving) {
      return;
    }
    setSaving(true);
    setError(null);
    try {
      await onSave(text);
    } catch (reason) {
      if (mounted.current) {
        setError(messageOf(reason));
      }
    } finally {
      if (mounted.current) {
        setSaving(false);
      }
    }
  };

  const onKeyDown = (event: React.KeyboardEvent) => {
    if (event.key === 'Escape') {
      event.preventDefault();
      event.stopPropagation();
      onCancel();
    } else if (
      event.key === 'Enter' &&
      (!multiline || event.ctrlKey || event.metaKey)
    ) {
      event.preventDefault();
      void save();
    }
  };

  const props = {
    ref: field,
    className: 'jp-mod-styled jp-MlopsInlineEditor-field',
    'aria-label': label,
    'aria-invalid': error !== null,
    value: text,
    spellCheck: false,
    disabled: saving,
    onKeyDown,
    onChange: (
      event: React.ChangeEvent<HTMLInputElement | HTMLTextAreaElement>
    ) => setText(event.target.value)
  };
  return (
    <div
      className={`jp-MlopsInlineEditor${multiline ? ' jp-mod-multiline' : ''}`}
    >
      {multiline ? (
        <textarea
          rows={Math.min(12, Math.max(3, text.split('\n').length + 1))}
          {...props}
        />
      ) : (
        <input type="text" {...props} />
      )}
      <div className="jp-MlopsInlineEditor-buttons">
        <button
          type="button"
          className="jp-Button jp-mod-styled jp-mod-accept"
          disabled={saving}
          onClick={() => void save()}
        >
          {saveLabel}
        </button>
        <button
          type="button"
          className="jp-Button jp-mod-styled jp-mod-reject"
          disabled={saving}
          onClick={onCancel}
        >
          Cancel
        </button>
      </div>
      {hint && <p className="jp-MlopsInlineEditor-hint">{hint}</p>}
      <ErrorMessage message={error} />
    </div>
  );
}
