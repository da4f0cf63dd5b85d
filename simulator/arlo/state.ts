import { createHmac, randomBytes, randomInt } from 'node:crypto';
import { ARLO_LOCATION, ARLO_SEED, ARLO_USER, V1_MODES, V2_MODES, V3_MODES } from './devices';
import type { ArloDeviceSeed } from './devices';

export type FactorType = 'EMAIL' | 'SMS' | 'PUSH';
export type Transport = 'mqtt' | 'sse';

export interface Factor {
  factorId: string;
  factorType: FactorType;
  factorRole: 'PRIMARY' | 'SECONDARY';
  factorNickname: string;
}

export const FACTORS: readonly Factor[] = [
  {
    factorId: 'FA-EMAIL-01',
    factorType: 'EMAIL',
    factorRole: 'PRIMARY',
    factorNickname: 'u***@arlo.test',
  },
  {
    factorId: 'FA-SMS-02',
    factorType: 'SMS',
    factorRole: 'SECONDARY',
    factorNickname: '+1 ***-***-0142',
  },
  {
    factorId: 'FA-PUSH-03',
    factorType: 'PUSH',
    factorRole: 'SECONDARY',
    factorNickname: 'Arlo app (Pixel 8)',
  },
];

export interface TokenInfo {
  userId: string;
  /** An interim token only opens the 2FA calls of the auth host. */
  complete: boolean;
  expiresAtMs: number;
  browserId: string;
  issued: number;
}

export interface PendingFactorAuth {
  factorId: string;
  factorType: FactorType;
  browserId: string;
  otp?: string;
  approved: boolean;
  used: boolean;
}

export interface AccountFlags {
  /** Login asks for a second factor unless the browser is trusted. */
  mfa: boolean;
  /** mqtt: devices list allowedMqttTopics; sse: they do not, so clients use SSE. */
  transport: Transport;
  /** supportsMultiLocation: modes go through the v3 location API. */
  multiLocation: boolean;
}

export interface DeviceState {
  seed: ArloDeviceSeed;
  online: boolean;
  /** The base drops the next command it is sent: acknowledged by the cloud, never answered. */
  ignoreNext: boolean;
  /**
   * Device state as a base reports it in its `devices` packet [pyaarlo:docs/packets.md #4]:
   * batteryLevel, batteryTech, chargerTech, chargingState "On"/"Off", signalStrength 0-5,
   * swVersion. Battery devices only have the battery part.
   */
  battery?: { level: number; charging: boolean; exact: number; at: number };
  signal: number;
  /** Base stations with a siren: "on" or "off" [pyaarlo:base.py siren_state]. */
  sirenState: 'on' | 'off';
}

export interface SnapshotObject {
  cameraId: string;
  image: Buffer;
  expiresAtMs: number;
}

export interface StreamSession {
  cameraId: string;
  url: string;
  expiresAtMs: number;
  opened: boolean;
}

export interface LibraryItem {
  deviceId: string;
  name: string;
  utcCreatedDate: number;
  localCreatedDate: number;
  reason: string;
  objCategory?: string;
  contentType: 'video/mp4';
  mediaDurationSecond: number;
  presignedContentUrl: string;
  presignedThumbnailUrl: string;
}

export interface ArloStateConfig {
  seed?: readonly ArloDeviceSeed[];
  tokenTtlSec: number;
  subscriptionTtlMs: number;
  /** A base answers its subscription at most this often (about once a minute, 2.4). */
  subscriptionAnswerMs: number;
  flags: AccountFlags;
}

/**
 * How a base answers `subscriptions/<userId>_web` (2.4, 2.11): the registration goes out with
 * publishResponse:false, and the base answers "about once a minute" [pyaarlo:docs/packets.md
 * #1], or not at all. `never` models the base that stays silent while its registration works.
 */
export type SubscriptionAnswers = { everyMs: number } | 'never';

/** Shapes of the v3 mode list (GET /hmsweb/automation/v3). */
export type V3ModeShape = 'properties' | 'unknown';

/** v1 mode API: Arlo Baby, Go and Q (2.5; pyaarlo base.py _modes_version). */
const V1_MODEL = /^(ABC1000|VML4030)/;

