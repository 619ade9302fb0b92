import { cubaNetwork } from '../spiking/index.js';
import { benchSpikingNetwork } from './coba.js';

/**
 * Brian2's CUBA example (4000 current-based LIF, exact integration, 2% connectivity, dt 0.1 ms): wall seconds per
 * simulated second, mean rate and ISI CV; Brian2's C++ standalone mode runs its CUBA.py side by side
 * (scripts/brian2_cuba.py) when python3-brian is installed.
 */
export function benchCuba(seconds = 1): Record<string, unknown> {
  return benchSpikingNetwork(() => cubaNetwork({ seed: 1 }), 'brian2_cuba.py', seconds);
}
