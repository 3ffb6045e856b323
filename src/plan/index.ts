// Planning layer: prepared roots as data and their renderings. Pure.
export * from './root-plan.js';
export * from './render.js';
