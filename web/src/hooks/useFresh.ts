import { useState } from 'react';

/** A create form that starts afresh once it saved or was cancelled: its parent keys it with this (remounts it). */
export function useFresh(): [number, () => void] {
  const [key, setKey] = useState(0);
  return [key, () => setKey((k) => k + 1)];
}
