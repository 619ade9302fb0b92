import { ConfigError } from '../../util/errors.js';
import type { Rng } from '../../util/rng.js';

/**
 * The cart-pole of Barto, Sutton & Anderson (1983), with the corrected equations of Florian (2007, "Correct
 * equations for the dynamics of the cart-pole system"): Coulomb friction of the cart on the track (whose force
 * follows the normal force N_c, which may change sign) and viscous friction at the pole's hinge.
 *
 * Conventions: x is the cart's position (positive to the right), theta the pole's angle from upright, positive when
 * the pole leans to the right (its centre sits at x + l sin(theta), height l cos(theta)); a positive force pushes the
 * cart to the right, which turns the pole back towards upright when theta > 0.
 */
export interface CartPoleParams {
  gravityMps2: number;
  cartMassKg: number;
  poleMassKg: number;
  /** l: half the pole's length (its centre of mass sits there). */
  poleHalfLengthM: number;
  /** The force of an action of +-1. */
  forceMagnitudeN: number;
  /** The Euler step. */
  timeStepS: number;
  /** mu_c: Coulomb friction coefficient of the cart on the track (dimensionless). */
  cartFriction: number;
  /** mu_p: viscous friction coefficient of the hinge (N m s). */
  poleFriction: number;
  /** The episode fails once |theta| exceeds this. */
  failAngleRad: number;
  /** The episode fails once |x| exceeds this. */
  failPositionM: number;
}

/** The standard task (gym's CartPole): no friction, 12 degrees, 2.4 m. */
export const STANDARD_CART_POLE: CartPoleParams = Object.freeze({
  gravityMps2: 9.8,
  cartMassKg: 1.0,
  poleMassKg: 0.1,
  poleHalfLengthM: 0.5,
  forceMagnitudeN: 10,
  timeStepS: 0.02,
  cartFriction: 0,
  poleFriction: 0,
  failAngleRad: (12 * Math.PI) / 180,
  failPositionM: 2.4,
});

export interface CartPoleState {
  xM: number;
  xDotMps: number;
  thetaRad: number;
  thetaDotRadps: number;
}

const POSITIVE: readonly (keyof CartPoleParams)[] = [
  'cartMassKg',
  'poleMassKg',
  'poleHalfLengthM',
  'timeStepS',
  'failAngleRad',
  'failPositionM',
];
const NON_NEGATIVE: readonly (keyof CartPoleParams)[] = [
  'gravityMps2',
  'forceMagnitudeN',
  'cartFriction',
  'poleFriction',
];

/** Checks the fields given (all optional), naming the field, what was expected and what was found. */
export function checkCartPoleParams(p: Partial<CartPoleParams>, where: string): void {
  if (p === null || typeof p !== 'object' || Array.isArray(p))
    throw new ConfigError(where, `expected an object of cart-pole parameters, found ${JSON.stringify(p)}`);
  for (const [key, value] of Object.entries(p)) {
    const field = key as keyof CartPoleParams;
    const positive = POSITIVE.includes(field);
    if (!positive && !NON_NEGATIVE.includes(field))
      throw new ConfigError(
        `${where}.${key}`,
        `expected one of ${[...POSITIVE, ...NON_NEGATIVE].join(', ')}, found an unknown field`,
      );
    const ok = typeof value === 'number' && Number.isFinite(value) && (positive ? value > 0 : value >= 0);
    if (!ok)
      throw new ConfigError(
        `${where}.${key}`,
        `expected a finite number ${positive ? '> 0' : '>= 0'}, found ${JSON.stringify(value)}`,
      );
  }
}

/**
 * Fixed scales of the observation: the standard failure bounds map to +-1. They do not follow the parameters, so
 * that a change of dynamics is not announced to the controller through its inputs.
 */
export const OBSERVATION_SCALE = Object.freeze({
  xM: 2.4,
  xDotMps: 2,
  thetaRad: (12 * Math.PI) / 180,
  thetaDotRadps: 2,
});

export class CartPole {
  params: CartPoleParams;
  state: CartPoleState = { xM: 0, xDotMps: 0, thetaRad: 0, thetaDotRadps: 0 };
  /** The sign of the cart's normal force at the last step (Florian's procedure starts from the previous one). */
  private normalForceSign = 1;

  constructor(params: CartPoleParams = STANDARD_CART_POLE) {
    checkCartPoleParams(params, 'cartPole');
    const missing = (Object.keys(STANDARD_CART_POLE) as (keyof CartPoleParams)[]).filter(
      (k) => params[k] === undefined,
    );
    if (missing.length > 0)
      throw new ConfigError(`cartPole.${missing[0]}`, 'expected a number, found nothing');
    this.params = { ...params };
  }

