import { postWebhook } from '../common';
import { NETATMO_USER, type ModuleType } from './seed';
import {
  sign,
  type ModuleState,
  type NetatmoState,
  type SimEvent,
  type SubEvent,
  type WebhookDelivery,
} from './state';
import { objectId } from './state';

/** What `POST /_sim/events` and `sim.trigger()` accept. */
export interface TriggerOptions {
  /**
   * person (known unless `known:false`), person_known, person_unknown, movement (or motion),
   * human, animal, vehicle (Presence outdoor sub-events), doorbell (or ring, incoming_call).
   */
  type: string;
  /** For person events: false picks an unknown face. */
  known?: boolean;
  /** For person events: a person id (default Alice for known, the stranger for unknown). */
  person?: string;
}

export interface TriggerResult {
  event?: SimEvent;
  /** Why nothing happened: the camera is disconnected or its monitoring is off. */
  skipped?: 'disconnected' | 'monitoring_off';
  deliveries: WebhookDelivery[];
}

const INDOOR: readonly ModuleType[] = ['NACamera', 'NPC'];

/** Validates a trigger against the camera type; returns a message when it does not fit. */
export function checkTrigger(m: ModuleState, o: TriggerOptions): string | undefined {
  const t = o.type;
  const type = m.seed.type;
  if (['person', 'person_known', 'person_unknown', 'movement', 'motion'].includes(t)) {
    return INDOOR.includes(type) ? undefined : `${t} events come from indoor cameras, not ${type}`;
  }
  if (['human', 'animal', 'vehicle'].includes(t)) {
    return type === 'NOC' ? undefined : `${t} events come from Presence (NOC) cameras`;
  }
  if (['doorbell', 'ring', 'incoming_call'].includes(t)) {
    return type === 'NDB' ? undefined : 'doorbell rings come from the Doorbell (NDB)';
  }
  return `unknown event type ${t}: use person, person_known, person_unknown, movement, human, animal, vehicle or doorbell`;
}

/**
 * Records the event as getevents will list it and POSTs one signed webhook per event (per
 * sub-event for Presence), the way Netatmo pushes them.
 */
export async function triggerEvent(
  state: NetatmoState,
  extraCallback: string | null,
  m: ModuleState,
  o: TriggerOptions,
): Promise<TriggerResult> {
  if (!m.connected) return { skipped: 'disconnected', deliveries: [] };
  if (m.seed.type !== 'NDB' && m.monitoring === 'off') {
    return { skipped: 'monitoring_off', deliveries: [] };
  }
  const home = state.home(m.seed.homeId);
  const base = {
    user_id: NETATMO_USER.id,
    home_id: home.id,
    home_name: home.name,
    device_id: m.seed.id,
    camera_id: m.seed.id,
  };
  const pic = state.picture();
  const pictureFields = {
    snapshot_id: pic.id,
    snapshot_key: pic.key,
    snapshot_url: pic.url,
  };
  let event: SimEvent;
  let pushes: Record<string, unknown>[];
  const t = o.type;
  if (t.startsWith('person')) {
    const known = t === 'person_known' || (t === 'person' && o.known !== false);
    const personId = o.person ?? (known ? state.persons[0].id : state.persons[2].id);
    const name = state.personName(personId);
    const message = name
      ? `<b>${name}</b> seen by ${m.seed.name}`
      : `Unknown face seen by ${m.seed.name}`;
    event = state.addEvent(m, 'person', message, { person_id: personId, is_arrival: false });
    pushes = [
      {
        ...base,
        event_type: 'person',
        event_id: event.id,
        push_type: `${m.seed.type}-person`,
        message,
        ...pictureFields,
        persons: [
          {
            id: personId,
            face_id: objectId(),
            face_key: pic.key.slice(0, 32),
            face_url: pic.url,
            is_known: name !== undefined,
          },
        ],
      },
    ];
  } else if (t === 'movement' || t === 'motion') {
    const message = `Motion detected by ${m.seed.name}`;
    event = state.addEvent(m, 'movement', message);
    pushes = [
      {
        ...base,
        event_type: 'movement',
        event_id: event.id,
        push_type: `${m.seed.type}-movement`,
        message,
        ...pictureFields,
      },
    ];
  } else if (t === 'human' || t === 'animal' || t === 'vehicle') {
    const words = { human: 'Person', animal: 'Animal', vehicle: 'Vehicle' } as const;
    const message = `${words[t]} seen by ${m.seed.name}`;
    const subPic = state.picture();
    const sub: SubEvent = {
      id: objectId(),
      type: t,
      time: Math.floor(Date.now() / 1000),
      verified: true,
      offset: 0,
      snapshot: { url: subPic.url },
      vignette: { url: subPic.url },
      message,
    };
    event = state.addEvent(m, 'outdoor', message, { subevents: [sub] });
    // The push names the sub-event, so a receiver can match it against getevents.
    pushes = [
      {
        ...base,
        event_type: t,
        event_id: sub.id,
        push_type: `NOC-${t}`,
        message,
        snapshot_id: subPic.id,
        snapshot_key: subPic.key,
        snapshot_url: subPic.url,
      },
    ];
  } else {
    const message = `Someone rang at ${m.seed.name}`;
    event = state.addEvent(m, 'incoming_call', message);
    pushes = [
      {
        ...base,
        event_type: 'incoming_call',
        event_id: event.id,
        push_type: 'NDB-incoming_call',
        message,
        ...pictureFields,
      },
    ];
  }
  const deliveries: WebhookDelivery[] = [];
  for (const push of pushes) deliveries.push(...(await deliver(state, extraCallback, push)));
  return { event, deliveries };
}

