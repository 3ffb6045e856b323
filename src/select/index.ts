// Selection layer: which environment a process gets. Pure.
export * from './select.js';
