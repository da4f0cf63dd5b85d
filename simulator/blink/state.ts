import { createHash, randomBytes, randomInt } from 'node:crypto';
import type { BlinkAccountSeed, BlinkDeviceSeed, BlinkNetworkSeed } from './seed';

export interface BlinkSimTiming {
  /** expires_in of access tokens. */
  accessTokenTtlSec: number;
  /** Polls of a command that answer complete:false before it completes. */
  commandPolls: number;
  /** duration of a liveview session. */
  liveviewDurationSec: number;
  /** media/changed page size (`limit`). */
  mediaPageSize: number;
}

export interface LoginLimit {
  /** Sign-in attempts allowed per window before 429. */
  max: number;
  windowMs: number;
  /** Retry-After on the 429, in seconds; none when undefined (as usually seen). */
  retryAfterSec?: number;
  /** 429s within the window after which the account is locked out. */
  lockoutAfter: number;
  lockoutMs: number;
}

export interface OAuthSession {
  id: string;
  csrf: string;
  challenge: string;
  hardwareId: string;
  redirectUri: string;
  state: string;
  stage: 'authorize' | 'tsv' | 'done';
  tsvCode?: string;
  tsvFailures: number;
}

export interface TokenGrant {
  accessToken: string;
  refreshToken: string;
  expiresAt: number;
}

export type CommandOutcome = 'ok' | 'fail' | 'never';

export interface SimCommand {
  id: number;
  networkId: number;
  command: string;
  deviceId?: number;
  createdAt: string;
  pollsLeft: number;
  outcome: CommandOutcome;
  failCode: number;
  complete: boolean;
  polls: number;
  apply?: () => void;
}

export interface MediaEntry {
  id: number;
  created_at: string;
  updated_at: string;
  deleted: boolean;
  device: string;
  device_id: number;
  device_name: string;
  network_id: number;
  network_name: string;
  type: 'video';
  source: string;
  watched: boolean;
  partial: boolean;
  thumbnail: string;
  media: string;
  additional_devices: unknown[];
  time_zone: string;
}

export interface DeviceState {
  seed: BlinkDeviceSeed;
  enabled: boolean;
  online: boolean;
  /** Epoch seconds of the current thumbnail; it changes only when a thumbnail command completes. */
  thumbnailTs: number;
  snapshots: number;
  /**
   * What the homescreen shows of a battery device: `battery` "ok" or "low" and signals
   * {lfr, wifi, temp (degrees F), battery} in bars (vendor-facts 1.3). Blink gives no percentage.
   */
  battery: 'ok' | 'low';
  signals: { lfr: number; wifi: number; temp: number; battery: number };
  /** Camera settings (seed "Update Camera Config"); 1-9, default 5 (Blink's help pages). */
  motionSensitivity: number;
}

export interface NetworkState {
  seed: BlinkNetworkSeed;
  armed: boolean;
}

export interface OutboxEntry {
  channel: 'sms';
  code: string;
  time: string;
}

/** Blink writes times with seconds precision and a +00:00 offset. */
export function blinkTime(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', '+00:00');
}

function token(prefix: string): string {
  return `${prefix}${randomBytes(18).toString('base64url')}`;
}

export class BlinkState {
  readonly seed: BlinkAccountSeed;
  readonly timing: BlinkSimTiming;
  loginLimit: LoginLimit;
  networks = new Map<number, NetworkState>();
  devices = new Map<number, DeviceState>();
  sessions = new Map<string, OAuthSession>();
  /** Authorization codes waiting for the token exchange. */
  codes = new Map<string, { challenge: string; redirectUri: string; expires: number }>();
  access = new Map<string, number>();
  refresh = new Set<string>();
  /** Refresh tokens already exchanged; presenting one again gets 401. */
  spentRefresh = new Set<string>();
  commands = new Map<number, SimCommand>();
  media: MediaEntry[] = [];
  outbox: OutboxEntry[] = [];
  loginAttempts: number[] = [];
  rateLimitedAttempts: number[] = [];
  lockedUntil = 0;
  /** Set by the control API: the next sign-in asks for a 2FA code (202, or 412 when chosen). */
  require2fa: false | 202 | 412;
  /** Outcomes for the next commands, consumed in order. */
  nextOutcomes: { outcome: CommandOutcome; failCode: number }[] = [];
  /** tierLookups: the app looks the tier up once, after the first token (vendor-facts 1.1). */
  counters = { logins: 0, refreshes: 0, tokenExchanges: 0, tierLookups: 0 };
  private nextCommandId = 700000;
  private nextMediaId = 3100000;
  private readonly initial2fa: false | 202 | 412;

  constructor(
    seed: BlinkAccountSeed,
    timing: BlinkSimTiming,
    loginLimit: LoginLimit,
    twoFa: boolean,
  ) {
    this.seed = seed;
    this.timing = timing;
    this.loginLimit = loginLimit;
    this.initial2fa = twoFa ? 202 : false;
    this.require2fa = this.initial2fa;
    this.reset();
  }

