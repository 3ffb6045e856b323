// Checks layer: judging trees and hosts (tree-check, findings, elf are pure; gather, run-check,
// doctor do I/O).
export * from './findings.js';
export * from '../inspect/elf.js';
export * from './tree-check.js';
export * from '../inspect/gather.js';
export * from './run-check.js';
export * from './doctor.js';
