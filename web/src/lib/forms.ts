/** What a form's check makes of its draft: the body to send, or what is wrong with it. */
export type Checked<I> = { input: I } | { error: string };
