// Config layer: parsers for the CHOS files and the name rules. Pure (no I/O).
export * from './diagnostic.js';
export * from './names.js';
export * from './chos-file.js';
export * from './sysconfig.js';
export * from './chos-conf.js';