/** The URLs a push goes to: the app's addwebhook registration, plus the control API's callback. */
export function webhookTargets(state: NetatmoState, extraCallback: string | null): string[] {
  const urls = [...state.webhooks]
    .filter(([clientId]) => !state.webhookBanned(clientId))
    .map(([, url]) => url);
  if (extraCallback && !urls.includes(extraCallback)) urls.push(extraCallback);
  return urls;
}

/**
 * JSON as Netatmo's servers write it: slashes escaped (`https:\/\/...`) and every non-ASCII
 * character as a `\uXXXX` escape, the PHP json_encode defaults. The signature covers exactly
 * these bytes (section 3.8), so a receiver that parses and re-serialises them cannot check
 * it. [I] The shape is that of Netatmo's API replies captured in public code, e.g.
 * demel42/IPSymconNetatmoSecurity (a homesdata reply with `"url":"https:\/\/netatmocameraimage...`).
 */
export function netatmoJson(payload: unknown): string {
  return JSON.stringify(payload)
    .replace(/\//g, '\\/')
    .replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** One signed POST per target; fire and forget, with the outcome recorded. */
export async function deliver(
  state: NetatmoState,
  extraCallback: string | null,
  payload: Record<string, unknown>,
  only?: string,
): Promise<WebhookDelivery[]> {
  const body = netatmoJson(payload);
  const headers = {
    'Content-Type': 'application/json',
    'User-Agent': 'NetatmoWebhookServer/1.0',
    'X-Netatmo-secret': sign(body, state.config.app.clientSecret),
  };
  const targets = only ? [only] : webhookTargets(state, extraCallback);
  return Promise.all(
    targets.map(async (url) => {
      const result = await postWebhook({ url, body, headers, delayMs: state.webhookDelayMs() });
      return state.recordDelivery({
        url,
        body,
        headers,
        status: result.status,
        ...(result.error ? { error: result.error } : {}),
      });
    }),
  );
}

/** Connection events are pushed too; a receiver refreshes vpn_url on NACamera-connection. */
export async function pushConnection(
  state: NetatmoState,
  extraCallback: string | null,
  m: ModuleState,
  kind: 'connection' | 'disconnection',
): Promise<WebhookDelivery[]> {
  const home = state.home(m.seed.homeId);
  const event = [...state.events]
    .reverse()
    .find((e) => e.module_id === m.seed.id && e.type === kind);
  return deliver(state, extraCallback, {
    user_id: NETATMO_USER.id,
    home_id: home.id,
    home_name: home.name,
    device_id: m.seed.id,
    camera_id: m.seed.id,
    event_type: kind,
    event_id: event?.id ?? objectId(),
    push_type: `${m.seed.type}-${kind}`,
    message: `${m.seed.name} ${kind === 'connection' ? 'connected' : 'disconnected'}`,
  });
}

/**
 * An SD card or power supply change, pushed as `<type>-sd` / `<type>-alim` with the event_type
 * of vendor-facts 3.8; the new value is read from homestatus, as the push carries no status.
 */
export async function pushStateEvent(
  state: NetatmoState,
  extraCallback: string | null,
  m: ModuleState,
  kind: 'sd' | 'alim',
  status: number,
): Promise<WebhookDelivery[]> {
  const home = state.home(m.seed.homeId);
  return deliver(state, extraCallback, {
    user_id: NETATMO_USER.id,
    home_id: home.id,
    home_name: home.name,
    device_id: m.seed.id,
    camera_id: m.seed.id,
    event_type: kind,
    event_id: objectId(),
    push_type: `${m.seed.type}-${kind}`,
    message: `${m.seed.name}: ${kind === 'sd' ? 'SD card' : 'power supply'} status ${status}`,
  });
}
