export const ACTION_YML: string;
export const DOCS: string;
export const START: string;
export const END: string;
/** The reference block (markers included) for an action.yml text. */
export function renderActionReference(actionYml: string): string;
/** The document with its reference block replaced. */
export function replaceReference(doc: string, block: string): string;
/** The reference block as it stands in the document (markers included), or undefined. */
export function currentReference(doc: string): string | undefined;