  reset(): void {
    const now = Date.now();
    this.networks = new Map(this.seed.networks.map((n) => [n.id, { seed: n, armed: n.armed }]));
    this.devices = new Map(
      this.seed.devices.map((d) => [
        d.id,
        {
          seed: d,
          enabled: d.enabled,
          online: true,
          thumbnailTs: Math.floor(now / 1000) - 3600,
          snapshots: 0,
          battery: 'ok' as const,
          signals: { lfr: 5, wifi: 4, temp: 68, battery: 3 },
          motionSensitivity: 5,
        },
      ]),
    );
    this.sessions.clear();
    this.codes.clear();
    this.access.clear();
    this.refresh.clear();
    this.spentRefresh.clear();
    this.commands.clear();
    this.outbox = [];
    this.loginAttempts = [];
    this.rateLimitedAttempts = [];
    this.lockedUntil = 0;
    this.require2fa = this.initial2fa;
    this.nextOutcomes = [];
    this.counters = { logins: 0, refreshes: 0, tokenExchanges: 0, tierLookups: 0 };
    // Yesterday's clips: a client must not report them as new events when it starts.
    this.media = [];
    for (const [i, d] of this.seed.devices.entries()) {
      this.addMedia(
        d.id,
        d.kind === 'doorbell' ? 'button_press' : 'pir',
        now - 86_400_000 + i * 60_000,
      );
    }
  }

  // --- OAuth -------------------------------------------------------------------------------

  newSession(q: {
    challenge: string;
    hardwareId: string;
    redirectUri: string;
    state: string;
  }): OAuthSession {
    const s: OAuthSession = {
      id: randomBytes(16).toString('hex'),
      csrf: randomBytes(16).toString('base64url'),
      ...q,
      stage: 'authorize',
      tsvFailures: 0,
    };
    this.sessions.set(s.id, s);
    return s;
  }

  /** Counts a sign-in attempt; returns how to refuse it, or undefined to let it through. */
  admitLogin(now = Date.now()): { lockedOut: boolean; retryAfterSec?: number } | undefined {
    const lim = this.loginLimit;
    if (now < this.lockedUntil) return { lockedOut: true };
    this.loginAttempts = this.loginAttempts.filter((t) => now - t < lim.windowMs);
    this.rateLimitedAttempts = this.rateLimitedAttempts.filter((t) => now - t < lim.windowMs);
    this.loginAttempts.push(now);
    if (this.loginAttempts.length <= lim.max) return undefined;
    this.rateLimitedAttempts.push(now);
    if (this.rateLimitedAttempts.length > lim.lockoutAfter) {
      this.lockedUntil = now + lim.lockoutMs;
      return { lockedOut: true };
    }
    return { lockedOut: false, retryAfterSec: lim.retryAfterSec };
  }

  issueCode(session: OAuthSession): string {
    const code = randomBytes(18).toString('base64url');
    this.codes.set(code, {
      challenge: session.challenge,
      redirectUri: session.redirectUri,
      expires: Date.now() + 120_000,
    });
    this.sessions.delete(session.id);
    return code;
  }

  sendTsvCode(session: OAuthSession): void {
    const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
    session.tsvCode = code;
    session.stage = 'tsv';
    this.outbox.push({ channel: 'sms', code, time: new Date().toISOString() });
  }

  exchangeCode(code: string, verifier: string): TokenGrant | undefined {
    const entry = this.codes.get(code);
    if (!entry || entry.expires < Date.now()) return undefined;
    this.codes.delete(code);
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    if (challenge !== entry.challenge) return undefined;
    this.counters.tokenExchanges++;
    return this.grant();
  }

  rotate(refreshToken: string): TokenGrant | undefined {
    if (!this.refresh.has(refreshToken)) return undefined;
    this.refresh.delete(refreshToken);
    this.spentRefresh.add(refreshToken);
    this.counters.refreshes++;
    return this.grant();
  }

  private grant(): TokenGrant {
    const g: TokenGrant = {
      accessToken: token('blk_at_'),
      refreshToken: token('blk_rt_'),
      expiresAt: Date.now() + this.timing.accessTokenTtlSec * 1000,
    };
    this.access.set(g.accessToken, g.expiresAt);
    this.refresh.add(g.refreshToken);
    return g;
  }

  validAccess(bearer: string | undefined): boolean {
    if (!bearer) return false;
    const exp = this.access.get(bearer);
    return exp !== undefined && exp > Date.now();
  }

  expireAccessTokens(): number {
    let n = 0;
    for (const k of this.access.keys()) {
      this.access.set(k, 0);
      n++;
    }
    return n;
  }

