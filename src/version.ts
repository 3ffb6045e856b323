// The release of chos (kept equal to package.json's "version"; a unit test checks it). Pure.
export const VERSION = '0.1.0';