/** Everything the simulated Arlo cloud remembers, shared by its auth host and API host. */
export class ArloState {
  readonly user = ARLO_USER;
  readonly location = ARLO_LOCATION;
  flags!: AccountFlags;
  devices = new Map<string, DeviceState>();
  tokens = new Map<string, TokenInfo>();
  factorAuths = new Map<string, PendingFactorAuth>();
  trustedBrowsers = new Set<string>();
  /** browserAuthCode -> browser id, until paired. */
  browserAuthCodes = new Map<string, string>();
  /** Last one-time code sent per factor: the test's stand-in for reading the email or SMS. */
  lastOtp: Partial<Record<FactorType, string>> = {};
  v2Active = new Map<string, string>();
  v1Active = new Map<string, string>();
  v3 = { mode: 'standby', revision: 1 };
  /** Base station id -> when its event subscription lapses. */
  subscriptions = new Map<string, number>();
  /** Base station id -> when it last answered a subscription. */
  subscriptionAnswered = new Map<string, number>();
  /** Per base, or '*' for every base without its own setting. */
  subscriptionAnswers = new Map<string, SubscriptionAnswers>();
  v3ModeShape: V3ModeShape = 'properties';
  snapshots = new Map<string, SnapshotObject>();
  streams = new Map<string, StreamSession>();
  library: LibraryItem[] = [];
  logins = 0;
  readonly secret = randomBytes(32);

  constructor(readonly config: ArloStateConfig) {
    this.reset();
  }

  reset(): void {
    this.flags = { ...this.config.flags };
    this.devices.clear();
    for (const seed of this.config.seed ?? ARLO_SEED) {
      this.devices.set(seed.deviceId, {
        seed,
        online: true,
        ignoreNext: false,
        battery:
          seed.battery === undefined
            ? undefined
            : { level: seed.battery, charging: false, exact: seed.battery, at: Date.now() },
        signal: 4,
        sirenState: 'off',
      });
    }
    this.tokens.clear();
    this.factorAuths.clear();
    this.trustedBrowsers.clear();
    this.browserAuthCodes.clear();
    this.lastOtp = {};
    this.v2Active.clear();
    this.v1Active.clear();
    for (const d of this.devices.values()) {
      if (!this.isGateway(d.seed)) continue;
      // 2.5: v1 only for the models that use it; v2 for bases and hub-less cameras alike.
      if (this.usesV1(d.seed)) this.v1Active.set(d.seed.deviceId, 'mode0');
      else
        this.v2Active.set(d.seed.deviceId, d.seed.deviceType === 'basestation' ? 'mode1' : 'mode0');
    }
    this.v3 = { mode: 'standby', revision: 1 };
    this.v3ModeShape = 'properties';
    this.subscriptions.clear();
    this.subscriptionAnswered.clear();
    this.subscriptionAnswers.clear();
    this.subscriptionAnswers.set('*', { everyMs: this.config.subscriptionAnswerMs });
    this.snapshots.clear();
    this.streams.clear();
    this.library = [];
    this.logins = 0;
  }

  /**
   * A battery that drains off the charger (1 % an hour) and fills on it (30 % an hour),
   * worked out when read, as the camera reports its level.
   */
  batteryNow(d: DeviceState): DeviceState['battery'] {
    const b = d.battery;
    if (!b) return b;
    const hours = (Date.now() - b.at) / 3_600_000;
    b.exact = b.charging ? Math.min(100, b.exact + hours * 30) : Math.max(0, b.exact - hours);
    b.at = Date.now();
    b.level = Math.round(b.exact);
    return b;
  }

  /** The properties a base reports for one of its devices (pyaarlo docs/packets.md #4). */
  deviceProperties(d: DeviceState): Record<string, unknown> {
    const b = this.batteryNow(d);
    const props: Record<string, unknown> = {
      connectionState: d.online ? 'available' : 'unavailable',
      modelId: d.seed.modelId,
      hwVersion: d.seed.hwVersion,
      serialNumber: d.seed.deviceId,
      swVersion: `1.${d.seed.hwVersion.length}.0.${d.seed.deviceId.slice(-4)}`,
      signalStrength: d.signal,
      batteryTech: b ? 'Rechargeable' : 'None',
      chargerTech: b?.charging ? 'QuickCharger' : 'None',
    };
    if (b) {
      props.batteryLevel = b.level;
      props.chargingState = b.charging ? 'On' : 'Off';
    }
    if (this.hasSiren(d.seed)) props.sirenState = d.sirenState;
    return props;
  }