  /** Each state variable uniform in [-0.05, 0.05], as in gym. */
  reset(rng: Rng): void {
    const draw = () => -0.05 + 0.1 * rng.float();
    this.state = { xM: draw(), xDotMps: draw(), thetaRad: draw(), thetaDotRadps: draw() };
    this.normalForceSign = 1;
  }

  /** Changes the dynamics from the next step on; the state stays as it is (a change mid-episode). */
  setParams(p: Partial<CartPoleParams>): void {
    checkCartPoleParams(p, 'cartPole.setParams');
    this.params = { ...this.params, ...p };
  }

  /** Whether the state is within the failure bounds. */
  get ok(): boolean {
    return (
      Math.abs(this.state.xM) <= this.params.failPositionM &&
      Math.abs(this.state.thetaRad) <= this.params.failAngleRad
    );
  }

  /** The accelerations (m/s^2, rad/s^2) in the current state under a force (N), by Florian's equations. */
  accelerations(forceN: number): { xDDotMps2: number; thetaDDotRadps2: number } {
    const { gravityMps2: g, cartMassKg, poleMassKg: m, poleHalfLengthM: l } = this.params;
    const { cartFriction: muC, poleFriction: muP } = this.params;
    const { xDotMps: xDot, thetaRad: theta, thetaDotRadps: thetaDot } = this.state;
    const totalMass = cartMassKg + m;
    const sin = Math.sin(theta);
    const cos = Math.cos(theta);
    const thetaDDotFor = (normalSign: number) => {
      // Cart friction opposes the cart's velocity, times the sign of the normal force pressing it on the track.
      const s = muC * Math.sign(normalSign * xDot);
      const numerator =
        g * sin +
        cos * ((-forceN - m * l * thetaDot * thetaDot * (sin + s * cos)) / totalMass + s * g) -
        (muP * thetaDot) / (m * l);
      // Florian's equation (21) prints (cos - s) here; putting his own cart equation and normal force into the
      // pole's equation of rotation gives (cos - s sin), which this uses (the test checks it against Newton-Euler).
      return numerator / (l * (4 / 3 - ((m * cos) / totalMass) * (cos - s * sin)));
    };
    const normalForce = (thetaDDot: number) =>
      totalMass * g - m * l * (thetaDDot * sin + thetaDot * thetaDot * cos);
    let thetaDDot = thetaDDotFor(this.normalForceSign);
    let normal = normalForce(thetaDDot);
    // Florian's procedure: if the normal force came out with the other sign, solve again with that sign.
    if (muC !== 0 && Math.sign(normal) !== this.normalForceSign && normal !== 0) {
      this.normalForceSign = Math.sign(normal);
      thetaDDot = thetaDDotFor(this.normalForceSign);
      normal = normalForce(thetaDDot);
    }
    const xDDot =
      (forceN +
        m * l * (thetaDot * thetaDot * sin - thetaDDot * cos) -
        muC * normal * Math.sign(normal * xDot)) /
      totalMass;
    return { xDDotMps2: xDDot, thetaDDotRadps2: thetaDDot };
  }

  /**
   * One explicit Euler step as in the 1983 paper (positions from the old velocities, velocities from the old
   * accelerations). The action is continuous: clipped to [-1, 1], it scales forceMagnitudeN (a bang-bang controller
   * is the special case of actions +-1). Returns true while the state is within the failure bounds; the state is
   * integrated either way.
   */
  step(action: number): boolean {
    if (Number.isNaN(action))
      throw new ConfigError('cartPole.step', 'expected an action in [-1, 1], found NaN');
    const forceN = Math.max(-1, Math.min(1, action)) * this.params.forceMagnitudeN;
    const { xDDotMps2, thetaDDotRadps2 } = this.accelerations(forceN);
    const tau = this.params.timeStepS;
    const s = this.state;
    s.xM += tau * s.xDotMps;
    s.xDotMps += tau * xDDotMps2;
    s.thetaRad += tau * s.thetaDotRadps;
    s.thetaDotRadps += tau * thetaDDotRadps2;
    return this.ok;
  }

  /** [x / 2.4 m, xDot / 2 m/s, theta / 12 degrees, thetaDot / 2 rad/s]: the standard failure bounds at +-1. */
  observation(): Float32Array {
    const s = this.state;
    return Float32Array.of(
      s.xM / OBSERVATION_SCALE.xM,
      s.xDotMps / OBSERVATION_SCALE.xDotMps,
      s.thetaRad / OBSERVATION_SCALE.thetaRad,
      s.thetaDotRadps / OBSERVATION_SCALE.thetaDotRadps,
    );
  }
}
