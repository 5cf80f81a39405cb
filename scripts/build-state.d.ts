// Types for scripts/build-state.js, which bin/sealhouse.js and the tests import.
export declare const STAMP: string;
export declare function staleReason(root: string): string | undefined;
export declare function buildIfStale(root: string): number;