  /** A base station with a siren device behind it. */
  hasSiren(seed: ArloDeviceSeed): boolean {
    return (
      seed.deviceType === 'basestation' &&
      [...this.devices.values()].some(
        (x) => x.seed.deviceType === 'siren' && x.seed.parentId === seed.deviceId,
      )
    );
  }

  isHubless(seed: ArloDeviceSeed): boolean {
    return seed.deviceType !== 'basestation' && seed.parentId === seed.deviceId;
  }

  isGateway(seed: ArloDeviceSeed): boolean {
    return seed.deviceType === 'basestation' || this.isHubless(seed);
  }

  /** Does this gateway take modes through v1 notify (2.5)? */
  usesV1(seed: ArloDeviceSeed): boolean {
    return V1_MODEL.test(seed.modelId);
  }

  /** The devices that relay commands and publish events: base stations and hub-less cameras. */
  gateways(): ArloDeviceSeed[] {
    return [...this.devices.values()].map((d) => d.seed).filter((s) => this.isGateway(s));
  }

  uniqueId(deviceId: string): string {
    return `${this.user.userId}_${deviceId}`;
  }

  issueToken(complete: boolean, browserId: string): { token: string; info: TokenInfo } {
    const token = `2_${randomBytes(24).toString('base64url')}`;
    const issued = Math.floor(Date.now() / 1000);
    const info: TokenInfo = {
      userId: this.user.userId,
      complete,
      browserId,
      issued,
      expiresAtMs: Date.now() + this.config.tokenTtlSec * 1000,
    };
    this.tokens.set(token, info);
    return { token, info };
  }

  /** A valid, fully authenticated token, or undefined. */
  session(token: string | undefined): TokenInfo | undefined {
    if (!token) return undefined;
    const info = this.tokens.get(token);
    if (!info || !info.complete || info.expiresAtMs <= Date.now()) return undefined;
    return info;
  }

  expireTokens(): void {
    for (const info of this.tokens.values()) info.expiresAtMs = 0;
  }

  newOtp(type: FactorType): string {
    const otp = String(randomInt(0, 1_000_000)).padStart(6, '0');
    this.lastOtp[type] = otp;
    return otp;
  }

  subscribe(baseId: string): void {
    this.subscriptions.set(baseId, Date.now() + this.config.subscriptionTtlMs);
  }

  /**
   * Does the base answer this registration? The first one at once, later ones at most once per
   * its answer period, and never for a silent base (2.4).
   */
  answersSubscription(baseId: string): boolean {
    const how = this.subscriptionAnswers.get(baseId) ?? this.subscriptionAnswers.get('*');
    if (!how || how === 'never') return false;
    const last = this.subscriptionAnswered.get(baseId);
    if (last !== undefined && Date.now() - last < how.everyMs) return false;
    this.subscriptionAnswered.set(baseId, Date.now());
    return true;
  }

  /** Does this base publish right now? Only while a subscription is live. */
  publishing(baseId: string): boolean {
    const until = this.subscriptions.get(baseId);
    return until !== undefined && until > Date.now();
  }

  sign(text: string): string {
    return createHmac('sha256', this.secret).update(text).digest('hex').slice(0, 32);
  }

  v2Definitions(): Record<string, { modes: { id: string; name: string; type: string }[] }> {
    const out: Record<string, { modes: { id: string; name: string; type: string }[] }> = {};
    for (const s of this.gateways()) {
      if (this.usesV1(s)) continue;
      out[this.uniqueId(s.deviceId)] = { modes: V2_MODES.map((m) => ({ ...m })) };
    }
    return out;
  }

  v1Modes(): { id: string; name: string; type: string }[] {
    return V1_MODES.map((m) => ({ ...m }));
  }

  v3Modes(): { mode: string; name: string }[] {
    return V3_MODES.map((m) => ({ ...m }));
  }
}
