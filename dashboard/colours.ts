import { scaleOrdinal } from 'd3-scale';

// Okabe–Ito: told apart with the common colour-vision deficiencies.
const PALETTE = ['#D55E00', '#0072B2', '#E69F00', '#CC79A7', '#009E73', '#56B4E9', '#F0E442'];
export const UNCATEGORISED = 'uncategorised';

const byCategory = scaleOrdinal<string, string>(PALETTE);

/** One colour per failure category for the whole page; failures no rule matched are grey. */
export function categoryColour(id: string): string {
  return id === UNCATEGORISED ? '#8c959f' : byCategory(id);
}

export const STATUS_COLOUR: Record<string, string> = {
  passed: '#1a7f37',
  failed: '#cf222e',
  errored: '#bc4c00',
  skipped: '#8c959f',
  absent: 'transparent',
};
