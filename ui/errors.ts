/**
 * The one error type of the page. Every failure the page explains to people carries a code
 * that says what kind of failure it is, so the view picks its heading from the code instead of
 * from which module threw or from the wording of the message.
 */
export type UiErrorCode =
  /** The API could not be reached at all (network, CORS, offline). */
  | 'unreachable'
  /** The API answered with an error status. */
  | 'server-error'
  /** The API answered 2xx with something that is not what the Rekor API promises. */
  | 'bad-answer'
  /** The search the user typed cannot be searched for. */
  | 'bad-search'
  /** A form value (tree size, root hash) is not usable. */
  | 'bad-input'
  /** A trusted root (pinned, served or pasted) cannot be used to verify anything. */
  | 'trust-unusable';

export class UiError extends Error {
  constructor(
    readonly code: UiErrorCode,
    message: string,
    /** The HTTP status, for 'server-error' and 'bad-answer'. */
    readonly status?: number,
  ) {
    super(message);
    this.name = 'UiError';
  }
}

const HEADINGS: Readonly<Record<UiErrorCode, string>> = {
  unreachable: 'The log cannot be reached',
  'server-error': 'The log answered with an error',
  'bad-answer': 'The log answered with something unexpected',
  'bad-search': 'Check the search',
  'bad-input': 'Check the input',
  'trust-unusable': 'No usable trusted root',
};

export const errorHeading = (err: unknown): string => (err instanceof UiError ? HEADINGS[err.code] : 'Something went wrong');
