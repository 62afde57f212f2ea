/** Strips spaces and dashes; returns the 10 digits or null when the shape is wrong. */
export function normaliseNhsNumber(input: string): string | null {
  const digits = input.replace(/[\s-]/g, '');
  return /^\d{10}$/.test(digits) ? digits : null;
}

/** NHS number check: modulus 11 over the first nine digits with weights 10..2. */
export function isValidNhsNumber(input: string): boolean {
  const digits = normaliseNhsNumber(input);
  if (!digits) return false;
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += Number(digits[i]) * (10 - i);
  const check = 11 - (sum % 11);
  if (check === 10) return false;
  return (check === 11 ? 0 : check) === Number(digits[9]);
}

/** "943 476 5919" for display. */
export function formatNhsNumber(digits: string): string {
  return `${digits.slice(0, 3)} ${digits.slice(3, 6)} ${digits.slice(6)}`;
}

/**
 * What is wrong with an NHS number as typed, in one sentence for its field, or null when it is
 * blank or valid. Spaces and dashes are formatting; anything else is not part of an NHS number.
 */
export function nhsNumberProblem(input: string): string | null {
  if (input.trim() === '') return null;
  if (/[^\d\s-]/.test(input)) return 'An NHS number is 10 digits only: remove the letters or other characters.';
  const digits = input.replace(/[\s-]/g, '').length;
  if (digits !== 10) return `An NHS number has 10 digits; this has ${digits}. Check it with the caller.`;
  return isValidNhsNumber(input) ? null : 'This is not a valid NHS number (its last digit does not match the other nine): check the 10 digits with the caller.';
}