  // --- Commands ------------------------------------------------------------------------------

  newCommand(
    networkId: number,
    command: string,
    deviceId?: number,
    apply?: () => void,
  ): SimCommand {
    const next = this.nextOutcomes.shift() ?? { outcome: 'ok' as const, failCode: 999 };
    const cmd: SimCommand = {
      id: this.nextCommandId++,
      networkId,
      command,
      deviceId,
      createdAt: blinkTime(Date.now()),
      pollsLeft: this.timing.commandPolls,
      outcome: next.outcome,
      failCode: next.failCode,
      complete: false,
      polls: 0,
      apply,
    };
    this.commands.set(cmd.id, cmd);
    return cmd;
  }

  /** Another command of the network that has not finished: Blink answers "busy". */
  runningCommand(networkId: number): SimCommand | undefined {
    for (const c of this.commands.values()) {
      if (
        c.networkId === networkId &&
        !c.complete &&
        c.outcome !== 'never' &&
        c.command !== 'lv_relay'
      ) {
        return c;
      }
    }
    return undefined;
  }

  /** One status poll: counts down, then completes and applies the command's effect. */
  poll(cmd: SimCommand): void {
    cmd.polls++;
    if (cmd.complete || cmd.outcome === 'never') return;
    if (cmd.pollsLeft > 0) {
      cmd.pollsLeft--;
      return;
    }
    cmd.complete = true;
    if (cmd.outcome === 'ok') cmd.apply?.();
  }

  // --- Media ---------------------------------------------------------------------------------

  addMedia(deviceId: number, source: string, at = Date.now()): MediaEntry {
    const d = this.devices.get(deviceId);
    if (!d) throw new Error(`unknown device ${deviceId}`);
    const net = this.networks.get(d.seed.networkId);
    const id = this.nextMediaId++;
    const acct = this.seed.accountId;
    const entry: MediaEntry = {
      id,
      created_at: blinkTime(at),
      updated_at: blinkTime(at + 2000),
      deleted: false,
      device: d.seed.kind,
      device_id: d.seed.id,
      device_name: d.seed.name,
      network_id: d.seed.networkId,
      network_name: net?.seed.name ?? '',
      type: 'video',
      source,
      watched: false,
      partial: false,
      thumbnail: `/api/v2/accounts/${acct}/media/thumb/${id}`,
      media: `/api/v2/accounts/${acct}/media/clip/${id}.mp4`,
      additional_devices: [],
      time_zone: 'Europe/London',
    };
    this.media.push(entry);
    return entry;
  }

  /** Entries updated at or after `since`, newest first: overlapping windows see repeats. */
  mediaSince(sinceMs: number): MediaEntry[] {
    return this.media
      .filter((m) => Date.parse(m.updated_at) >= sinceMs)
      .sort((a, b) => Date.parse(b.created_at) - Date.parse(a.created_at));
  }

  /** Is motion recorded on this device now? A sync-less Mini is armed by its own switch. */
  records(d: DeviceState): boolean {
    const net = this.networks.get(d.seed.networkId);
    if (!net) return false;
    return d.enabled && (net.seed.syncModuleId === undefined || net.armed);
  }

  // --- Views ---------------------------------------------------------------------------------

  thumbnailField(d: DeviceState): string | number {
    const acct = this.seed.accountId;
    const net = d.seed.networkId;
    switch (d.seed.thumbnailForm) {
      case 'path':
        return `/media/production/account/${acct}/network/${net}/camera/${d.seed.id}/clip_${d.seed.serial.slice(-4)}_${d.thumbnailTs}`;
      case 'ext':
        return `/api/v3/media/accounts/${acct}/networks/${net}/${d.seed.type}/${d.seed.id}/thumbnail/thumbnail.jpg?ts=${d.thumbnailTs}&ext=`;
      case 'timestamp':
        return d.thumbnailTs;
    }
  }

  view(): unknown {
    return {
      account: {
        email: this.seed.email,
        accountId: this.seed.accountId,
        tier: this.seed.tier,
        require2fa: this.require2fa,
        lockedUntil: this.lockedUntil || null,
        counters: this.counters,
        accessTokens: this.access.size,
      },
      networks: [...this.networks.values()].map((n) => ({
        id: n.seed.id,
        name: n.seed.name,
        armed: n.armed,
        syncModule: n.seed.syncModuleId ?? null,
      })),
      devices: [...this.devices.values()].map((d) => ({
        id: String(d.seed.id),
        name: d.seed.name,
        kind: d.seed.kind,
        type: d.seed.type,
        networkId: d.seed.networkId,
        enabled: d.enabled,
        online: d.online,
        thumbnail: this.thumbnailField(d),
        snapshots: d.snapshots,
        battery: d.battery,
        signals: { ...d.signals },
        motionSensitivity: d.motionSensitivity,
      })),
    };
  }
}
