import { Icon } from './Icon';

/** An error said where it happened, announced at once (role="alert"); nothing when there is none. */
export function ErrorAlert({ message }: { message: string | null | undefined }) {
  if (!message) return null;
  return (
    <p className="inline-alert inline-alert--error" role="alert">
      <Icon name="warning" />
      <span>{message}</span>
    </p>
  );
}
