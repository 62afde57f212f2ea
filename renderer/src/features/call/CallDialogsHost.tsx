import { CallsDialog, DiscardDialog, FinaliseDialog } from './CallDialogs';

/** The call record's dialogs, mounted once at the top of the screen. */
export function CallDialogsHost() {
  return (
    <>
      <FinaliseDialog />
      <DiscardDialog />
      <CallsDialog />
    </>
  );
}
