import { useEffect, useId, useRef, type ReactNode } from 'react';

/** A modal dialog, open while mounted; Escape or the caller's buttons call `onClose`. */
export function Dialog({
  title,
  onClose,
  wide = false,
  children,
}: {
  title: string;
  onClose: () => void;
  wide?: boolean;
  children: ReactNode;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const titleId = useId();

  useEffect(() => {
    const el = dialog.current;
    el?.showModal();
    return () => el?.close();
  }, []);

  return (
    // React passes a nested dialog's close up its tree: only this dialog's own close closes it.
    <dialog ref={dialog} className={wide ? 'dialog dialog-wide' : 'dialog'} onClose={(e) => e.target === e.currentTarget && onClose()} aria-labelledby={titleId}>
      <h2 id={titleId}>{title}</h2>
      {children}
    </dialog>
  );
}
