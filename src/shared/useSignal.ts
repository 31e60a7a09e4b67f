import { ISignal } from '@lumino/signaling';
import { useEffect, useState } from 'react';

/**
 * Render again whenever `signal` is emitted: the models change in place, and a component
 * reading them needs only to know that they did.
 */
export function useSignal(signal: ISignal<unknown, void>): void {
  const [, setTick] = useState(0);
  useEffect(() => {
    const onChange = () => setTick(tick => tick + 1);
    signal.connect(onChange);
    return () => {
      signal.disconnect(onChange);
    };
  }, [signal]);
}
